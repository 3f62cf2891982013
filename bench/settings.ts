/**
 * Everything the benchmarks ask of the local emulator, in one place: its options (quota shape, time
 * compression, number quotas) and what each scenario seeds. A new emulator knob (e.g. a per-instance
 * number quota) is a one-line change here.
 */
import { DEFAULT_SETTLE_POLL_MS, DEFAULT_SETTLE_WAIT_MS } from '../lambda/deadline';
import { settingsEnvironment } from '../lambda/settings';
import type { EmulatorOptions } from '../local/emulator';
import { SIMULATED_ASYNC_MS, SIMULATED_RELEASE_MS } from '../local/start/stand-in';
import { startEmulatorThread, type RemoteEmulator } from './remote-emulator';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const INSTANCE_ID = '6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7';
export const OTHER_INSTANCE_ID = '7a2d3c4b-5e6f-4a71-9b82-a3c4d5e6f708';
export const FLOW_ID = '0b1c2d3e-4f50-4617-a829-3a4b5c6d7e8f';
export const OTHER_FLOW_ID = '1c2d3e4f-5061-4728-b93a-4b5c6d7e8f90';
/** In the other instance: where a moved number is bound. */
export const MOVED_FLOW_ID = '2d3e4f50-6172-4839-8a4b-5c6d7e8f9a01';
/** Chime SDK Voice connector ids are 21-22 lowercase alphanumerics. */
export const CONNECTOR_ID = 'abcdef1ghij2klmno3pqr4';
export const OTHER_CONNECTOR_ID = 'zyxwvu9tsrq8ponml7kji6';

/**
 * Time compression of the fleet run: the emulator's rates and bursts are multiplied by k, and every
 * wait that CloudFormation, the Provider framework and the handler make is divided by k (poll
 * interval, the handler's retry base delay), so a k-times-shorter run keeps the real run's shape.
 */
export const RATE_SCALE = 1.5;

/**
 * Time compression of the scale run (1,000 numbers): the same scaling, stronger, so that a run bound
 * by ten minutes of quotas takes about two.
 */
export const SCALE_RATE_SCALE = 5;

/**
 * How long a claim, a move and a release stay IN_PROGRESS, in real seconds: the stand-in's (`npm start`,
 * local/start/stand-in.ts). AWS publishes no duration (docs/service-facts.md); the Terraform AWS provider
 * gives each of them 2 minutes before it gives up (internal/service/connect/wait.go), and 30 s sits inside.
 */
export interface Latency {
  readonly claimSeconds: number;
  readonly moveSeconds: number;
  readonly releaseSeconds: number;
}

export const REALISTIC_LATENCY: Latency = {
  claimSeconds: SIMULATED_ASYNC_MS / 1000,
  moveSeconds: SIMULATED_ASYNC_MS / 1000,
  releaseSeconds: SIMULATED_RELEASE_MS / 1000,
};

/** No latency: a claim is CLAIMED and a release done at the first look (the cold start measures CPU, not waits). */
export const NO_LATENCY: Latency = { claimSeconds: 0, moveSeconds: 0, releaseSeconds: 0 };

/** A latency on the compressed clock of `rateScale` (every wait divided by k, see RATE_SCALE), in ms. */
export function scaledDelaysMs(
  latency: Latency,
  rateScale: number,
): Pick<EmulatorOptions, 'claimDelayMs' | 'moveDelayMs' | 'releaseDelayMs'> {
  if (!(rateScale > 0)) throw new Error(`rateScale must be positive, got ${rateScale}`);
  const ms = (seconds: number) => Math.round((seconds * 1000) / rateScale);
  return { claimDelayMs: ms(latency.claimSeconds), moveDelayMs: ms(latency.moveSeconds), releaseDelayMs: ms(latency.releaseSeconds) };
}

/**
 * Emulator options of every benchmark. `rateScale` compresses time (see RATE_SCALE), the latencies with
 * it; the account's number quota is raised so that the churn rule (claims + releases over 200% of the
 * quota block claims, docs/service-facts.md) does not stop a benchmark that claims and releases hundreds
 * of numbers on purpose.
 */
export function emulatorOptions(rateScale: number, latency: Latency = REALISTIC_LATENCY): EmulatorOptions {
  return {
    port: 0,
    rateScale,
    phoneNumberQuota: 100_000,
    // The numbers-per-instance quota (5 by default, docs/service-facts.md) raised as an account would
    // have it raised before claiming a fleet into one instance.
    phoneNumbersPerTarget: 10_000,
    asyncDelayMs: 0,
    ...scaledDelaysMs(latency, rateScale),
  };
}

/** The emulator of a benchmark, in its own thread (./remote-emulator). */
export function startBenchEmulator(rateScale: number, latency: Latency = REALISTIC_LATENCY): Promise<RemoteEmulator> {
  return startEmulatorThread(emulatorOptions(rateScale, latency));
}

/** `count` E.164 numbers from `+1<area>555<0000..>`. */
export function numbers(area: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+1${area}555${String(from + i).padStart(4, '0')}`);
}

export interface Seeded {
  readonly instanceArn: string;
  readonly otherInstanceArn: string;
  readonly flowArn: string;
  readonly otherFlowArn: string;
  readonly movedFlowArn: string;
  /** Available in Connect's inventory. */
  readonly connectNumbers: string[];
  /** In the account's Chime SDK Voice inventory. */
  readonly chimeNumbers: string[];
}

/** Two instances with flows, two voice connectors, and the numbers a scenario needs. */
export async function seed(emu: RemoteEmulator, connectCount: number, chimeCount: number): Promise<Seeded> {
  const instanceArn = await emu.seedInstance({ instanceId: INSTANCE_ID });
  const otherInstanceArn = await emu.seedInstance({ instanceId: OTHER_INSTANCE_ID });
  const flowArn = await emu.seedContactFlow({ instanceId: INSTANCE_ID, contactFlowId: FLOW_ID });
  const otherFlowArn = await emu.seedContactFlow({ instanceId: INSTANCE_ID, contactFlowId: OTHER_FLOW_ID });
  const movedFlowArn = await emu.seedContactFlow({ instanceId: OTHER_INSTANCE_ID, contactFlowId: MOVED_FLOW_ID });
  await emu.seedVoiceConnector({ voiceConnectorId: CONNECTOR_ID });
  await emu.seedVoiceConnector({ voiceConnectorId: OTHER_CONNECTOR_ID });
  const connectNumbers = numbers('206', connectCount);
  await emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: connectNumbers });
  const chimeNumbers = numbers('312', chimeCount);
  await Promise.all(chimeNumbers.map((phoneNumber) => emu.seedChimeNumber({ phoneNumber })));
  return { instanceArn, otherInstanceArn, flowArn, otherFlowArn, movedFlowArn, connectNumbers, chimeNumbers };
}

/**
 * The environment the handler (and the naive peer) read: endpoints (CloudFormation's too: the handler
 * reads its stack), credentials, region, log level.
 */
export function handlerEnvironment(endpoint: string, retryBaseDelayMs: number, timeScale = 1): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLEBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_CONNECT: endpoint,
    AWS_ENDPOINT_URL_CHIME_SDK_VOICE: endpoint,
    AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...settingsEnvironment({
      // Whole milliseconds: the handler's settings parser takes nothing else.
      retryBaseDelayMs: Math.round(retryBaseDelayMs),
      // A create waits for its claim in the invocation that made it (lambda/deadline.ts): on the bench's
      // compressed time, checks as often as the handler's default (5 s), and for as long (3 minutes),
      // both scaled like the waiter's interval.
      settlePollMs: Math.max(1, Math.round(DEFAULT_SETTLE_POLL_MS / timeScale)),
      settleWaitMs: Math.round(DEFAULT_SETTLE_WAIT_MS / timeScale),
    }),
  };
}
