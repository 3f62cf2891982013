/**
 * Fleet: n ClaimedPhoneNumber + n PhoneNumberFlowBinding + one VoiceConnectorNumbers of n numbers,
 * deployed and destroyed through the local deploy, every resource CloudFormation can run at once in
 * flight, against the emulator's Connect quota shape compressed k times, with the stand-in's claim,
 * move and release latencies (./settings REALISTIC_LATENCY, compressed alike). Then the same fleet
 * written the way users write it today (AwsCustomResource, ./naive-handler), at the SDK's default
 * retries and again with AWS_MAX_ATTEMPTS=10, each on a fresh emulator with the same settings.
 *
 * Scale: the same shape split over several stacks deploying at once against one emulator (one
 * account: the quotas are shared), then destroyed at once.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId, PhysicalResourceIdReference } from 'aws-cdk-lib/custom-resources';
import { DEFAULT_RETRY_BASE_DELAY_MS } from '../lambda/clients';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../lib';
import { DeployFailedError, LocalDeployer, loadHandlerBundle, loadTemplate, type CfnTemplate, type RequestLogEntry } from '../local/deploy';
import { RateLimiter } from '../local/emulator/rate-limit';
import { CallAttribution, copyCalls, type CallsByType } from './attribution';
import { boundSeconds, countCalls, fleetMinimumCalls, type Bound, type Phase } from './bound';
import type { RemoteEmulator } from './remote-emulator';
import { LambdaPool, type Invocation, type Invoke } from './lambda-pool';
import { handler as naiveHandler } from './naive-handler';
import {
  ACCOUNT,
  CONNECTOR_ID,
  FLOW_ID,
  INSTANCE_ID,
  REGION,
  REALISTIC_LATENCY,
  emulatorOptions,
  handlerEnvironment,
  seed,
  startBenchEmulator,
  type Latency,
  type Seeded,
} from './settings';

export const BUNDLE = path.join(__dirname, '..', 'dist', 'handler', 'index.js');

/**
 * Custom resources in flight at once. CloudFormation starts every resource whose dependencies are
 * met and documents no cap per stack (a per-type concurrency limit is an open feature request:
 * aws-cloudformation/cloudformation-coverage-roadmap#522), so the benchmark lets all of them run:
 * the worst case for throttling (docs/service-facts.md: "a stack with 100 numbers hits these quotas at once").
 */
export const CLOUDFORMATION_CONCURRENCY = 500;
/** The Provider's isComplete poll interval in real time (lib/private/provider.ts QUERY_INTERVAL). */
export const QUERY_INTERVAL_MS = 20_000;
/** The Provider's total timeout over its poll interval (45 min / 20 s). */
export const MAX_POLLS = 135;
/** The handler's retry base delay in real time. */
export const RETRY_BASE_DELAY_MS = DEFAULT_RETRY_BASE_DELAY_MS;

export interface RunResult {
  readonly seconds: number;
  readonly deploySeconds: number;
  readonly destroySeconds: number;
  /** Requests CloudFormation got FAILED back for (creates, updates, deletes, rollback deletes). */
  readonly failures: number;
  /** The first failure reasons, one line each. */
  readonly reasons: string[];
  readonly deployed: boolean;
  /** Lambda containers started, and the most invocations in flight at once. */
  readonly containers: number;
  readonly peakConcurrency: number;
  /** `service:Operation` -> { answered, throttled } over the whole run. */
  readonly calls: Record<string, { answered: number; throttled: number }>;
  /** The answered calls of each phase (deploy, destroy): what the handler asked of each API. */
  readonly phaseCalls: Phase[];
  /** The answered and throttled calls of each phase per resource type that made them (./attribution). */
  readonly callsByType: { deploy: CallsByType; destroy: CallsByType };
  /** The same per `ResourceType/RequestType/onEvent|isComplete`. */
  readonly callsByRequest: { deploy: CallsByType; destroy: CallsByType };
  /** Numbers left claimed after the run (nothing should be). */
  readonly leftClaimed: number;
  /** Every handler invocation (for the timeline). */
  readonly invocations: Invocation[];
}

/** The naive peer's runs: the SDK's default retries (3 attempts), and AWS_MAX_ATTEMPTS=10. */
export interface Peers {
  readonly defaultRetries: RunResult;
  readonly maxAttempts10: RunResult;
}

export interface FleetResult {
  readonly resources: number;
  readonly rateScale: number;
  /** The latencies the run had, in real seconds (the emulator had them divided by rateScale). */
  readonly latency: Latency;
  readonly bound: Bound;
  readonly ours: RunResult;
  /** The peer at the SDK's default retries (peers.defaultRetries). */
  readonly naive: RunResult;
  readonly peers: Peers;
}

/** One stack of a run: its name, and which numbers (by index into the seeded ones) and connector it holds. */
export interface StackPart {
  readonly name: string;
  readonly from: number;
  readonly count: number;
  readonly connectorId: string;
}

/** What a run deploys and how. */
export interface RunSpec {
  readonly kind: 'ours' | 'naive';
  readonly stacks: readonly StackPart[];
  readonly rateScale: number;
  readonly latency: Latency;
  /** Variables set for the run on top of the handler's environment (AWS_MAX_ATTEMPTS for a peer). */
  readonly env?: Record<string, string>;
}

/** `count` numbers split into `stacks` stacks named `<prefix><i>`, each with a connector of its own. */
export function splitStacks(prefix: string, count: number, stacks: number, connectorIds: readonly string[]): StackPart[] {
  if (!Number.isInteger(stacks) || stacks < 1) throw new Error(`stacks must be a whole number >= 1, got ${stacks}`);
  if (connectorIds.length < stacks) throw new Error(`${stacks} stacks need ${stacks} connector ids, got ${connectorIds.length}`);
  const per = Math.ceil(count / stacks);
  return Array.from({ length: stacks }, (_, i) => ({
    name: stacks === 1 ? prefix : `${prefix}${i + 1}`,
    from: i * per,
    count: Math.max(0, Math.min(per, count - i * per)),
    connectorId: connectorIds[i],
  }));
}

/** A Chime SDK Voice connector id (21-22 lowercase alphanumerics) for stack `i` of a split fleet. */
export const scaleConnectorId = (i: number): string => `benchconnector${String(i).padStart(8, '0')}`;

function stack(name: string): Stack {
  return new Stack(new App(), name, { env: { account: ACCOUNT, region: REGION } });
}

const FLEET_PART = (n: number, name: string): StackPart => ({ name, from: 0, count: n, connectorId: CONNECTOR_ID });

/** The fleet with this library's constructs (by default the whole of it, in the stack 'Fleet'). */
export function fleetTemplate(s: Seeded, n: number, part: StackPart = FLEET_PART(n, 'Fleet')): CfnTemplate {
  const st = stack(part.name);
  for (let i = part.from; i < part.from + part.count; i++) {
    const number = new ClaimedPhoneNumber(st, `Number${i}`, {
      targetArn: s.instanceArn,
      phoneNumber: s.connectNumbers[i],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new PhoneNumberFlowBinding(st, `Binding${i}`, { phoneNumber: number, contactFlowArn: s.flowArn });
  }
  new VoiceConnectorNumbers(st, 'Trunk', {
    voiceConnectorId: part.connectorId,
    phoneNumbers: s.chimeNumbers.slice(part.from, part.from + part.count),
  });
  return loadTemplate(st);
}

/** The same fleet as users write it with AwsCustomResource: one SDK call per event. */
export function naiveFleetTemplate(s: Seeded, n: number, part: StackPart = FLEET_PART(n, 'NaiveFleet')): CfnTemplate {
  const st = stack(part.name);
  const policy = AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE });
  for (let i = part.from; i < part.from + part.count; i++) {
    const claim = new AwsCustomResource(st, `Number${i}`, {
      onCreate: {
        service: 'Connect',
        action: 'ClaimPhoneNumber',
        parameters: { TargetArn: s.instanceArn, PhoneNumber: s.connectNumbers[i] },
        physicalResourceId: PhysicalResourceId.fromResponse('PhoneNumberArn'),
      },
      onDelete: { service: 'Connect', action: 'ReleasePhoneNumber', parameters: { PhoneNumberId: new PhysicalResourceIdReference() } },
      policy,
      installLatestAwsSdk: false,
    });
    const binding = { PhoneNumberId: claim.getResponseField('PhoneNumberArn'), InstanceId: INSTANCE_ID };
    new AwsCustomResource(st, `Binding${i}`, {
      onCreate: {
        service: 'Connect',
        action: 'AssociatePhoneNumberContactFlow',
        parameters: { ...binding, ContactFlowId: FLOW_ID },
        physicalResourceId: PhysicalResourceId.of(`binding-${i}`),
      },
      onDelete: { service: 'Connect', action: 'DisassociatePhoneNumberContactFlow', parameters: binding },
      policy,
      installLatestAwsSdk: false,
    });
  }
  const trunk = { VoiceConnectorId: part.connectorId, E164PhoneNumbers: s.chimeNumbers.slice(part.from, part.from + part.count) };
  new AwsCustomResource(st, 'Trunk', {
    onCreate: {
      service: 'ChimeSDKVoice',
      action: 'AssociatePhoneNumbersWithVoiceConnector',
      parameters: trunk,
      physicalResourceId: PhysicalResourceId.of('trunk'),
    },
    onDelete: { service: 'ChimeSDKVoice', action: 'DisassociatePhoneNumbersFromVoiceConnector', parameters: trunk },
    policy,
    installLatestAwsSdk: false,
  });
  return loadTemplate(st);
}

/** Adds a phase's calls to `into`, per API; answers the phase's answered calls per API. */
async function summarizeCalls(
  emu: RemoteEmulator,
  into: Record<string, { answered: number; throttled: number }>,
): Promise<ReturnType<typeof countCalls>> {
  const log = await emu.calls();
  const answered = countCalls(log, (status) => status !== 429);
  const throttled = countCalls(log, (status) => status === 429);
  for (const api of new Set([...Object.keys(answered), ...Object.keys(throttled)])) {
    const entry = (into[api] ??= { answered: 0, throttled: 0 });
    entry.answered += answered[api] ?? 0;
    entry.throttled += throttled[api] ?? 0;
  }
  return answered;
}

const oneLine = (reason: string | undefined): string => (reason ?? '').split('\n')[0].slice(0, 200);

/** The stacks' deployers, each with its own pool of containers (one handler function per stack, as deployed). */
function deployersFor(
  spec: RunSpec,
  emu: RemoteEmulator,
  attribution: CallAttribution,
): Array<{ deployer: LocalDeployer; pool: LambdaPool }> {
  return spec.stacks.map((part) => {
    const pool = new LambdaPool(
      spec.kind === 'ours' ? () => loadHandlerBundle(BUNDLE, 'handler', 'in-process') as Invoke : () => naiveHandler as Invoke,
    );
    // Every number and the trunk start at once; the bindings reuse their containers.
    pool.prewarm(part.count + 1);
    const deployer = new LocalDeployer({
      handler: (event: unknown) => attribution.run(event, () => pool.handler(event)),
      singleFunctionIsComplete: spec.kind === 'ours',
      stackName: part.name,
      region: REGION,
      accountId: ACCOUNT,
      concurrency: CLOUDFORMATION_CONCURRENCY,
      stacks: emu.stacks,
      pollIntervalMs: QUERY_INTERVAL_MS / spec.rateScale,
      maxPolls: MAX_POLLS,
    });
    return { deployer, pool };
  });
}

/** Deploys every stack at once; tells which deployed. */
async function deployAll(deployers: LocalDeployer[], templates: CfnTemplate[]): Promise<boolean[]> {
  return Promise.all(
    deployers.map(async (d, i) => {
      try {
        await d.deploy(templates[i]);
        return true;
      } catch (err) {
        if (!(err instanceof DeployFailedError)) throw err;
        return false;
      }
    }),
  );
}

/** Destroys every stack that deployed, at once. */
async function destroyAll(deployers: LocalDeployer[], deployed: boolean[], label: string): Promise<void> {
  await Promise.all(
    deployers.map(async (d, i) => {
      if (!deployed[i]) return;
      try {
        await d.destroy();
      } catch (err) {
        process.stderr.write(`${label}: destroy of ${i + 1} failed: ${oneLine((err as Error).message)}\n`);
      }
    }),
  );
}

/** Deploys and destroys the stacks of `spec` on a fresh emulator; counts the time, the calls and what is left. */
export async function runStacks(spec: RunSpec): Promise<RunResult> {
  const total = spec.stacks.reduce((sum, p) => Math.max(sum, p.from + p.count), 0);
  const emu = await startBenchEmulator(spec.rateScale, spec.latency);
  const saved = { ...process.env };
  const attribution = new CallAttribution();
  attribution.install();
  try {
    const seeded = await seed(emu, total, total);
    for (const part of spec.stacks)
      if (part.connectorId !== CONNECTOR_ID) await emu.seedVoiceConnector({ voiceConnectorId: part.connectorId });
    Object.assign(process.env, handlerEnvironment(emu.endpoint, RETRY_BASE_DELAY_MS / spec.rateScale, spec.rateScale), spec.env ?? {});
    const runs = deployersFor(spec, emu, attribution);
    const templates = spec.stacks.map((part) =>
      spec.kind === 'ours' ? fleetTemplate(seeded, total, part) : naiveFleetTemplate(seeded, total, part),
    );
    const deployers = runs.map((r) => r.deployer);
    const calls: Record<string, { answered: number; throttled: number }> = {};

    const started = performance.now();
    const deployedEach = await deployAll(deployers, templates);
    const deployEnded = performance.now();
    const deployCalls = await summarizeCalls(emu, calls);
    const deployByType = copyCalls(attribution.calls);
    const deployByRequest = copyCalls(attribution.byPhase);
    attribution.clear();
    await emu.clearCalls();
    await destroyAll(deployers, deployedEach, spec.kind);
    const ended = performance.now();
    const destroyCalls = await summarizeCalls(emu, calls);

    const failed = deployers.flatMap((d) => d.requests.filter((r: RequestLogEntry) => r.status === 'FAILED'));
    return {
      seconds: (ended - started) / 1000,
      deploySeconds: (deployEnded - started) / 1000,
      destroySeconds: (ended - deployEnded) / 1000,
      failures: failed.length,
      reasons: [...new Set(failed.map((r) => oneLine(r.reason)))].slice(0, 3),
      deployed: deployedEach.every(Boolean),
      containers: runs.reduce((sum, r) => sum + r.pool.containers, 0),
      peakConcurrency: runs.reduce((sum, r) => sum + r.pool.peakConcurrency, 0),
      calls,
      phaseCalls: [
        { name: 'deploy', calls: deployCalls },
        { name: 'destroy', calls: destroyCalls },
      ],
      callsByType: { deploy: deployByType, destroy: copyCalls(attribution.calls) },
      callsByRequest: { deploy: deployByRequest, destroy: copyCalls(attribution.byPhase) },
      leftClaimed: (await emu.snapshot()).claimed.length,
      invocations: runs.flatMap((r) => r.pool.invocations),
    };
  } finally {
    attribution.uninstall();
    process.env = saved;
    await emu.stop();
  }
}

/** The bound the emulator's quotas at this scale put on these phases' calls. */
export function quotaBound(phases: Phase[], rateScale: number): Bound {
  const limiter = new RateLimiter({ ...emulatorOptions(rateScale), clock: { now: () => 0 } });
  return boundSeconds(phases, (api) => {
    const [service, operation] = api.split(':');
    return limiter.limitFor(service as 'connect' | 'chime', operation);
  });
}

/**
 * The bound of the fleet: the fewest calls it needs, under the emulator's quotas at this scale, with the
 * latencies on the same compressed clock. `connectors`: one Chime call per connector and phase.
 */
export function fleetBound(n: number, rateScale: number, latency: Latency = REALISTIC_LATENCY, connectors = 1): Bound {
  const phases = fleetMinimumCalls(n, {
    claimSeconds: latency.claimSeconds / rateScale,
    releaseSeconds: latency.releaseSeconds / rateScale,
  }).map((p) => ({
    ...p,
    calls: Object.fromEntries(Object.entries(p.calls).map(([api, c]) => [api, api.startsWith('chime:') ? c * connectors : c])),
  }));
  return quotaBound(phases, rateScale);
}

/** Calls answered and throttled over all APIs of a run. */
export function totals(calls: RunResult['calls']): { calls: number; throttled: number } {
  const all = Object.values(calls);
  return { calls: all.reduce((n, c) => n + c.answered, 0), throttled: all.reduce((n, c) => n + c.throttled, 0) };
}

/** AWS_MAX_ATTEMPTS for the peer's second run: what a user raises first when the default fails. */
export const PEER_MAX_ATTEMPTS = 10;

export async function benchFleet(n: number, rateScale: number, latency: Latency = REALISTIC_LATENCY): Promise<FleetResult> {
  const spec = (kind: 'ours' | 'naive', name: string, env?: Record<string, string>): RunSpec => ({
    kind,
    stacks: [FLEET_PART(n, name)],
    rateScale,
    latency,
    env,
  });
  const ours = await runStacks(spec('ours', 'Fleet'));
  const defaultRetries = await runStacks(spec('naive', 'NaiveFleet'));
  const maxAttempts10 = await runStacks(spec('naive', 'NaiveFleet', { AWS_MAX_ATTEMPTS: String(PEER_MAX_ATTEMPTS) }));
  return {
    resources: 2 * n + 1,
    rateScale,
    latency,
    bound: fleetBound(n, rateScale, latency),
    ours,
    naive: defaultRetries,
    peers: { defaultRetries, maxAttempts10 },
  };
}

export interface ScaleResult {
  readonly numbers: number;
  readonly stacks: number;
  readonly resources: number;
  readonly rateScale: number;
  readonly latency: Latency;
  readonly bound: Bound;
  readonly run: RunResult;
}

/** `numbers` numbers (each with a binding, a connector per stack) in `stacks` stacks deploying at once against one account. */
export async function benchScale(
  numbers: number,
  stacks: number,
  rateScale: number,
  latency: Latency = REALISTIC_LATENCY,
): Promise<ScaleResult> {
  const parts = splitStacks(
    'Scale',
    numbers,
    stacks,
    Array.from({ length: stacks }, (_, i) => scaleConnectorId(i)),
  );
  const run = await runStacks({ kind: 'ours', stacks: parts, rateScale, latency });
  return {
    numbers,
    stacks,
    resources: 2 * numbers + stacks,
    rateScale,
    latency,
    bound: fleetBound(numbers, rateScale, latency, stacks),
    run,
  };
}
