/**
 * The wiring in one place: the emulator started in process (port 0, a compressed clock), the
 * environment the handler reads, and LocalDeployers that run a stack's custom resources through the
 * real handler bundle against it.
 */
import { settingsEnvironment } from '../../lambda/settings';
import { LocalDeployer } from '../deploy/deployer';
import { DEFAULT_TOTAL_TIMEOUT_MS, loadHandlerBundle, PROVIDER_QUERY_INTERVAL_MS } from '../deploy/provider';
import type { RequestProgress } from '../deploy/types';
import { createManualClock } from '../emulator/clock';
import { startEmulator } from '../emulator/server';
import type { Emulator, ManualClock } from '../emulator/types';
import type { AssemblyStack } from './assembly';

/** How long a claim or a move stays IN_PROGRESS in the stand-in, in simulated time. */
export const SIMULATED_ASYNC_MS = 30_000;
/** How often the Provider's waiter polls isComplete (lib/private/provider.ts: every 20 seconds). */
export const POLL_INTERVAL_MS = PROVIDER_QUERY_INTERVAL_MS;
/** Polls before the waiter gives up: 45 minutes at 20 s (lib/private/provider.ts). */
export const MAX_POLLS = DEFAULT_TOTAL_TIMEOUT_MS / PROVIDER_QUERY_INTERVAL_MS;

/** A clock the deployer advances (time compressed) that can later follow real time (--keep). */
export interface SimulatedClock extends ManualClock {
  /** From now on the clock also moves with real time. */
  followRealTime(): void;
}

export function createSimulatedClock(startEpochMs: number): SimulatedClock {
  const manual = createManualClock(startEpochMs);
  let realAnchor: number | undefined;
  return {
    now: () => manual.now() + (realAnchor === undefined ? 0 : Date.now() - realAnchor),
    advance: (ms) => manual.advance(ms),
    set: (epochMs) => manual.set(epochMs),
    followRealTime: () => {
      realAnchor ??= Date.now();
    },
  };
}

export interface StandIn<Seeded = unknown> {
  readonly emulator: Emulator;
  /** What the seed function returned. */
  readonly seeded: Seeded;
  readonly clock: SimulatedClock;
  readonly startedAt: number;
  /** The variables that point the AWS SDK / CLI at the stand-in (also set in this process for the handler). */
  readonly sdkEnvironment: Readonly<Record<string, string>>;
  /** A deployer for one stack, through its handler bundle (loaded now, so it reads the environment above). */
  deployer(stack: AssemblyStack, onRequest: (progress: RequestProgress) => void): LocalDeployer;
  stop(): Promise<void>;
}

export const LOCAL_ACCESS_KEY_ID = 'AKIALOCALSTANDIN0001';

/**
 * Starts the emulator for this account (and the stack's region as the SDK default), seeds it, and
 * sets the handler's environment in this process. The handler's retries back off in milliseconds; its
 * logs are silenced (failures reach the output as the reason CloudFormation would show).
 */
export async function startStandIn<Seeded>(
  scope: { readonly accountId: string; readonly region: string },
  seed: (emulator: Emulator) => Seeded,
): Promise<StandIn<Seeded>> {
  const startedAt = Date.now();
  const clock = createSimulatedClock(startedAt);
  // rateScale: the handler's retries would otherwise dominate a compressed run; throttling is not what this shows.
  const emulator = await startEmulator({
    port: 0,
    clock,
    defaultAccountId: scope.accountId,
    asyncDelayMs: SIMULATED_ASYNC_MS,
    rateScale: 1000,
  });
  let seeded: Seeded;
  try {
    seeded = seed(emulator);
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  const sdkEnvironment = {
    AWS_ENDPOINT_URL_CONNECT: emulator.endpoint,
    AWS_ENDPOINT_URL_CHIME_SDK_VOICE: emulator.endpoint,
    // The handler reads its own stack's status and template (rollbacks, renames) from here.
    AWS_ENDPOINT_URL_CLOUDFORMATION: emulator.endpoint,
    // Any other service the SDK might be asked for goes to the stand-in too (it answers unknown operations
    // with 404): nothing leaves the machine.
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: 'local-stand-in-secret',
    AWS_REGION: scope.region,
  };
  for (const key of ['AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[key];
  Object.assign(process.env, sdkEnvironment, {
    // Time passes only between the waiter's polls (the stand-in's clock): no waiting inside an invocation.
    ...settingsEnvironment({ retryBaseDelayMs: 1, settleWaitMs: 0 }),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // The SDK's notice that its 2027 releases need Node 22 says nothing about this run.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  return {
    emulator,
    seeded,
    clock,
    startedAt,
    sdkEnvironment,
    deployer(stack, onRequest) {
      process.env.AWS_REGION = stack.region;
      return new LocalDeployer({
        handler: loadHandlerBundle(stack.handlerFile, stack.handlerEntry),
        stackName: stack.name,
        region: stack.region,
        accountId: stack.account,
        clock,
        pollIntervalMs: POLL_INTERVAL_MS,
        maxPolls: MAX_POLLS,
        stacks: emulator.stacks,
        onRequest,
      });
    },
    stop: () => emulator.stop(),
  };
}
