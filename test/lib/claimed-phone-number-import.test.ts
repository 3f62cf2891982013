import { CfnParameter, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ClaimedPhoneNumber, PhoneNumberType } from '../../lib';
import { ACCOUNT, INSTANCE_ARN, REGION, TDG_ARN, newStack } from './fixtures';

const SOURCE = `arn:aws:sms-voice:${REGION}:${ACCOUNT}:phone-number/phone-0123456789abcdef0123456789abcdef`;

describe('ClaimedPhoneNumber importing from AWS End User Messaging (sourcePhoneNumberArn)', () => {
  const build =
    (props: Record<string, unknown>, stack = newStack()) =>
    () =>
      new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, sourcePhoneNumberArn: SOURCE, ...props } as never);

  it('declares the source alone: no number, no search properties, the default removal policy', () => {
    const stack = newStack();
    build({ description: 'SMS line' }, stack)();
    Template.fromStack(stack).hasResourceProperties('Custom::ClaimedPhoneNumber', {
      TargetArn: INSTANCE_ARN,
      SourcePhoneNumberArn: SOURCE,
      Description: 'SMS line',
      PhoneNumber: Match.absent(),
      CountryCode: Match.absent(),
      Type: Match.absent(),
      ExcludedPhoneNumbers: Match.absent(),
      RemovalPolicy: 'retain-except-on-create',
    });
  });

  it('passes RemovalPolicy.DESTROY to the handler, the only policy under which it releases an imported number', () => {
    const stack = newStack();
    build({ removalPolicy: RemovalPolicy.DESTROY }, stack)();
    Template.fromStack(stack).hasResource('Custom::ClaimedPhoneNumber', {
      Properties: Match.objectLike({ RemovalPolicy: 'destroy' }),
      DeletionPolicy: 'Delete',
    });
  });

  it.each([
    ['phoneNumber', { phoneNumber: '+12065550100' }, /sourcePhoneNumberArn '.*' and phoneNumber '\+12065550100' are both set/],
    ['countryCode', { countryCode: 'US' }, /sourcePhoneNumberArn '.*' and countryCode 'US' are both set/],
    [
      'phoneNumberType',
      { phoneNumberType: PhoneNumberType.DID },
      /sourcePhoneNumberArn '.*' and phoneNumberType 'DID' are both set; an imported number is named by its source alone/,
    ],
    ['prefix', { prefix: '+1206' }, /and prefix '\+1206' are both set; an imported number is named by its source alone\. Remove prefix/],
  ])('fails at synth when %s is set with it, naming both values', (_name, extra, message) => {
    expect(build(extra)).toThrow(message);
  });

  it('fails at synth when the source is not an ARN, showing an example of one', () => {
    expect(build({ sourcePhoneNumberArn: '+12065550100' })).toThrow(
      /TestStack\/Number: sourcePhoneNumberArn '\+12065550100' is not an ARN; expected the ARN of the number in AWS End User Messaging, e.g. 'arn:aws:sms-voice:/,
    );
  });

  it('fails at synth when the target is a traffic distribution group: ImportPhoneNumber takes an instance', () => {
    expect(build({ targetArn: TDG_ARN })).toThrow(
      /targetArn '.*traffic-distribution-group.*' is a traffic distribution group; ImportPhoneNumber imports into an instance only/,
    );
  });

  it('fails at synth when two constructs of a stack import the same source: one number, one holder', () => {
    const stack = newStack();
    build({}, stack)();
    expect(() => new ClaimedPhoneNumber(stack, 'Again', { targetArn: INSTANCE_ARN, sourcePhoneNumberArn: SOURCE })).toThrow(
      /sourcePhoneNumberArn '.*' is already imported by TestStack\/Number; a number has one owner/,
    );
  });

  it('leaves a deploy-time source (a token) to the handler, which validates it again', () => {
    const stack = newStack();
    const param = new CfnParameter(stack, 'Source');
    new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, sourcePhoneNumberArn: param.valueAsString });
    new ClaimedPhoneNumber(stack, 'Other', { targetArn: INSTANCE_ARN, sourcePhoneNumberArn: param.valueAsString });
    Template.fromStack(stack).resourceCountIs('Custom::ClaimedPhoneNumber', 2);
  });
});
