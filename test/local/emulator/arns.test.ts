import {
  flowArn,
  instanceArn,
  parseArn,
  parseFlowArn,
  parseInstanceArn,
  parsePhoneNumberArn,
  parseTdgArn,
  parseVoiceConnectorArn,
  phoneNumberArn,
  tdgArn,
  voiceConnectorArn,
} from '../../../local/emulator/arns';
import { chimeNumberType, countryOf, normalizeE164, sameNumber } from '../../../local/emulator/phone-numbers';

const ACCOUNT = '123456789012';
const INSTANCE = 'a1000000-0000-4000-8000-000000000001';
const FLOW = 'f1000000-0000-4000-8000-000000000001';
const TDG = 'b1000000-0000-4000-8000-000000000001';
const NUMBER = 'c1000000-0000-4000-8000-000000000001';
const CONNECTOR = 'abcdef1ghij2klmno3pqr4';

describe('emulator ARNs', () => {
  it('read back every Connect ARN the emulator writes, with the ids it was built from', () => {
    expect(parseInstanceArn(instanceArn('us-west-2', ACCOUNT, INSTANCE))).toEqual({
      partition: 'aws',
      service: 'connect',
      region: 'us-west-2',
      accountId: ACCOUNT,
      resource: `instance/${INSTANCE}`,
      instanceId: INSTANCE,
    });
    expect(parseTdgArn(tdgArn('us-west-2', ACCOUNT, TDG))).toMatchObject({ region: 'us-west-2', accountId: ACCOUNT, tdgId: TDG });
    expect(parseFlowArn(flowArn('us-east-1', ACCOUNT, INSTANCE, FLOW))).toMatchObject({ instanceId: INSTANCE, flowId: FLOW });
    expect(parsePhoneNumberArn(phoneNumberArn('us-east-1', ACCOUNT, NUMBER))).toMatchObject({ region: 'us-east-1', phoneNumberId: NUMBER });
  });

  it('write the ARN formats of the Service Authorization Reference', () => {
    expect(instanceArn('us-east-1', ACCOUNT, INSTANCE)).toBe(`arn:aws:connect:us-east-1:${ACCOUNT}:instance/${INSTANCE}`);
    expect(flowArn('us-east-1', ACCOUNT, INSTANCE, FLOW)).toBe(
      `arn:aws:connect:us-east-1:${ACCOUNT}:instance/${INSTANCE}/contact-flow/${FLOW}`,
    );
    expect(tdgArn('us-east-1', ACCOUNT, TDG)).toBe(`arn:aws:connect:us-east-1:${ACCOUNT}:traffic-distribution-group/${TDG}`);
    expect(phoneNumberArn('us-east-1', ACCOUNT, NUMBER)).toBe(`arn:aws:connect:us-east-1:${ACCOUNT}:phone-number/${NUMBER}`);
    expect(voiceConnectorArn('us-east-1', ACCOUNT, CONNECTOR)).toBe(`arn:aws:chime:us-east-1:${ACCOUNT}:vc/${CONNECTOR}`);
  });

  it('tell one kind of Connect resource from another', () => {
    const flow = flowArn('us-east-1', ACCOUNT, INSTANCE, FLOW);
    expect(parseInstanceArn(flow)).toBeUndefined();
    expect(parseFlowArn(instanceArn('us-east-1', ACCOUNT, INSTANCE))).toBeUndefined();
    expect(parseTdgArn(instanceArn('us-east-1', ACCOUNT, INSTANCE))).toBeUndefined();
    expect(parsePhoneNumberArn(`arn:aws:connect:us-east-1:${ACCOUNT}:phone-number/${NUMBER}/extra`)).toBeUndefined();
  });

  it('refuse an ARN of another service, and anything that is not an ARN', () => {
    expect(parseInstanceArn(`arn:aws:chime:us-east-1:${ACCOUNT}:instance/${INSTANCE}`)).toBeUndefined();
    expect(parseVoiceConnectorArn(`arn:aws:connect:us-east-1:${ACCOUNT}:vc/${CONNECTOR}`)).toBeUndefined();
    expect(parseArn(INSTANCE)).toBeUndefined();
    expect(parseArn('arn:aws:connect')).toBeUndefined();
  });

  it('read a voice connector ARN only with a region and a 12-digit account', () => {
    expect(parseVoiceConnectorArn(voiceConnectorArn('us-west-2', ACCOUNT, CONNECTOR))).toMatchObject({
      region: 'us-west-2',
      accountId: ACCOUNT,
      voiceConnectorId: CONNECTOR,
    });
    expect(parseVoiceConnectorArn(`arn:aws:chime::${ACCOUNT}:vc/${CONNECTOR}`)).toBeUndefined();
    expect(parseVoiceConnectorArn(`arn:aws:chime:us-east-1:1234:vc/${CONNECTOR}`)).toBeUndefined();
    expect(parseVoiceConnectorArn(`arn:aws:chime:us-east-1:${ACCOUNT}:meeting/${CONNECTOR}`)).toBeUndefined();
  });
});

describe('emulator phone numbers', () => {
  it('are keyed with their leading +, whether or not the request gave it', () => {
    expect(normalizeE164('12065550100')).toBe('+12065550100');
    expect(normalizeE164('+12065550100')).toBe('+12065550100');
    expect(normalizeE164('1206')).toBe('+1206');
    expect(sameNumber('12065550100', '+12065550100')).toBe(true);
    expect(sameNumber('+12065550100', '+12065550101')).toBe(false);
  });

  it('report GB for +44 and US otherwise, and the US toll-free prefixes as TollFree', () => {
    expect(countryOf('+442071838750')).toBe('GB');
    expect(countryOf('+12065550100')).toBe('US');
    expect(chimeNumberType('+18885550100')).toBe('TollFree');
    expect(chimeNumberType('+18335550100')).toBe('TollFree');
    expect(chimeNumberType('+12065550100')).toBe('Local');
  });
});
