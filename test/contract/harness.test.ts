/**
 * The contract harness itself: the emulator hooks it relies on (nth-call faults, a call that hangs,
 * reset), and its checks, shown to catch a handler that loses numbers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConnectClient, DescribePhoneNumberCommand, UpdatePhoneNumberMetadataCommand } from '@aws-sdk/client-connect';
import { casesOf } from '../../local/contract/cases';
import { faultsAt, PAST_THROTTLED_RETRIES, replays } from '../../local/contract/faults';
import { DEFAULT_BUNDLE, Harness, plan, runScenario } from '../../local/contract/runner';
import { createManualClock, startEmulator } from '../../local/emulator';
import type { Emulator } from '../../local/emulator';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' };
const INSTANCE = '11111111-1111-4111-8111-111111111111';

describe('the emulator hooks of the contract harness', () => {
  let emu: Emulator;
  let connect: ConnectClient;
  let arn: string;
  const clock = createManualClock();

  beforeEach(async () => {
    emu = await startEmulator({ port: 0, clock });
    const instanceArn = emu.seedInstance({ instanceId: INSTANCE });
    arn = emu.seedClaimedNumber({ phoneNumber: '+12065550100', targetArn: instanceArn });
    connect = new ConnectClient({
      region: 'us-east-1',
      endpoint: emu.endpoint,
      credentials: CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true },
    });
  });
  afterEach(async () => {
    connect.destroy();
    await emu.stop();
  });

  it('lets `skip` calls pass before a fault hits', async () => {
    emu.injectFault({ kind: 'error', operation: 'DescribePhoneNumber', errorName: 'ThrottlingException', status: 429, skip: 1, times: 1 });
    const describe = () => connect.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn }));
    await expect(describe()).resolves.toMatchObject({ ClaimedPhoneNumberSummary: { PhoneNumberArn: arn } });
    await expect(describe()).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(describe()).resolves.toMatchObject({ ClaimedPhoneNumberSummary: { PhoneNumberArn: arn } });
  });

  it('hangs a call after applying it, moving the clock, and never answers', async () => {
    const start = clock.now();
    emu.injectFault({ kind: 'hang', operation: 'UpdatePhoneNumberMetadata', apply: true, advanceClockMs: 660_000 });
    await expect(
      connect.send(new UpdatePhoneNumberMetadataCommand({ PhoneNumberId: arn, PhoneNumberDescription: 'changed' })),
    ).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(clock.now() - start).toBe(660_000);
    expect(emu.snapshot().claimed[0].description).toBe('changed');
  });

  it('resets to an empty account, without faults or calls', async () => {
    emu.injectFault({ kind: 'error', operation: 'DescribePhoneNumber', errorName: 'ThrottlingException', status: 429 });
    await connect.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn })).catch(() => undefined);
    emu.reset();
    expect(emu.snapshot().claimed).toEqual([]);
    expect(emu.calls()).toEqual([]);
    const instanceArn = emu.seedInstance({ instanceId: INSTANCE });
    const again = emu.seedClaimedNumber({ phoneNumber: '+12065550100', targetArn: instanceArn });
    await expect(connect.send(new DescribePhoneNumberCommand({ PhoneNumberId: again }))).resolves.toMatchObject({
      ClaimedPhoneNumberSummary: { PhoneNumberArn: again },
    });
  });
});

describe('the planned faults', () => {
  it('tries every fault at a change, only throttling at a read, and replays each invocation', () => {
    const at = (service: 'connect' | 'chime' | 'cloudformation', operation: string, input: Record<string, unknown> = {}) =>
      faultsAt({ service, operation, occurrence: 2, input })
        .map((f) => f.name)
        .sort();
    expect(at('connect', 'ClaimPhoneNumber')).toEqual(['500', 'lambda-timeout', 'resource-in-use', 'response-lost', 'throttle']);
    expect(at('chime', 'AssociatePhoneNumbersWithVoiceConnector', { E164PhoneNumbers: ['+12065550150'] })).toEqual([
      '500',
      'lambda-timeout',
      'partial-errors',
      'response-lost',
      'throttle',
    ]);
    expect(at('connect', 'DescribePhoneNumber')).toEqual(['throttle']);
    // A Lambda killed during a rollback request fails it whatever the handler does: not tried there.
    expect(
      faultsAt({ service: 'connect', operation: 'ReleasePhoneNumber', occurrence: 1, input: {}, phase: 'rollback' }).map((f) => f.name),
    ).not.toContain('lambda-timeout');
    expect(
      faultsAt({ service: 'connect', operation: 'ClaimPhoneNumber', occurrence: 1, input: {}, phase: 'create' }).map((f) => f.name),
    ).toContain('lambda-timeout');
    expect(at('cloudformation', 'GetTemplate')).toEqual(['500', 'throttle']);
    expect(faultsAt({ service: 'connect', operation: 'ReleasePhoneNumber', occurrence: 3, input: {} })[0].inject).toMatchObject({
      skip: 2,
      times: PAST_THROTTLED_RETRIES,
    });
    expect(replays(2).map((r) => r.replayInvocation)).toEqual([1, 2]);
  });
});

describe('the checks', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A copy of the real bundle (its own module state), except for Delete, which a broken handler answers as told. */
  function brokenBundle(name: string, onDelete: string): string {
    const file = path.join(dir, `${name}.js`);
    fs.writeFileSync(
      file,
      [
        fs.readFileSync(DEFAULT_BUNDLE, 'utf8'),
        ';const realExports = module.exports;',
        'module.exports = { handler: async (event, context) => {',
        '  if (event.RequestType !== "Delete") return realExports.handler(event, context);',
        '  if (event.Data && event.Data.BrokenDone) return { IsComplete: true };',
        `  ${onDelete}`,
        '  return { PhysicalResourceId: event.PhysicalResourceId, Data: { BrokenDone: "yes" } };',
        '} };',
      ].join('\n'),
    );
    return file;
  }

  const breakerCase = casesOf('ClaimedPhoneNumber').find((c) => c.name === 'ClaimedPhoneNumber/create-specific+breaker')!;

  it('reports a number a rollback leaves claimed', async () => {
    const harness = await Harness.start(brokenBundle('leaky', '/* deletes nothing */'));
    try {
      const result = await runScenario(breakerCase, undefined, harness);
      expect(result.outcome).toMatch(/^ROLLBACK_COMPLETE/);
      expect(result.violations.map((v) => v.problem)).toContainEqual(
        expect.stringMatching(
          /^after rollback \(ROLLBACK_COMPLETE\): \+12065550110 is claimed \(CLAIMED, owner ContractStack\/Line[0-9A-F]{8}\) and was not$/,
        ),
      );
    } finally {
      await harness.stop();
    }
  }, 120_000);

  it.each(['create-specific', 'create-search'])(
    'a ClaimedPhoneNumber %s whose Lambda times out right after its claim: the rollback releases the number (once a known gap)',
    async (step) => {
      // The claim is made in isComplete, so the create is answered FAILED under its pending id and the
      // rollback's Delete reaches the handler (claimed in onEvent, the framework's CREATE_FAILED marker
      // would answer that Delete itself and the number would be left claimed).
      const harness = await Harness.start(DEFAULT_BUNDLE);
      try {
        const c = casesOf('ClaimedPhoneNumber').find((x) => x.name === `ClaimedPhoneNumber/${step}`)!;
        const clean = await runScenario(c, undefined, harness);
        const fault = plan(clean).find((f) => f.name === 'lambda-timeout' && f.at === 'Line ClaimPhoneNumber#1')!;
        expect(fault).toBeDefined();
        const result = await runScenario(c, fault, harness);
        expect(result.outcome).toMatch(/^ROLLBACK_COMPLETE/);
        expect(result.violations).toEqual([]);
      } finally {
        await harness.stop();
      }
    },
    120_000,
  );

  it('reports a stack that ends ROLLBACK_FAILED, and passes the real handler on the same case', async () => {
    const failing = await Harness.start(brokenBundle('failing', 'throw new Error("cannot delete");'));
    try {
      const result = await runScenario(breakerCase, undefined, failing);
      expect(result.violations.map((v) => v.problem)).toContainEqual(
        expect.stringMatching(/^the stack ended ROLLBACK_FAILED; rollback request failed for Breaker: cannot delete; Line: cannot delete/),
      );
    } finally {
      await failing.stop();
    }
    const real = await Harness.start();
    try {
      const result = await runScenario(breakerCase, undefined, real);
      expect(result.violations).toEqual([]);
      expect(result.calls.map((c) => c.operation)).toContain('ClaimPhoneNumber');
    } finally {
      await real.stop();
    }
  }, 120_000);
});
