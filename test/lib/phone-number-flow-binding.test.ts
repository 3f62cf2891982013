import { CfnOutput, CfnParameter } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding } from '../../lib';
import { FLOW_ARN, INSTANCE_ARN, NUMBER_ARN, OTHER_FLOW_ARN, TDG_ARN, newStack } from './fixtures';

describe('PhoneNumberFlowBinding', () => {
  it('binds a claimed number by its ARN attribute and carries the number target so a move re-binds', () => {
    // GIVEN
    const stack = newStack();
    const number = new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
    // WHEN
    new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlowArn: FLOW_ARN });
    // THEN
    const numberId = Object.keys(Template.fromStack(stack).findResources('Custom::ClaimedPhoneNumber'))[0];
    Template.fromStack(stack).hasResourceProperties('Custom::PhoneNumberFlowBinding', {
      FormatVersion: '1',
      PhoneNumberArn: { 'Fn::GetAtt': [numberId, 'PhoneNumberArn'] },
      PhoneNumberTargetArn: { 'Fn::GetAtt': [numberId, 'TargetArn'] },
      ContactFlowArn: FLOW_ARN,
    });
  });

  it('exposes the flow it binds as contactFlowArn, the ContactFlowArn attribute the handler answers', () => {
    const stack = newStack();
    const number = new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
    const binding = new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlowArn: FLOW_ARN });
    new CfnOutput(stack, 'Rings', { value: binding.contactFlowArn });
    const bindingId = Object.keys(Template.fromStack(stack).findResources('Custom::PhoneNumberFlowBinding'))[0];
    Template.fromStack(stack).hasOutput('Rings', { Value: { 'Fn::GetAtt': [bindingId, 'ContactFlowArn'] } });
  });

  it('binds an imported number by its literal ARN without a target', () => {
    const stack = newStack();
    const number = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Imported', NUMBER_ARN);
    new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlowArn: FLOW_ARN });
    Template.fromStack(stack).hasResourceProperties('Custom::PhoneNumberFlowBinding', {
      PhoneNumberArn: NUMBER_ARN,
      PhoneNumberTargetArn: Match.absent(),
    });
  });

  it('warns, naming what to check, when the number is claimed to a traffic distribution group', () => {
    const stack = newStack();
    const number = new ClaimedPhoneNumber(stack, 'Number', { targetArn: TDG_ARN, countryCode: 'US' });
    new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlowArn: FLOW_ARN });
    Annotations.fromStack(stack).hasWarning(
      '/TestStack/Binding',
      Match.stringLikeRegexp('claimed to the traffic distribution group .* check that the flow .* is in the instance'),
    );
  });

  it('skips the instance check when the flow is a token', () => {
    const stack = newStack();
    const number = new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
    const flow = new CfnParameter(stack, 'Flow').valueAsString;
    expect(() => new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlowArn: flow })).not.toThrow();
  });

  it('fails when contactFlowArn is not a contact flow ARN', () => {
    const stack = newStack();
    const number = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Imported', NUMBER_ARN);
    expect(() => new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlowArn: INSTANCE_ARN })).toThrow(
      /TestStack\/Binding: contactFlowArn 'arn:aws:connect:.*' is not a contact flow ARN; expected 'arn:aws:connect:REGION:ACCOUNT:instance\/INSTANCE_ID\/contact-flow\/FLOW_ID'/,
    );
  });

  it('fails when the flow is in another instance than the number target', () => {
    const stack = newStack();
    const number = new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
    expect(() => new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlowArn: OTHER_FLOW_ARN })).toThrow(
      /contactFlowArn '.*' is in instance '99999999-.*' \(us-east-1\), but the number is claimed to '.*11111111-.*'; bind the number to a flow of the instance it is claimed to/,
    );
  });

  it('fails when one number is bound twice in a stack', () => {
    const stack = newStack();
    const number = new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
    new PhoneNumberFlowBinding(stack, 'First', { phoneNumber: number, contactFlowArn: FLOW_ARN });
    expect(() => new PhoneNumberFlowBinding(stack, 'Second', { phoneNumber: number, contactFlowArn: FLOW_ARN })).toThrow(
      /TestStack\/Second: the number 'TestStack\/Number' is already bound by TestStack\/First; a number rings one flow/,
    );
  });

  it('fails when two imports of the same number ARN are bound in one stack', () => {
    const stack = newStack();
    const a = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'A', NUMBER_ARN);
    const b = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'B', NUMBER_ARN);
    new PhoneNumberFlowBinding(stack, 'First', { phoneNumber: a, contactFlowArn: FLOW_ARN });
    expect(() => new PhoneNumberFlowBinding(stack, 'Second', { phoneNumber: b, contactFlowArn: FLOW_ARN })).toThrow(
      /already bound by TestStack\/First/,
    );
  });

  it('allows the same number to be bound once in each of two stacks', () => {
    const first = newStack('One');
    const second = newStack('Two');
    new PhoneNumberFlowBinding(first, 'B', {
      phoneNumber: ClaimedPhoneNumber.fromPhoneNumberArn(first, 'N', NUMBER_ARN),
      contactFlowArn: FLOW_ARN,
    });
    expect(
      () =>
        new PhoneNumberFlowBinding(second, 'B', {
          phoneNumber: ClaimedPhoneNumber.fromPhoneNumberArn(second, 'N', NUMBER_ARN),
          contactFlowArn: FLOW_ARN,
        }),
    ).not.toThrow();
  });
});
