import { MINIMUM_MUTATING_CALLS, everyCall, isMutating, perResource } from '../../bench/calls';
import { median } from '../../bench/cold-start';
import { flatten, handler as naiveHandler } from '../../bench/naive-handler';
import { handlerFunctions } from '../../bench/synth';

describe('the benchmark helpers', () => {
  it('takes the median of odd and even samples, whatever their order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('tells mutating calls from reads', () => {
    for (const op of ['ClaimPhoneNumber', 'ReleasePhoneNumber', 'TagResource', 'AssociatePhoneNumbersWithVoiceConnector'])
      expect(isMutating(op)).toBe(true);
    for (const op of [
      'DescribePhoneNumber',
      'ListPhoneNumbersV2',
      'SearchAvailablePhoneNumbers',
      'GetPhoneNumber',
      'BatchGetFlowAssociation',
    ])
      expect(isMutating(op)).toBe(false);
  });

  it('expects no mutating call for a no-op update and one for a one-number connector change', () => {
    expect(MINIMUM_MUTATING_CALLS.noopUpdate).toBe(0);
    expect(MINIMUM_MUTATING_CALLS.connectorDelta1of1000).toBe(1);
  });

  it('counts every call of an operation over all resource types, throttled ones included', () => {
    expect(
      everyCall({
        'Custom::ClaimedPhoneNumber': { 'connect:DescribePhoneNumber': { answered: 2, throttled: 1 } },
        'Custom::PhoneNumberFlowBinding': {
          'connect:DescribePhoneNumber': { answered: 1, throttled: 0 },
          'cloudformation:DescribeStacks': { answered: 1, throttled: 0 },
        },
      }),
    ).toEqual({ 'connect:DescribePhoneNumber': 4, 'cloudformation:DescribeStacks': 1 });
  });

  it("gives the fleet's answered and throttled calls per resource beside the fewest it needs", () => {
    const deploy = { 'Custom::A': { 'connect:ClaimPhoneNumber': { answered: 4, throttled: 3 } } };
    const destroy = { 'Custom::B': { 'cloudformation:DescribeStacks': { answered: 2, throttled: 0 } } };
    const minimum: Array<{ calls: Record<string, number> }> = [
      { calls: { 'connect:ClaimPhoneNumber': 2 } },
      { calls: { 'connect:ReleasePhoneNumber': 1, 'connect:X': 1 } },
    ];
    expect(perResource([deploy, destroy], minimum, 2)).toEqual({
      callsPerResource: 3,
      minimumCallsPerResource: 2,
      throttledPerResource: 1.5,
    });
  });

  it('flattens an SDK response the way AwsCustomResource does, without $metadata', () => {
    expect(
      flatten({
        PhoneNumberArn: 'arn:x',
        Errors: [{ Code: 'NotFound' }],
        $metadata: { httpStatusCode: 200 },
        Count: 2,
        Missing: undefined,
      }),
    ).toEqual({ PhoneNumberArn: 'arn:x', 'Errors.0.Code': 'NotFound', Count: '2' });
  });

  it('counts the Lambda functions of a template', () => {
    expect(
      handlerFunctions({
        Resources: {
          A: { Type: 'AWS::Lambda::Function' },
          B: { Type: 'Custom::ClaimedPhoneNumber' },
          C: { Type: 'AWS::Lambda::Function' },
        },
      }),
    ).toBe(2);
    expect(handlerFunctions({})).toBe(0);
  });

  it('makes no call for an event its resource declares nothing for, keeping the physical id', async () => {
    const create = JSON.stringify({ service: 'Connect', action: 'ClaimPhoneNumber', parameters: {} });
    await expect(
      naiveHandler({ RequestType: 'Update', RequestId: 'r', PhysicalResourceId: 'arn:p', ResourceProperties: { Create: create } }),
    ).resolves.toEqual({ PhysicalResourceId: 'arn:p', Data: {} });
  });

  it('fails on a service it does not know, naming it', async () => {
    const create = JSON.stringify({ service: 'S3', action: 'ListBuckets' });
    await expect(naiveHandler({ RequestType: 'Create', RequestId: 'r', ResourceProperties: { Create: create } })).rejects.toThrow(
      /unsupported service 'S3'/,
    );
  });
});
