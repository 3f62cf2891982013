import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import {
  ChimeSDKVoiceClient,
  ForbiddenException,
  GetPhoneNumberCommand,
  ListVoiceConnectorsCommand,
  ServiceUnavailableException,
  ThrottledClientException,
} from '@aws-sdk/client-chime-sdk-voice';
import {
  AccessDeniedException,
  ClaimPhoneNumberCommand,
  ConnectClient,
  DescribeInstanceCommand,
  DescribePhoneNumberCommand,
  InternalServiceException,
  ListPhoneNumbersV2Command,
  ResourceInUseException,
  SearchAvailablePhoneNumbersCommand,
  ThrottlingException,
} from '@aws-sdk/client-connect';
import { createManualClock, startEmulator } from '../../../local/emulator';
import type { Emulator, EmulatorOptions, ManualClock } from '../../../local/emulator';
import { ACCOUNT, caught, chimeClient, connectClient, rawRequest } from './helpers';

const CLAIM_BODY = (instanceArn: string) =>
  JSON.stringify({ TargetArn: instanceArn, PhoneNumber: '+12065550100', ClientToken: '00000000-0000-4000-8000-0000000000a1' });

describe('wire behaviour', () => {
  let emu: Emulator;
  let clock: ManualClock;
  let instanceArn: string;
  const clients: Array<ConnectClient | ChimeSDKVoiceClient> = [];

  async function start(options: EmulatorOptions = {}): Promise<void> {
    clock = createManualClock();
    emu = await startEmulator({ clock, rateScale: 1000, ...options });
    instanceArn = emu.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
    emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: ['+12065550100', '+12065550101'] });
    emu.seedVoiceConnector({ voiceConnectorId: 'vc1abcdefghij2klmnopq1' });
    emu.seedChimeNumber({ phoneNumber: '+13125550100' });
  }
  const connect = (opts: Parameters<typeof connectClient>[1] = {}) => {
    const c = connectClient(emu, opts);
    clients.push(c);
    return c;
  };
  const chime = (opts: Parameters<typeof chimeClient>[1] = {}) => {
    const c = chimeClient(emu, opts);
    clients.push(c);
    return c;
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await emu.stop();
  });

  describe('authentication', () => {
    beforeEach(() => start());

    it('refuses an unsigned Connect request with 403 AccessDeniedException and changes nothing', async () => {
      const before = emu.snapshot();
      const res = await rawRequest(emu, {
        method: 'POST',
        path: '/phone-number/claim',
        body: CLAIM_BODY(instanceArn),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(403);
      expect(res.headers['x-amzn-errortype']).toBe('AccessDeniedException');
      expect(JSON.parse(res.body)).toEqual({ Message: 'Missing Authentication Token' });
      expect(emu.snapshot()).toEqual(before);
      expect(emu.calls().at(-1)).toMatchObject({
        service: 'connect',
        operation: 'ClaimPhoneNumber',
        status: 403,
        errorName: 'AccessDeniedException',
      });
    });

    it('refuses an unsigned Chime request with 403 ForbiddenException (Code Forbidden)', async () => {
      const before = emu.snapshot();
      const res = await rawRequest(emu, {
        method: 'POST',
        path: '/voice-connectors/vc1abcdefghij2klmnopq1',
        query: { operation: 'associate-phone-numbers' },
        body: JSON.stringify({ E164PhoneNumbers: ['+13125550100'] }),
      });
      expect(res.status).toBe(403);
      expect(res.headers['x-amzn-errortype']).toBe('ForbiddenException');
      expect(JSON.parse(res.body)).toMatchObject({ Code: 'Forbidden' });
      expect(emu.snapshot()).toEqual(before);
    });

    it('refuses malformed Authorization headers and foreign signing names', async () => {
      const before = emu.snapshot();
      const malformed = await rawRequest(emu, {
        method: 'POST',
        path: '/phone-number/claim',
        body: CLAIM_BODY(instanceArn),
        headers: {
          authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/connect/aws4_request, SignedHeaders=host, Signature=zz',
          'x-amz-date': '20240101T000000Z',
        },
      });
      expect(malformed.status).toBe(403);
      expect(malformed.headers['x-amzn-errortype']).toBe('AccessDeniedException');
      const foreign = await rawRequest(emu, {
        method: 'POST',
        path: '/phone-number/claim',
        body: CLAIM_BODY(instanceArn),
        sign: { service: 's3' },
      });
      expect(foreign.status).toBe(403);
      expect(emu.snapshot()).toEqual(before);
      // the same request, properly signed, works
      const ok = await rawRequest(emu, {
        method: 'POST',
        path: '/phone-number/claim',
        body: CLAIM_BODY(instanceArn),
        sign: { service: 'connect' },
      });
      expect(ok.status).toBe(200);
      expect(emu.snapshot().claimed).toHaveLength(1);
    });

    it('the SDK surfaces the refusal as a typed exception (forged bad signature header via middleware)', async () => {
      const c = connect();
      c.middlewareStack.add(
        (next) => async (args) => {
          const req = args.request as { headers: Record<string, string> };
          req.headers.authorization = 'Bearer nope';
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'breakAuth' },
      );
      const err = await caught(() => c.send(new ListPhoneNumbersV2Command({})));
      expect(err).toBeInstanceOf(AccessDeniedException);
      expect(err.$metadata.httpStatusCode).toBe(403);
      const ch = chime();
      ch.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers.authorization = 'Bearer nope';
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'breakAuth' },
      );
      const err2 = await caught(() => ch.send(new GetPhoneNumberCommand({ PhoneNumberId: '+13125550100' })));
      expect(err2).toBeInstanceOf(ForbiddenException);
      expect(err2.$metadata.httpStatusCode).toBe(403);
    });

    it('takes the region from the credential scope and the account from `accounts`', async () => {
      await emu.stop();
      emu = await startEmulator({ accounts: { AKIDOTHER: '210987654321' }, rateScale: 1000 });
      const other = { accessKeyId: 'AKIDOTHER', secretAccessKey: 'y' };
      const westArn = emu.seedInstance({
        accountId: '210987654321',
        region: 'us-west-2',
        instanceId: '77777777-7777-4777-8777-777777777777',
      });
      emu.seedAvailableNumbers({
        accountId: '210987654321',
        region: 'us-west-2',
        countryCode: 'US',
        type: 'DID',
        phoneNumbers: ['+15035550100'],
      });
      const r = await connect({ region: 'us-west-2', credentials: other }).send(
        new ClaimPhoneNumberCommand({ TargetArn: westArn, PhoneNumber: '+15035550100' }),
      );
      expect(r.PhoneNumberArn).toMatch(/^arn:aws:connect:us-west-2:210987654321:phone-number\//);
      expect(emu.snapshot({ accountId: '210987654321', region: 'us-west-2' }).claimed).toHaveLength(1);
      expect(emu.snapshot().claimed).toHaveLength(0);
      // the default account cannot see it
      const err = await caught(() =>
        connect({ region: 'us-west-2' }).send(new DescribePhoneNumberCommand({ PhoneNumberId: r.PhoneNumberArn })),
      );
      expect(err.name).toBe('ResourceNotFoundException');
      expect(emu.calls().at(-1)).toMatchObject({ accountId: ACCOUNT, region: 'us-west-2' });
    });
  });

  describe('routing', () => {
    beforeEach(() => start());

    it('an unknown operation is a 404 UnknownOperationException surfaced by the SDK', async () => {
      const err = await caught(() => connect().send(new DescribeInstanceCommand({ InstanceId: '11111111-1111-4111-8111-111111111111' })));
      expect(err.name).toBe('UnknownOperationException');
      expect(err.$metadata.httpStatusCode).toBe(404);
      const err2 = await caught(() => chime().send(new ListVoiceConnectorsCommand({})));
      expect(err2.name).toBe('UnknownOperationException');
      expect(err2.$metadata.httpStatusCode).toBe(404);
      expect(emu.calls().map((c) => [c.service, c.operation, c.status])).toEqual([
        ['connect', 'Unknown', 404],
        ['chime', 'Unknown', 404],
      ]);
    });

    it('unmodified clients reach it through AWS_ENDPOINT_URL_CONNECT / AWS_ENDPOINT_URL_CHIME_SDK_VOICE', async () => {
      const saved = { c: process.env.AWS_ENDPOINT_URL_CONNECT, v: process.env.AWS_ENDPOINT_URL_CHIME_SDK_VOICE };
      process.env.AWS_ENDPOINT_URL_CONNECT = emu.endpoint;
      process.env.AWS_ENDPOINT_URL_CHIME_SDK_VOICE = emu.endpoint;
      try {
        const c = new ConnectClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } });
        const v = new ChimeSDKVoiceClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } });
        clients.push(c, v);
        const listed = await c.send(new ListPhoneNumbersV2Command({}));
        expect(listed.ListPhoneNumbersSummaryList).toEqual([]);
        const n = await v.send(new GetPhoneNumberCommand({ PhoneNumberId: '+13125550100' }));
        expect(n.PhoneNumber?.E164PhoneNumber).toBe('+13125550100');
        expect(emu.calls().map((x) => [x.service, x.operation])).toEqual([
          ['connect', 'ListPhoneNumbersV2'],
          ['chime', 'GetPhoneNumber'],
        ]);
      } finally {
        for (const [k, val] of [
          ['AWS_ENDPOINT_URL_CONNECT', saved.c],
          ['AWS_ENDPOINT_URL_CHIME_SDK_VOICE', saved.v],
        ] as const) {
          if (val === undefined) delete process.env[k];
          else process.env[k] = val;
        }
      }
    });

    it('answers undecodable input (bad JSON, non-integer query values) with the validation error of the service', async () => {
      const before = emu.snapshot();
      const badJson = await rawRequest(emu, {
        method: 'POST',
        path: '/phone-number/claim',
        body: '{"PhoneNumber":',
        sign: { service: 'connect' },
      });
      expect(badJson.status).toBe(400);
      expect(badJson.headers['x-amzn-errortype']).toBe('InvalidParameterException');
      const badInt = await rawRequest(emu, {
        method: 'GET',
        path: '/flow-associations-summary/11111111-1111-4111-8111-111111111111',
        query: { maxResults: 'ten' },
        sign: { service: 'connect' },
      });
      expect(badInt.status).toBe(400);
      const chimeBad = await rawRequest(emu, {
        method: 'GET',
        path: '/phone-numbers',
        query: { 'max-results': '1.5' },
        sign: { service: 'chime' },
      });
      expect(chimeBad.status).toBe(400);
      expect(JSON.parse(chimeBad.body)).toMatchObject({ Code: 'BadRequest' });
      expect(emu.snapshot()).toEqual(before);
    });

    it('routes every operation of the vendored model extract', async () => {
      const model = JSON.parse(readFileSync(path.join(__dirname, '../../../local/emulator/model/phone-number-api.json'), 'utf8')) as {
        services: Record<string, { operations: Record<string, unknown> }>;
      };
      expect(Object.keys(model.services.connect.operations).sort()).toEqual([
        'AssociatePhoneNumberContactFlow',
        'BatchGetFlowAssociation',
        'ClaimPhoneNumber',
        'DescribePhoneNumber',
        'DisassociatePhoneNumberContactFlow',
        'ImportPhoneNumber',
        'ListFlowAssociations',
        'ListPhoneNumbersV2',
        'ListTagsForResource',
        'ReleasePhoneNumber',
        'SearchAvailablePhoneNumbers',
        'TagResource',
        'UntagResource',
        'UpdatePhoneNumber',
        'UpdatePhoneNumberMetadata',
      ]);
      expect(Object.keys(model.services['chime-sdk-voice'].operations).sort()).toEqual([
        'AssociatePhoneNumbersWithVoiceConnector',
        'DisassociatePhoneNumbersFromVoiceConnector',
        'GetPhoneNumber',
        'GetVoiceConnector',
        'ListPhoneNumbers',
        'ListTagsForResource',
        'TagResource',
        'UntagResource',
      ]);
      // Every routed operation reaches its handler: none answers UnknownOperationException.
      const probes: Array<[string, string, string, Record<string, string>?]> = [
        ['connect', 'POST', '/phone-number/claim'],
        ['connect', 'POST', '/phone-number/import'],
        ['connect', 'POST', '/phone-number/search-available'],
        ['connect', 'GET', '/phone-number/x'],
        ['connect', 'PUT', '/phone-number/x'],
        ['connect', 'PUT', '/phone-number/x/metadata'],
        ['connect', 'DELETE', '/phone-number/x'],
        ['connect', 'PUT', '/phone-number/x/contact-flow'],
        ['connect', 'DELETE', '/phone-number/x/contact-flow'],
        ['connect', 'POST', '/phone-number/list'],
        ['connect', 'GET', '/flow-associations-summary/x'],
        ['connect', 'POST', '/flow-associations-batch/x'],
        ['connect', 'POST', '/tags/x'],
        ['connect', 'DELETE', '/tags/x'],
        ['connect', 'GET', '/tags/x'],
        ['chime', 'POST', '/voice-connectors/x', { operation: 'associate-phone-numbers' }],
        ['chime', 'POST', '/voice-connectors/x', { operation: 'disassociate-phone-numbers' }],
        ['chime', 'GET', '/voice-connectors/x'],
        ['chime', 'GET', '/phone-numbers/x'],
        ['chime', 'GET', '/phone-numbers'],
        ['chime', 'POST', '/tags', { operation: 'tag-resource' }],
        ['chime', 'POST', '/tags', { operation: 'untag-resource' }],
        ['chime', 'GET', '/tags', { arn: 'arn:aws:chime:us-east-1:123456789012:vc/x' }],
      ];
      for (const [service, method, p, query] of probes) {
        const body = method === 'POST' || method === 'PUT' ? '{}' : undefined;
        await rawRequest(emu, { method, path: p, query, body, sign: { service } });
      }
      const ops = emu.calls().map((c) => c.operation);
      expect(ops).not.toContain('Unknown');
      // Connect and Chime SDK Voice both have TagResource, UntagResource and ListTagsForResource.
      expect(new Set(emu.calls().map((c) => `${c.service}:${c.operation}`)).size).toBe(23);
    });

    it('decodes percent-encoded labels: an ARN is one segment, %2B is +', async () => {
      const { PhoneNumberArn } = await connect().send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: '+12065550100' }));
      const encoded = encodeURIComponent(PhoneNumberArn!);
      expect(encoded).toContain('%3A');
      const res = await rawRequest(emu, { method: 'GET', path: `/phone-number/${encoded}`, sign: { service: 'connect' } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).ClaimedPhoneNumberSummary.PhoneNumberArn).toBe(PhoneNumberArn);
      const chimeRes = await rawRequest(emu, { method: 'GET', path: '/phone-numbers/%2B13125550100', sign: { service: 'chime' } });
      expect(chimeRes.status).toBe(200);
      expect(JSON.parse(chimeRes.body).PhoneNumber.E164PhoneNumber).toBe('+13125550100');
    });
  });

  describe('throttling', () => {
    it('throttles with 429 ThrottlingException; the SDK retries until the bucket refills', async () => {
      await start({ rateScale: 1, ratesUseClock: true, rateOverrides: { SearchAvailablePhoneNumbers: { ratePerSecond: 1, burst: 1 } } });
      const c = connect({ maxAttempts: 10 });
      // every attempt (retries included) moves the emulator's clock by 400 ms
      c.middlewareStack.add(
        (next) => async (args) => {
          clock.advance(400);
          return next(args);
        },
        { step: 'deserialize', name: 'tick' },
      );
      const search = () =>
        c.send(new SearchAvailablePhoneNumbersCommand({ TargetArn: instanceArn, PhoneNumberCountryCode: 'US', PhoneNumberType: 'DID' }));
      await search();
      const r = await search();
      expect(r.AvailableNumbersList).toHaveLength(2);
      expect(r.$metadata.attempts).toBe(3);
      expect(emu.calls().map((x) => [x.status, x.errorName])).toEqual([
        [200, undefined],
        [429, 'ThrottlingException'],
        [429, 'ThrottlingException'],
        [200, undefined],
      ]);
    });

    it('a throttled call changes nothing and arrives as the typed exception (Connect and Chime)', async () => {
      await start({
        rateScale: 1,
        ratesUseClock: true,
        connectRate: { ratePerSecond: 1, burst: 1 },
        chimeRate: { ratePerSecond: 1, burst: 1 },
      });
      const c = connect();
      await c.send(new ListPhoneNumbersV2Command({}));
      // ClaimPhoneNumber has its own bucket: the first claim passes
      await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: '+12065550100' }));
      const before = emu.snapshot();
      const err2 = await caught(() => c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: '+12065550101' })));
      expect(err2).toBeInstanceOf(ThrottlingException);
      expect(err2.$metadata.httpStatusCode).toBe(429);
      expect(emu.snapshot()).toEqual(before);
      expect(before.claimed.map((n) => n.phoneNumber)).toEqual(['+12065550100']);
      const ch = chime();
      await ch.send(new GetPhoneNumberCommand({ PhoneNumberId: '+13125550100' }));
      const err3 = await caught(() => ch.send(new GetPhoneNumberCommand({ PhoneNumberId: '+13125550100' })));
      expect(err3).toBeInstanceOf(ThrottledClientException);
      expect(err3.Code).toBe('Throttled');
      expect(err3.$metadata.httpStatusCode).toBe(429);
      clock.advance(1000);
      await ch.send(new GetPhoneNumberCommand({ PhoneNumberId: '+13125550100' }));
    });

    it('runs the buckets on rateClock when given, read once per call, and not on the emulator clock', async () => {
      // GIVEN buckets on a clock that moves 250 ms per rate-limited call (1/s, burst 1)
      let rateNow = 0;
      await start({ rateScale: 1, connectRate: { ratePerSecond: 1, burst: 1 }, rateClock: { now: () => (rateNow += 250) } });
      const c = connect({ maxAttempts: 1 });
      const list = () => c.send(new ListPhoneNumbersV2Command({}));
      // WHEN the emulator clock moves a day between calls, and the rate clock a quarter second per call
      await list();
      clock.advance(86_400_000);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          await list().then(
            () => 200,
            (err: ThrottlingException) => err.$metadata.httpStatusCode ?? 0,
          ),
        );
      // THEN only the fourth call after the first finds a whole token again (4 x 250 ms at 1/s)
      expect(statuses).toEqual([429, 429, 429, 200]);
    });

    it('keeps buckets per account and region, and rateScale multiplies rate and burst', async () => {
      await start({ rateScale: 2, ratesUseClock: true, connectRate: { ratePerSecond: 1, burst: 1 } });
      const east = connect();
      const west = connect({ region: 'us-west-2' });
      await east.send(new ListPhoneNumbersV2Command({}));
      await east.send(new ListPhoneNumbersV2Command({})); // burst 2 after scaling
      await west.send(new ListPhoneNumbersV2Command({})); // own bucket
      const err = await caught(() => east.send(new ListPhoneNumbersV2Command({})));
      expect(err).toBeInstanceOf(ThrottlingException);
    });
  });

  describe('faults', () => {
    beforeEach(() => start());

    it('error: the next `times` calls answer the typed error, logged with fault', async () => {
      emu.injectFault({
        kind: 'error',
        operation: 'DescribePhoneNumber',
        errorName: 'InternalServiceException',
        status: 500,
        message: 'boom',
        times: 2,
      });
      const c = connect();
      const arn = (await c.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: '+12065550100' }))).PhoneNumberArn!;
      for (let i = 0; i < 2; i++) {
        const err = await caught(() => c.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn })));
        expect(err).toBeInstanceOf(InternalServiceException);
        expect(err.message).toBe('boom');
        expect(err.$metadata.httpStatusCode).toBe(500);
      }
      await c.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn }));
      expect(
        emu
          .calls()
          .filter((x) => x.operation === 'DescribePhoneNumber')
          .map((x) => x.fault),
      ).toEqual(['error', 'error', undefined]);
    });

    it('error: Chime errors get their Code; Connect ResourceInUseException gets ResourceType/ResourceId', async () => {
      emu.injectFault({ kind: 'error', operation: 'GetPhoneNumber', errorName: 'ServiceUnavailableException', status: 503 });
      const err = await caught(() => chime().send(new GetPhoneNumberCommand({ PhoneNumberId: '+13125550100' })));
      expect(err).toBeInstanceOf(ServiceUnavailableException);
      expect(err.Code).toBe('ServiceUnavailable');
      emu.injectFault({ kind: 'error', operation: 'DescribePhoneNumber', errorName: 'ResourceInUseException', status: 409 });
      const err2 = await caught(() =>
        connect().send(new DescribePhoneNumberCommand({ PhoneNumberId: 'b0000000-0000-4000-8000-0000000000ab' })),
      );
      expect(err2).toBeInstanceOf(ResourceInUseException);
      expect(err2.ResourceId).toBe('b0000000-0000-4000-8000-0000000000ab');
    });

    it('error with 5xx is retried by the SDK and a fault is consumed per attempt', async () => {
      emu.injectFault({ kind: 'error', operation: 'ListPhoneNumbersV2', errorName: 'InternalServiceException', status: 500, times: 2 });
      const r = await connect({ maxAttempts: 3 }).send(new ListPhoneNumbersV2Command({}));
      expect(r.$metadata.attempts).toBe(3);
    });

    it('delay: the answer comes after `ms` of real time', async () => {
      emu.injectFault({ kind: 'delay', operation: 'ListPhoneNumbersV2', ms: 40 });
      const c = connect();
      const t0 = Date.now();
      await c.send(new ListPhoneNumbersV2Command({}));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
      expect(emu.calls().at(-1)?.fault).toBe('delay');
    });

    it('dropAfterApply: the change is applied, the SDK sees a network error', async () => {
      emu.injectFault({ kind: 'dropAfterApply', operation: 'ClaimPhoneNumber' });
      const err = await caught(() => connect().send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: '+12065550100' })));
      expect(err.$metadata?.httpStatusCode).toBeUndefined();
      expect(err.message).toMatch(/socket hang up|ECONNRESET/);
      expect(emu.snapshot().claimed.map((n) => n.phoneNumber)).toEqual(['+12065550100']);
      expect(emu.calls().at(-1)).toMatchObject({ operation: 'ClaimPhoneNumber', status: 200, fault: 'dropAfterApply' });
    });

    it('dropAfterApply + SDK retry with a fixed ClientToken: one number, the retry gets the same answer', async () => {
      emu.injectFault({ kind: 'dropAfterApply', operation: 'ClaimPhoneNumber' });
      const r = await connect({ maxAttempts: 3 }).send(
        new ClaimPhoneNumberCommand({
          TargetArn: instanceArn,
          PhoneNumber: '+12065550100',
          ClientToken: '00000000-0000-4000-8000-0000000000f1',
        }),
      );
      expect(r.$metadata.attempts).toBe(2);
      expect(emu.snapshot().claimed.map((n) => n.phoneNumberId)).toEqual([r.PhoneNumberId]);
    });

    it('phoneNumberError: reported in PhoneNumberErrors (HTTP 200) and not applied for that number', async () => {
      emu.seedChimeNumber({ phoneNumber: '+13125550101' });
      emu.injectFault({
        kind: 'phoneNumberError',
        operation: 'AssociatePhoneNumbersWithVoiceConnector',
        phoneNumber: '+13125550100',
        errorCode: 'ServiceFailure',
        message: 'try later',
      });
      const ch = chime();
      const { AssociatePhoneNumbersWithVoiceConnectorCommand } = await import('@aws-sdk/client-chime-sdk-voice');
      const r = await ch.send(
        new AssociatePhoneNumbersWithVoiceConnectorCommand({
          VoiceConnectorId: 'vc1abcdefghij2klmnopq1',
          E164PhoneNumbers: ['+13125550100', '+13125550101'],
        }),
      );
      expect(r.PhoneNumberErrors).toEqual([{ PhoneNumberId: '+13125550100', ErrorCode: 'ServiceFailure', ErrorMessage: 'try later' }]);
      expect(emu.snapshot().voiceConnectors.vc1abcdefghij2klmnopq1).toEqual(['+13125550101']);
      expect(emu.calls().at(-1)?.fault).toBe('phoneNumberError');
      const again = await ch.send(
        new AssociatePhoneNumbersWithVoiceConnectorCommand({
          VoiceConnectorId: 'vc1abcdefghij2klmnopq1',
          E164PhoneNumbers: ['+13125550100'],
        }),
      );
      expect(again.PhoneNumberErrors).toEqual([]);
      expect(emu.snapshot().voiceConnectors.vc1abcdefghij2klmnopq1).toEqual(['+13125550100', '+13125550101']);
    });

    it('clearFaults disarms everything', async () => {
      emu.injectFault({ kind: 'error', operation: 'ListPhoneNumbersV2', errorName: 'InternalServiceException', status: 500 });
      emu.clearFaults();
      await connect().send(new ListPhoneNumbersV2Command({}));
    });
  });

  describe('call log and lifecycle', () => {
    beforeEach(() => start());

    it('logs every request in order with decoded input, status, output and errorName; clearCalls empties it', async () => {
      const c = connect();
      const r = await c.send(
        new ClaimPhoneNumberCommand({
          TargetArn: instanceArn,
          PhoneNumber: '+12065550100',
          ClientToken: '00000000-0000-4000-8000-0000000000a2',
        }),
      );
      await caught(() => c.send(new DescribePhoneNumberCommand({ PhoneNumberId: '0ff00000-0000-4000-8000-0000000000ff' })));
      const log = emu.calls();
      expect(log).toEqual([
        {
          seq: 1,
          service: 'connect',
          operation: 'ClaimPhoneNumber',
          accountId: ACCOUNT,
          region: 'us-east-1',
          input: { TargetArn: instanceArn, PhoneNumber: '+12065550100', ClientToken: '00000000-0000-4000-8000-0000000000a2' },
          status: 200,
          output: { PhoneNumberId: r.PhoneNumberId, PhoneNumberArn: r.PhoneNumberArn },
        },
        {
          seq: 2,
          service: 'connect',
          operation: 'DescribePhoneNumber',
          accountId: ACCOUNT,
          region: 'us-east-1',
          input: { PhoneNumberId: '0ff00000-0000-4000-8000-0000000000ff' },
          status: 404,
          output: { Message: 'Phone number not found: 0ff00000-0000-4000-8000-0000000000ff' },
          errorName: 'ResourceNotFoundException',
        },
      ]);
      emu.clearCalls();
      expect(emu.calls()).toEqual([]);
    });

    it('stop() closes keep-alive connections and the port', async () => {
      const agent = new http.Agent({ keepAlive: true });
      const { port } = emu;
      await new Promise<void>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          })
          .on('error', reject);
      });
      const t0 = Date.now();
      await emu.stop();
      expect(Date.now() - t0).toBeLessThan(1000);
      await expect(rawRequest(emu, { method: 'GET', path: '/' })).rejects.toThrow(/ECONNREFUSED/);
      agent.destroy();
    });
  });
});
