import { App, Stack } from 'aws-cdk-lib';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const INSTANCE_ID = '11111111-2222-3333-4444-555555555555';
export const INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${INSTANCE_ID}`;
export const OTHER_INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/99999999-2222-3333-4444-555555555555`;
export const TDG_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:traffic-distribution-group/77777777-2222-3333-4444-555555555555`;
export const FLOW_ARN = `${INSTANCE_ARN}/contact-flow/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`;
export const OTHER_FLOW_ARN = `${OTHER_INSTANCE_ARN}/contact-flow/bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee`;
export const NUMBER_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:phone-number/cccccccc-bbbb-cccc-dddd-eeeeeeeeeeee`;

/** A stack with a concrete environment, in a fresh app. */
export function newStack(id = 'TestStack'): Stack {
  return new Stack(new App(), id, { env: { account: ACCOUNT, region: REGION } });
}
