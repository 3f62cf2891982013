import { instanceArnOfFlow, parseContactFlowArn, parsePhoneNumberArn, parseTargetArn } from '../../../lambda/contract';

describe('ARN parsing shared by the constructs and the handler', () => {
  it('reads an instance ARN as an instance target', () => {
    expect(parseTargetArn('arn:aws:connect:eu-west-2:123456789012:instance/abc-1')).toEqual({
      kind: 'instance', partition: 'aws', region: 'eu-west-2', account: '123456789012', instanceId: 'abc-1',
    });
  });

  it('reads a traffic distribution group ARN in another partition', () => {
    expect(parseTargetArn('arn:aws-us-gov:connect:us-gov-west-1:123456789012:traffic-distribution-group/t1')).toMatchObject({
      kind: 'traffic-distribution-group', partition: 'aws-us-gov', region: 'us-gov-west-1', trafficDistributionGroupId: 't1',
    });
  });

  it('refuses a flow, a queue or a malformed account as a target', () => {
    expect(parseTargetArn('arn:aws:connect:us-east-1:123456789012:instance/i/contact-flow/f')).toBeUndefined();
    expect(parseTargetArn('arn:aws:connect:us-east-1:123456789012:instance/i/queue/q')).toBeUndefined();
    expect(parseTargetArn('arn:aws:connect:us-east-1:1234:instance/i')).toBeUndefined();
  });

  it('reads the instance of a contact flow', () => {
    const flow = parseContactFlowArn('arn:aws:connect:us-east-1:123456789012:instance/i-1/contact-flow/f-1');
    expect(flow).toMatchObject({ instanceId: 'i-1', contactFlowId: 'f-1' });
    expect(instanceArnOfFlow(flow!)).toBe('arn:aws:connect:us-east-1:123456789012:instance/i-1');
  });

  it('reads both phone-number ARN forms and refuses anything else', () => {
    expect(parsePhoneNumberArn('arn:aws:connect:us-east-1:123456789012:phone-number/p-1')?.phoneNumberId).toBe('p-1');
    expect(parsePhoneNumberArn('arn:aws:connect:us-east-1:123456789012:instance/i-1/phone-number/p-2')?.phoneNumberId).toBe('p-2');
    expect(parsePhoneNumberArn('p-1')).toBeUndefined();
  });
});
