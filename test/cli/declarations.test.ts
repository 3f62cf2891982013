/** Declarations read from a template as the handler would receive its properties. */
import { declarationsOf } from '../../cli/audit/declarations';
import type { CfnTemplate } from '../../local/deploy/types';

const INSTANCE = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-0000-4000-8000-000000000001';
const FLOW = `${INSTANCE}/contact-flow/f1000000-0000-4000-8000-000000000001`;
const ARN = 'arn:aws:connect:us-east-1:123456789012:phone-number/aaaaaaaa-0000-4000-8000-000000000001';
const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Phones/00000000-0000-4000-8000-000000000000';
const token = { 'Fn::GetAtt': ['Provider', 'Arn'] };

const template: CfnTemplate = {
  Parameters: { Number: { Type: 'String', Default: '+12065550100' } },
  Resources: {
    Provider: { Type: 'AWS::Lambda::Function', Properties: {} },
    Main: {
      Type: 'Custom::ClaimedPhoneNumber',
      Properties: {
        ServiceToken: token,
        TargetArn: INSTANCE,
        PhoneNumber: { Ref: 'Number' },
        Description: 'Main',
        Tags: [
          { Key: 'team', Value: 'ops' },
          { Key: 'cdk-phone-numbers:owner', Value: 'ignored' },
        ],
      },
      Metadata: { 'aws:cdk:path': 'Phones/Main/Resource/Default' },
    },
    Search: {
      Type: 'Custom::ClaimedPhoneNumber',
      Properties: { ServiceToken: token, TargetArn: INSTANCE, CountryCode: 'US', Prefix: '+1206' },
    },
    MainFlow: {
      Type: 'Custom::PhoneNumberFlowBinding',
      Properties: { ServiceToken: token, PhoneNumberArn: { 'Fn::GetAtt': ['Main', 'PhoneNumberArn'] }, ContactFlowArn: FLOW },
    },
    Broken: {
      Type: 'Custom::PhoneNumberFlowBinding',
      Properties: { ServiceToken: token, PhoneNumberArn: { Ref: 'Nothing' }, ContactFlowArn: FLOW },
    },
    Trunk: {
      Type: 'Custom::VoiceConnectorNumbers',
      Properties: { ServiceToken: token, VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: ['+12065550150'], Region: 'us-west-2' },
    },
  },
};

describe('the declarations of a template', () => {
  it('resolves parameters, reads tags without the owner tag, names the search, and takes construct paths from the metadata', () => {
    const d = declarationsOf({
      stackName: 'Phones',
      stackId: STACK_ID,
      region: 'us-east-1',
      accountId: '123456789012',
      template,
      parameters: { Number: '+12065550101' },
    });
    expect(d.claims).toEqual([
      {
        holder: { stack: 'Phones', logicalId: 'Main', path: 'Phones/Main' },
        owner: 'Phones/Main',
        region: 'us-east-1',
        targetArn: INSTANCE,
        phoneNumber: '+12065550101',
        description: 'Main',
        tags: { team: 'ops' },
      },
      expect.objectContaining({
        holder: { stack: 'Phones', logicalId: 'Search', path: 'Phones/Search' },
        search: 'US DID +1206',
        tags: {},
      }),
    ]);
    expect(d.trunks).toEqual([
      expect.objectContaining({ voiceConnectorId: 'abcdef1ghij2klmno3pqr4', phoneNumbers: ['+12065550150'], region: 'us-west-2' }),
    ]);
    expect(d.skipped).toEqual([expect.stringMatching(/^Phones\/Broken: its properties could not be resolved \(.*Nothing/)]);
  });

  it('links a binding to its claim: by logical id before the deploy, by the number ARN (the physical id) after', () => {
    const before = declarationsOf({ stackName: 'Phones', region: 'us-east-1', accountId: '123456789012', template });
    expect(before.flows).toEqual([
      { holder: { stack: 'Phones', logicalId: 'MainFlow', path: 'Phones/MainFlow' }, claimLogicalId: 'Main', contactFlowArn: FLOW },
    ]);
    const after = declarationsOf({
      stackName: 'Phones',
      stackId: STACK_ID,
      region: 'us-east-1',
      accountId: '123456789012',
      template,
      physicalIds: new Map([['Main', ARN]]),
    });
    expect(after.flows[0]).toMatchObject({ phoneNumberArn: ARN });
    expect(after.claims[0]).toMatchObject({ physicalId: ARN, phoneNumber: '+12065550100' });
  });
});
