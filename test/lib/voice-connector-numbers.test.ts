import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { VoiceConnectorNumbers } from '../../lib';
import { newStack } from './fixtures';

const VC = 'abcdef1ghij2klmno3pqr4';

describe('VoiceConnectorNumbers', () => {
  it('declares the numbers, the connector, the stack region and forceAssociate false by default', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: VC, phoneNumbers: ['+12065550150', '12065550151'] });
    // THEN
    Template.fromStack(stack).hasResourceProperties('Custom::VoiceConnectorNumbers', {
      FormatVersion: '1',
      VoiceConnectorId: VC,
      PhoneNumbers: ['+12065550150', '12065550151'],
      ForceAssociate: 'false',
      Region: 'us-east-1',
    });
  });

  it('passes forceAssociate and an explicit region', () => {
    const stack = newStack();
    new VoiceConnectorNumbers(stack, 'Trunk', {
      voiceConnectorId: VC,
      phoneNumbers: ['+12065550150'],
      forceAssociate: true,
      region: 'eu-west-2',
    });
    Template.fromStack(stack).hasResourceProperties('Custom::VoiceConnectorNumbers', { ForceAssociate: 'true', Region: 'eu-west-2' });
  });

  it('uses the deploy-time region of an environment-agnostic stack', () => {
    const stack = new Stack();
    new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: VC, phoneNumbers: ['+12065550150'] });
    Template.fromStack(stack).hasResourceProperties('Custom::VoiceConnectorNumbers', { Region: { Ref: 'AWS::Region' } });
  });

  it('skips validation of a token list and a token connector id', () => {
    const stack = newStack();
    const list = new CfnParameter(stack, 'Numbers', { type: 'CommaDelimitedList' }).valueAsList;
    const id = new CfnParameter(stack, 'Vc').valueAsString;
    expect(() => new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: id, phoneNumbers: list })).not.toThrow();
  });

  it('fails when phoneNumbers is empty', () => {
    expect(() => new VoiceConnectorNumbers(newStack(), 'Trunk', { voiceConnectorId: VC, phoneNumbers: [] })).toThrow(
      /TestStack\/Trunk: phoneNumbers \[\] is empty; expected at least one E.164 number/,
    );
  });

  it('fails when a number is not E.164', () => {
    expect(() => new VoiceConnectorNumbers(newStack(), 'Trunk', { voiceConnectorId: VC, phoneNumbers: ['+1 206 555 0150'] })).toThrow(
      /phoneNumbers entry '\+1 206 555 0150' is not an E.164 number/,
    );
  });

  it('fails when a number is listed twice, with and without the leading +', () => {
    expect(
      () => new VoiceConnectorNumbers(newStack(), 'Trunk', { voiceConnectorId: VC, phoneNumbers: ['+12065550150', '12065550150'] }),
    ).toThrow(/phoneNumbers lists '12065550150' twice \(as '\+12065550150' and '12065550150'\); list each number once/);
  });

  it('fails when voiceConnectorId is empty or has white space', () => {
    expect(() => new VoiceConnectorNumbers(newStack(), 'Trunk', { voiceConnectorId: '', phoneNumbers: ['+12065550150'] })).toThrow(
      /voiceConnectorId '' is invalid; expected a non-empty id without white space/,
    );
    expect(() => new VoiceConnectorNumbers(newStack(), 'Trunk', { voiceConnectorId: 'ab cd', phoneNumbers: ['+12065550150'] })).toThrow(
      /voiceConnectorId 'ab cd' is invalid/,
    );
  });

  it('fails when region is not a region', () => {
    expect(
      () => new VoiceConnectorNumbers(newStack(), 'Trunk', { voiceConnectorId: VC, phoneNumbers: ['+12065550150'], region: 'Oregon' }),
    ).toThrow(/region 'Oregon' is not an AWS region; expected e.g. 'us-east-1'/);
  });

  it('fails when one number is declared in two VoiceConnectorNumbers of a stack', () => {
    const stack = newStack();
    new VoiceConnectorNumbers(stack, 'A', { voiceConnectorId: VC, phoneNumbers: ['+12065550150'] });
    expect(
      () =>
        new VoiceConnectorNumbers(stack, 'B', {
          voiceConnectorId: 'zotherv0iceconnector01',
          phoneNumbers: ['12065550150', '+12065550199'],
        }),
    ).toThrow(
      /TestStack\/B: phoneNumbers '12065550150' \(already in TestStack\/A\) is declared twice in this stack; a number sits on one voice connector at a time/,
    );
  });
});
