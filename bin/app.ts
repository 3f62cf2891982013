#!/usr/bin/env node
/**
 * Example app: one stack using all three constructs. Every value comes from CDK context with an
 * example default, so `npx cdk synth` works with no arguments and no AWS account:
 *
 *   npx cdk synth -c account=111122223333 -c region=eu-west-2 -c instanceArn=arn:aws:connect:... \
 *     -c contactFlowArn=arn:aws:connect:.../contact-flow/... -c adoptedNumber=+442079460000 \
 *     -c voiceConnectorId=abcdef1ghij2klmno3pqr4 -c trunkNumbers=+12065550150,+12065550151
 */
import { App, Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, PhoneNumberType, VoiceConnectorNumbers } from '../lib';

export const EXAMPLE_DEFAULTS = {
  account: '123456789012',
  region: 'us-east-1',
  instanceArn: 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555',
  contactFlowArn:
    'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/contact-flow/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  searchCountry: 'US',
  searchPrefix: '+1206',
  adoptedNumber: '+12065550100',
  voiceConnectorId: 'abcdef1ghij2klmno3pqr4',
  trunkNumbers: '+12065550150,+12065550151',
};

export function buildExampleApp(app: App): Stack {
  const ctx = (key: keyof typeof EXAMPLE_DEFAULTS): string => String(app.node.tryGetContext(key) ?? EXAMPLE_DEFAULTS[key]);

  const stack = new Stack(app, 'PhoneNumbersExample', { env: { account: ctx('account'), region: ctx('region') } });

  // A new number found by search, in the Seattle area.
  const support = new ClaimedPhoneNumber(stack, 'SupportLine', {
    targetArn: ctx('instanceArn'),
    countryCode: ctx('searchCountry'),
    phoneNumberType: PhoneNumberType.DID,
    prefix: ctx('searchPrefix'),
    description: 'Customer support',
    tags: { team: 'support' },
  });

  // A number the company already has: claimed if free, adopted in place if claimed in this account.
  const main = new ClaimedPhoneNumber(stack, 'MainLine', {
    targetArn: ctx('instanceArn'),
    phoneNumber: ctx('adoptedNumber'),
    description: 'Main published number',
  });

  new PhoneNumberFlowBinding(stack, 'SupportLineFlow', { phoneNumber: support, contactFlowArn: ctx('contactFlowArn') });
  new PhoneNumberFlowBinding(stack, 'MainLineFlow', { phoneNumber: main, contactFlowArn: ctx('contactFlowArn') });

  // SIP trunk numbers on a Chime SDK Voice connector.
  new VoiceConnectorNumbers(stack, 'TrunkNumbers', {
    voiceConnectorId: ctx('voiceConnectorId'),
    phoneNumbers: ctx('trunkNumbers')
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n.length > 0),
  });

  return stack;
}

if (require.main === module) {
  const app = new App();
  buildExampleApp(app);
  app.synth();
}
