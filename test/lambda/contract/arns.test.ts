import { instanceArnOfFlow, parseContactFlowArn, parsePhoneNumberArn, parseTargetArn } from '../../../lambda/contract';

describe('ARN parsing shared by the constructs and the handler', () => {
  it('reads an instance ARN as an instance target', () => {
    expect(parseTargetArn('arn:aws:connect:eu-west-2:123456789012:instance/abc10000-0000-4000-8000-000000000001')).toEqual({
      kind: 'instance',
      partition: 'aws',
      region: 'eu-west-2',
      account: '123456789012',
      instanceId: 'abc10000-0000-4000-8000-000000000001',
    });
  });

  it('reads a traffic distribution group ARN in another partition', () => {
    expect(
      parseTargetArn('arn:aws-us-gov:connect:us-gov-west-1:123456789012:traffic-distribution-group/d1000000-0000-4000-8000-000000000001'),
    ).toMatchObject({
      kind: 'traffic-distribution-group',
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      trafficDistributionGroupId: 'd1000000-0000-4000-8000-000000000001',
    });
  });

  it('refuses a flow, a queue or a malformed account as a target', () => {
    expect(
      parseTargetArn(
        'arn:aws:connect:us-east-1:123456789012:instance/a0000000-0000-4000-8000-00000000000a/contact-flow/f0000000-0000-4000-8000-00000000000f',
      ),
    ).toBeUndefined();
    expect(
      parseTargetArn(
        'arn:aws:connect:us-east-1:123456789012:instance/a0000000-0000-4000-8000-00000000000a/queue/c0000000-0000-4000-8000-00000000000c',
      ),
    ).toBeUndefined();
    expect(parseTargetArn('arn:aws:connect:us-east-1:1234:instance/a0000000-0000-4000-8000-00000000000a')).toBeUndefined();
  });

  it('reads the instance of a contact flow', () => {
    const flow = parseContactFlowArn(
      'arn:aws:connect:us-east-1:123456789012:instance/a1000000-0000-4000-8000-000000000001/contact-flow/f1000000-0000-4000-8000-000000000001',
    );
    expect(flow).toMatchObject({
      instanceId: 'a1000000-0000-4000-8000-000000000001',
      contactFlowId: 'f1000000-0000-4000-8000-000000000001',
    });
    expect(instanceArnOfFlow(flow!)).toBe('arn:aws:connect:us-east-1:123456789012:instance/a1000000-0000-4000-8000-000000000001');
  });

  it('reads both phone-number ARN forms and refuses anything else', () => {
    expect(
      parsePhoneNumberArn('arn:aws:connect:us-east-1:123456789012:phone-number/b1000000-0000-4000-8000-000000000001')?.phoneNumberId,
    ).toBe('b1000000-0000-4000-8000-000000000001');
    expect(
      parsePhoneNumberArn(
        'arn:aws:connect:us-east-1:123456789012:instance/a1000000-0000-4000-8000-000000000001/phone-number/b2000000-0000-4000-8000-000000000002',
      )?.phoneNumberId,
    ).toBe('b2000000-0000-4000-8000-000000000002');
    expect(parsePhoneNumberArn('b1000000-0000-4000-8000-000000000001')).toBeUndefined();
  });
});
