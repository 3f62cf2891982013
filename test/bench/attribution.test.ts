import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallAttribution, operationOf } from '../../bench/attribution';

const auth = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
});
const ARN = 'arn:aws:connect:us-east-1:123456789012:phone-number/0b1c2d3e-4f50-4617-a829-3a4b5c6d7e8f';

describe('which operation a request the SDK sends is', () => {
  it('reads Connect and Chime operations from the signing name, method and path, with encoded ARNs as one label', () => {
    expect(operationOf(auth('connect'), 'GET', `/phone-number/${encodeURIComponent(ARN)}`)).toBe('connect:DescribePhoneNumber');
    expect(operationOf(auth('connect'), 'GET', `/tags/${encodeURIComponent(ARN)}`)).toBe('connect:ListTagsForResource');
    expect(operationOf(auth('chime'), 'GET', '/phone-numbers/%2B13125550000')).toBe('chime:GetPhoneNumber');
  });

  it('reads a CloudFormation action from the query body, and leaves other services out', () => {
    expect(operationOf(auth('cloudformation'), 'POST', '/', 'Action=DescribeStacks&Version=2010-05-15')).toBe(
      'cloudformation:DescribeStacks',
    );
    expect(operationOf(auth('sts'), 'POST', '/', 'Action=GetCallerIdentity')).toBeUndefined();
    expect(operationOf({}, 'GET', '/phone-number/x')).toBeUndefined();
  });
});

describe('counting calls per resource type', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    // Answers 429 to a path ending in /throttled, 200 otherwise.
    server = http.createServer((req, res) => {
      res.statusCode = req.url?.endsWith('throttled') ? 429 : 200;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const get = (path: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'GET', path, headers: auth('connect') }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });

  it("counts each invocation's calls under its resource type and phase, throttled apart, and nothing outside an invocation", async () => {
    const attribution = new CallAttribution();
    attribution.install();
    try {
      const create = { ResourceType: 'Custom::PhoneNumberFlowBinding', RequestType: 'Create' };
      await attribution.run(create, () => get(`/phone-number/${encodeURIComponent(ARN)}`));
      await attribution.run({ ...create, CdkPhoneNumbersOnEventDone: true }, async () => {
        await get(`/phone-number/${encodeURIComponent(ARN)}`);
        await get('/phone-number/throttled');
      });
      await get(`/phone-number/${encodeURIComponent(ARN)}`); // no invocation: not counted
    } finally {
      attribution.uninstall();
    }
    expect(attribution.calls).toEqual({
      'Custom::PhoneNumberFlowBinding': { 'connect:DescribePhoneNumber': { answered: 2, throttled: 1 } },
    });
    expect(attribution.byPhase).toEqual({
      'Custom::PhoneNumberFlowBinding/Create/onEvent': { 'connect:DescribePhoneNumber': { answered: 1, throttled: 0 } },
      'Custom::PhoneNumberFlowBinding/Create/isComplete': { 'connect:DescribePhoneNumber': { answered: 1, throttled: 1 } },
    });
    // uninstalled: http.request is Node's own again
    expect(http.request.name).not.toBe('wrapped');
  });
});
