/**
 * The Lambda host (local/lambda-host): a bundle runs in a worker thread that keeps its module state
 * between invocations, reads the settings and the Date of the process that hosts it, and is terminated
 * at an invocation's deadline (measured on the deploy's clock): nothing it would do afterwards happens,
 * and the next invocation starts a fresh environment.
 *
 * The stub bundle calls the emulator with the real SDK: ListPhoneNumbersV2 at once when told to (the
 * emulator hangs that call and moves its clock past the function timeout, as a call in flight at a
 * Lambda timeout), then again after a real timer of 200 ms: that second call is the effect that must
 * never come after the deadline.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createManualClock, startEmulator, type Emulator, type ManualClock } from '../../../local/emulator';
import { DeployFailedError, LocalDeployer, loadHandlerBundle } from '../../../local/deploy';
import { invokeWithTimeout, LambdaFunction, WorkerEnvironment } from '../../../local/lambda-host';
import { custom, template } from '../deploy/fixtures';

const STUB = `
const { ConnectClient, DescribePhoneNumberCommand, ListPhoneNumbersV2Command } = require(${JSON.stringify(require.resolve('@aws-sdk/client-connect'))});
let invocations = 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
exports.handler = async (event, context) => {
  invocations += 1;
  const p = event.ResourceProperties || event;
  const connect = new ConnectClient({ maxAttempts: 1 });
  if (p.HangFirst === 'yes') {
    // A first round trip, so that the client is ready and the hanging call goes out at once.
    await connect.send(new DescribePhoneNumberCommand({ PhoneNumberId: 'warm-up' })).catch(() => undefined);
    connect.send(new ListPhoneNumbersV2Command({ MaxResults: 1 })).catch(() => undefined);
  }
  await sleep(Number(p.SleepMs || 0));
  await connect.send(new ListPhoneNumbersV2Command({ MaxResults: 2 }));
  return {
    PhysicalResourceId: 'stub-' + invocations,
    Data: { Invocations: invocations },
    remaining: context && context.getRemainingTimeInMillis(),
    setting: process.env.PHONE_NUMBERS_SETTLE_WAIT_MS,
    now: Date.now(),
  };
};
`;
/** The real timer before the stub's second call: long enough for the host to see the deadline first. */
const SLEEP_MS = 200;
/** How long the test waits for a call that must not come (the stub's timer, and then some). */
const AFTER_MS = 3 * SLEEP_MS;
const TIMEOUT_MS = 600_000;

describe('the Lambda host', () => {
  let dir: string;
  let stub: string;
  let clock: ManualClock;
  let emu: Emulator;
  let saved: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-host-'));
    stub = path.join(dir, 'stub.js');
    fs.writeFileSync(stub, STUB);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    clock = createManualClock();
    emu = await startEmulator({ port: 0, clock });
    saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_CONNECT: emu.endpoint,
    });
  });
  afterEach(async () => {
    process.env = saved;
    await emu.stop();
  });

  const listCalls = () => emu.calls().filter((c) => c.operation === 'ListPhoneNumbersV2');
  const settle = () => new Promise((resolve) => setTimeout(resolve, AFTER_MS));

  describe('invokeWithTimeout on a worker environment', () => {
    let fn: LambdaFunction;
    beforeEach(() => {
      fn = new LambdaFunction(() => new WorkerEnvironment(stub));
      fn.prewarm(1);
    });
    afterEach(() => fn.stop());

    const invoke = (event: Record<string, unknown>) =>
      invokeWithTimeout((e, c) => fn.invoke('handler', e, c), event, { functionName: 'stub', timeoutMs: TIMEOUT_MS, clock });

    it('keeps module state warm across invocations, and gives the environment of now', async () => {
      process.env.PHONE_NUMBERS_SETTLE_WAIT_MS = '7';
      await expect(invoke({})).resolves.toMatchObject({ Data: { Invocations: 1 }, setting: '7', remaining: TIMEOUT_MS });
      process.env.PHONE_NUMBERS_SETTLE_WAIT_MS = '8';
      await expect(invoke({})).resolves.toMatchObject({ Data: { Invocations: 2 }, setting: '8' });
      expect(fn.coldStarts).toBe(1);
      expect(listCalls()).toHaveLength(2);
    });

    it("reads this process's Date.now (a test may run it on its clock)", async () => {
      const realNow = Date.now;
      Date.now = () => realNow() + 3_600_000;
      try {
        const result = (await invoke({})) as { now: number };
        expect(result.now - realNow()).toBeGreaterThan(3_590_000);
      } finally {
        Date.now = realNow;
      }
    });

    it('ends the invocation at its deadline on the clock: no call after it, Lambda’s message, the next one cold', async () => {
      const running = invoke({ SleepMs: SLEEP_MS });
      clock.advance(TIMEOUT_MS);

      await expect(running).rejects.toThrow(/^Task timed out after 600\.00 seconds$/);
      await settle();
      expect(listCalls()).toHaveLength(0);

      await expect(invoke({})).resolves.toMatchObject({ Data: { Invocations: 1 } });
      expect(fn.coldStarts).toBe(2);
      expect(listCalls()).toHaveLength(1);
    });

    it('gives the context the remaining time on the clock', async () => {
      clock.advance(1);
      const running = invoke({ SleepMs: SLEEP_MS });
      clock.advance(60_000);
      await expect(running).resolves.toMatchObject({ remaining: TIMEOUT_MS - 60_000 });
    });
  });

  describe('LocalDeployer with a bundle (loadHandlerBundle)', () => {
    const deployer = () =>
      new LocalDeployer({ handler: loadHandlerBundle(stub, 'handler'), singleFunctionIsComplete: false, clock, functionName: 'stub' });

    it('fails a create whose call outlives the function timeout, and nothing of it happens afterwards', async () => {
      emu.injectFault({ kind: 'hang', operation: 'ListPhoneNumbersV2', apply: true, advanceClockMs: TIMEOUT_MS + 1 });
      const d = deployer();

      const error = (await d
        .deploy(template({ A: custom({ HangFirst: 'yes', SleepMs: SLEEP_MS }) }))
        .catch((e: unknown) => e)) as DeployFailedError;

      expect(error).toBeInstanceOf(DeployFailedError);
      expect(error.reason).toBe('Task timed out after 600.00 seconds\n\nLogs: /aws/lambda/stub\n');
      await settle();
      expect(listCalls().map((c) => c.input)).toEqual([{ MaxResults: 1 }]);
      // The stack's next invocation runs in a fresh environment.
      await d.deploy(template({ B: custom() }));
      expect(d.outputs('B')).toMatchObject({ physicalResourceId: 'stub-1', data: { Invocations: 1 } });
    });

    it('in process, the same invocation runs on past its deadline (what the worker prevents)', async () => {
      emu.injectFault({ kind: 'hang', operation: 'ListPhoneNumbersV2', apply: true, advanceClockMs: TIMEOUT_MS + 1 });
      const d = new LocalDeployer({ handler: loadHandlerBundle(stub, 'handler', 'in-process'), singleFunctionIsComplete: false, clock });

      await expect(d.deploy(template({ A: custom({ HangFirst: 'yes', SleepMs: SLEEP_MS }) }))).rejects.toThrow('Task timed out');
      await settle();
      expect(listCalls().map((c) => c.input)).toEqual([{ MaxResults: 1 }, { MaxResults: 2 }]);
    });
  });

  it('fails an invocation still running after functionTimeoutMs of real time, without waiting for it', async () => {
    const d = new LocalDeployer({ handler: loadHandlerBundle(stub, 'handler'), singleFunctionIsComplete: false, functionTimeoutMs: 20 });
    await expect(d.deploy(template({ A: custom({ SleepMs: SLEEP_MS }) }))).rejects.toThrow(
      'A failed to create: Task timed out after 0.02 seconds',
    );
    await settle();
    expect(listCalls()).toHaveLength(0);
  });

  it('rejects a bundle that does not load, with its error', () => {
    const broken = path.join(dir, 'broken.js');
    fs.writeFileSync(broken, 'throw new Error("cannot load me");');
    expect(() => new WorkerEnvironment(broken)).toThrow('cannot load me');
  });
});
