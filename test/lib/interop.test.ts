/**
 * aws-cdk-lib interop: the constructs take aws-cdk-lib's reference interfaces (`aws-cdk-lib/interfaces`),
 * so the L1s (CfnInstance, CfnTrafficDistributionGroup, CfnPhoneNumber, CfnContactFlow, CfnVoiceConnector)
 * go in directly, and ClaimedPhoneNumber is itself an IPhoneNumberRef. Strings keep working (the other tests).
 */
import { Resource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnVoiceConnector, IVoiceConnectorRef, VoiceConnectorReference } from 'aws-cdk-lib/aws-chime';
import { CfnContactFlow, CfnInstance, CfnPhoneNumber, CfnTrafficDistributionGroup } from 'aws-cdk-lib/aws-connect';
import { Construct } from 'constructs';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../../lib';
import { ACCOUNT, FLOW_ARN, INSTANCE_ARN, NUMBER_ARN, OTHER_INSTANCE_ARN, REGION, newStack } from './fixtures';

const VC_ID = 'abcdef1ghij2klmno3pqr4';

function l1s() {
  const stack = newStack();
  const instance = new CfnInstance(stack, 'Instance', {
    identityManagementType: 'CONNECT_MANAGED',
    attributes: { inboundCalls: true, outboundCalls: true },
  });
  const flow = new CfnContactFlow(stack, 'Flow', { instanceArn: instance.attrArn, name: 'Support', type: 'CONTACT_FLOW', content: '{}' });
  const tdg = new CfnTrafficDistributionGroup(stack, 'Tdg', { instanceArn: instance.attrArn, name: 'Group' });
  const logicalId = (c: { logicalId: string }) => stack.resolve(c.logicalId) as string;
  return { stack, instance, flow, tdg, logicalId };
}

const propsOf = (stack: ReturnType<typeof newStack>, type: string) =>
  Object.values(Template.fromStack(stack).findResources(type)).map((r) => r.Properties as Record<string, unknown>);

describe('ClaimedPhoneNumber', () => {
  it('is claimed to a CfnInstance or a CfnTrafficDistributionGroup by reference', () => {
    const { stack, instance, tdg, logicalId } = l1s();
    new ClaimedPhoneNumber(stack, 'ToInstance', { instance, countryCode: 'US' });
    new ClaimedPhoneNumber(stack, 'ToGroup', { trafficDistributionGroup: tdg, countryCode: 'US' });
    const targets = propsOf(stack, 'Custom::ClaimedPhoneNumber').map((p) => p.TargetArn);
    expect(targets).toEqual([{ Ref: logicalId(instance) }, { Ref: logicalId(tdg) }]);
  });

  it('is an IPhoneNumberRef whose reference is its PhoneNumberArn attribute, imported numbers too', () => {
    const stack = newStack();
    const claimed = new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
    const id = Object.keys(Template.fromStack(stack).findResources('Custom::ClaimedPhoneNumber'))[0];
    expect(stack.resolve(CfnPhoneNumber.arnForPhoneNumber(claimed))).toEqual({ 'Fn::GetAtt': [id, 'PhoneNumberArn'] });
    const imported = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Imported', NUMBER_ARN);
    expect(CfnPhoneNumber.arnForPhoneNumber(imported)).toBe(NUMBER_ARN);
  });

  it('fails naming the props when no target or two targets are set', () => {
    const { stack, instance } = l1s();
    expect(() => new ClaimedPhoneNumber(stack, 'None', { countryCode: 'US' })).toThrow(
      /TestStack\/None: none of `targetArn`, `instance` or `trafficDistributionGroup` is set; set exactly one \(the instance or traffic distribution group the number is claimed to\)/,
    );
    expect(() => new ClaimedPhoneNumber(stack, 'Two', { targetArn: INSTANCE_ARN, instance, countryCode: 'US' })).toThrow(
      /TestStack\/Two: `targetArn` and `instance` are both set; set exactly one of `targetArn`, `instance` or `trafficDistributionGroup`/,
    );
  });
});

describe('PhoneNumberFlowBinding', () => {
  it('binds a CfnPhoneNumber to a CfnContactFlow, carrying the number target so a move re-binds', () => {
    const { stack, instance, flow, logicalId } = l1s();
    const number = new CfnPhoneNumber(stack, 'Number', { targetArn: instance.attrArn, countryCode: 'US', type: 'DID' });
    new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlow: flow });
    expect(propsOf(stack, 'Custom::PhoneNumberFlowBinding')).toEqual([
      expect.objectContaining({
        PhoneNumberArn: { Ref: logicalId(number) },
        ContactFlowArn: { Ref: logicalId(flow) },
        PhoneNumberTargetArn: { 'Fn::GetAtt': [logicalId(instance), 'Arn'] },
      }),
    ]);
  });

  it('binds a ClaimedPhoneNumber to a CfnContactFlow, and an imported number by its ARN', () => {
    const { stack, instance, flow, logicalId } = l1s();
    const claimed = new ClaimedPhoneNumber(stack, 'Claimed', { instance, countryCode: 'US' });
    new PhoneNumberFlowBinding(stack, 'ClaimedFlow', { phoneNumber: claimed, contactFlow: flow });
    const imported = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Imported', NUMBER_ARN);
    new PhoneNumberFlowBinding(stack, 'ImportedFlow', { phoneNumber: imported, contactFlow: flow });
    const claimedId = Object.keys(Template.fromStack(stack).findResources('Custom::ClaimedPhoneNumber'))[0];
    expect(propsOf(stack, 'Custom::PhoneNumberFlowBinding')).toEqual([
      expect.objectContaining({
        PhoneNumberArn: { 'Fn::GetAtt': [claimedId, 'PhoneNumberArn'] },
        PhoneNumberTargetArn: { 'Fn::GetAtt': [claimedId, 'TargetArn'] },
        ContactFlowArn: { Ref: logicalId(flow) },
      }),
      expect.objectContaining({ PhoneNumberArn: NUMBER_ARN, ContactFlowArn: { Ref: logicalId(flow) } }),
    ]);
    expect(propsOf(stack, 'Custom::PhoneNumberFlowBinding')[1].PhoneNumberTargetArn).toBeUndefined();
  });

  it('checks a CfnPhoneNumber declared with a literal target against the flow instance at synth', () => {
    const stack = newStack();
    const number = new CfnPhoneNumber(stack, 'Number', { targetArn: OTHER_INSTANCE_ARN, countryCode: 'US', type: 'DID' });
    expect(() => new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlowArn: FLOW_ARN })).toThrow(
      /TestStack\/Binding: contactFlowArn '.*' is in instance '11111111-2222-3333-4444-555555555555' \(us-east-1\), but the number is claimed to '.*instance\/99999999-2222-3333-4444-555555555555'/,
    );
  });

  it('a number bound twice through its L1 and a string is a synth error', () => {
    const { stack, flow } = l1s();
    const number = new CfnPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
    new PhoneNumberFlowBinding(stack, 'First', { phoneNumber: number, contactFlow: flow });
    expect(() => new PhoneNumberFlowBinding(stack, 'Second', { phoneNumber: number, contactFlowArn: FLOW_ARN })).toThrow(
      /TestStack\/Second: the number 'TestStack\/Number' is already bound by TestStack\/First/,
    );
  });

  it('fails naming the props when no flow or two flows are set', () => {
    const { stack, flow } = l1s();
    const number = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Imported', NUMBER_ARN);
    expect(() => new PhoneNumberFlowBinding(stack, 'None', { phoneNumber: number })).toThrow(
      /TestStack\/None: none of `contactFlowArn` or `contactFlow` is set; set exactly one \(the flow that answers the number\)/,
    );
    expect(() => new PhoneNumberFlowBinding(stack, 'Two', { phoneNumber: number, contactFlowArn: FLOW_ARN, contactFlow: flow })).toThrow(
      /TestStack\/Two: `contactFlowArn` and `contactFlow` are both set/,
    );
  });
});

/** A voice connector referenced the way `fromXxx` imports do: by a literal reference. */
class ImportedConnector extends Resource implements IVoiceConnectorRef {
  public readonly voiceConnectorRef: VoiceConnectorReference;
  constructor(scope: Construct, id: string, reference: string) {
    super(scope, id);
    this.voiceConnectorRef = { voiceConnectorArn: reference };
  }
}

describe('VoiceConnectorNumbers', () => {
  it('attaches numbers to a CfnVoiceConnector by its VoiceConnectorId attribute', () => {
    const stack = newStack();
    const connector = new CfnVoiceConnector(stack, 'Connector', { name: 'trunk', requireEncryption: true });
    new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnector: connector, phoneNumbers: ['+12065550150'] });
    expect(propsOf(stack, 'Custom::VoiceConnectorNumbers')).toEqual([
      expect.objectContaining({
        VoiceConnectorId: { 'Fn::GetAtt': [stack.resolve(connector.logicalId), 'VoiceConnectorId'] },
        Region: REGION,
      }),
    ]);
  });

  it('reads the id from a referenced connector ARN, and takes a referenced id as it is', () => {
    const stack = newStack();
    const byArn = new ImportedConnector(stack, 'ByArn', `arn:aws:chime:${REGION}:${ACCOUNT}:vc/${VC_ID}`);
    new VoiceConnectorNumbers(stack, 'A', { voiceConnector: byArn, phoneNumbers: ['+12065550150'] });
    const byId = new ImportedConnector(stack, 'ById', 'zyxwvu1ghij2klmno3pqr4');
    new VoiceConnectorNumbers(stack, 'B', { voiceConnector: byId, phoneNumbers: ['+12065550151'] });
    expect(propsOf(stack, 'Custom::VoiceConnectorNumbers').map((p) => p.VoiceConnectorId)).toEqual([VC_ID, 'zyxwvu1ghij2klmno3pqr4']);
  });

  it('fails naming the props when no connector or two connectors are set', () => {
    const stack = newStack();
    const connector = new CfnVoiceConnector(stack, 'Connector', { name: 'trunk', requireEncryption: true });
    expect(() => new VoiceConnectorNumbers(stack, 'None', { phoneNumbers: ['+12065550150'] })).toThrow(
      /TestStack\/None: none of `voiceConnectorId` or `voiceConnector` is set; set exactly one \(the connector the numbers sit on\)/,
    );
    expect(
      () => new VoiceConnectorNumbers(stack, 'Two', { voiceConnectorId: VC_ID, voiceConnector: connector, phoneNumbers: ['+12065550150'] }),
    ).toThrow(/TestStack\/Two: `voiceConnectorId` and `voiceConnector` are both set/);
  });
});

it('one stack holds all three constructs on L1 references and synthesizes with one handler', () => {
  const { stack, instance, flow, tdg } = l1s();
  const number = new ClaimedPhoneNumber(stack, 'Number', { instance, countryCode: 'US' });
  new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlow: flow });
  new ClaimedPhoneNumber(stack, 'Shared', { trafficDistributionGroup: tdg, phoneNumber: '+12065550100' });
  const connector = new CfnVoiceConnector(stack, 'Connector', { name: 'trunk', requireEncryption: true });
  new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnector: connector, phoneNumbers: ['+12065550150'] });
  const template = Template.fromStack(stack);
  template.resourceCountIs('Custom::ClaimedPhoneNumber', 2);
  template.resourceCountIs('Custom::PhoneNumberFlowBinding', 1);
  template.resourceCountIs('Custom::VoiceConnectorNumbers', 1);
  template.resourceCountIs('AWS::Lambda::Function', 4); // one handler and the Provider framework's three, as with strings
});
