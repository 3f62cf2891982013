/**
 * Fleet: n ClaimedPhoneNumber + n PhoneNumberFlowBinding + one VoiceConnectorNumbers of n numbers,
 * deployed and destroyed through the local deploy, every resource CloudFormation can run at once in
 * flight, against the emulator's Connect quota shape compressed k times. Then the same fleet written
 * the way users write it today (AwsCustomResource, ./naive-handler), on a fresh emulator with the
 * same settings.
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
  emulatorOptions,
  handlerEnvironment,
  seed,
  startBenchEmulator,
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

export interface FleetResult {
  readonly resources: number;
  readonly rateScale: number;
  readonly bound: Bound;
  readonly ours: RunResult;
  readonly naive: RunResult;
}

function stack(name: string): Stack {
  return new Stack(new App(), name, { env: { account: ACCOUNT, region: REGION } });
}

/** The fleet with this library's constructs. */
export function fleetTemplate(s: Seeded, n: number): CfnTemplate {
  const st = stack('Fleet');
  for (let i = 0; i < n; i++) {
    const number = new ClaimedPhoneNumber(st, `Number${i}`, {
      targetArn: s.instanceArn,
      phoneNumber: s.connectNumbers[i],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new PhoneNumberFlowBinding(st, `Binding${i}`, { phoneNumber: number, contactFlowArn: s.flowArn });
  }
  new VoiceConnectorNumbers(st, 'Trunk', { voiceConnectorId: CONNECTOR_ID, phoneNumbers: s.chimeNumbers.slice(0, n) });
  return loadTemplate(st);
}

/** The same fleet as users write it with AwsCustomResource: one SDK call per event. */
export function naiveFleetTemplate(s: Seeded, n: number): CfnTemplate {
  const st = stack('NaiveFleet');
  const policy = AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE });
  for (let i = 0; i < n; i++) {
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
  const trunk = { VoiceConnectorId: CONNECTOR_ID, E164PhoneNumbers: s.chimeNumbers.slice(0, n) };
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

async function run(kind: 'ours' | 'naive', n: number, rateScale: number): Promise<RunResult> {
  const emu = await startBenchEmulator(rateScale);
  const saved = { ...process.env };
  const attribution = new CallAttribution();
  attribution.install();
  try {
    const seeded = await seed(emu, n, n);
    Object.assign(process.env, handlerEnvironment(emu.endpoint, Math.round(RETRY_BASE_DELAY_MS / rateScale), rateScale));
    const pool = new LambdaPool(
      kind === 'ours' ? () => loadHandlerBundle(BUNDLE, 'handler', 'in-process') as Invoke : () => naiveHandler as Invoke,
    );
    const deployer = new LocalDeployer({
      handler: (event: unknown) => attribution.run(event, () => pool.handler(event)),
      singleFunctionIsComplete: kind === 'ours',
      stackName: kind === 'ours' ? 'Fleet' : 'NaiveFleet',
      region: REGION,
      accountId: ACCOUNT,
      concurrency: CLOUDFORMATION_CONCURRENCY,
      stacks: emu.stacks,
      pollIntervalMs: QUERY_INTERVAL_MS / rateScale,
      maxPolls: MAX_POLLS,
    });
    const template = kind === 'ours' ? fleetTemplate(seeded, n) : naiveFleetTemplate(seeded, n);
    // Every number and the trunk start at once; the bindings reuse their containers.
    pool.prewarm(n + 1);
    const calls: Record<string, { answered: number; throttled: number }> = {};

    const started = performance.now();
    let deployed = true;
    try {
      await deployer.deploy(template);
    } catch (err) {
      if (!(err instanceof DeployFailedError)) throw err;
      deployed = false;
    }
    const deployEnded = performance.now();
    const deployCalls = await summarizeCalls(emu, calls);
    const deployByType = copyCalls(attribution.calls);
    const deployByRequest = copyCalls(attribution.byPhase);
    attribution.clear();
    await emu.clearCalls();
    if (deployed) {
      try {
        await deployer.destroy();
      } catch (err) {
        process.stderr.write(`${kind}: destroy failed: ${oneLine((err as Error).message)}\n`);
      }
    }
    const ended = performance.now();
    const destroyCalls = await summarizeCalls(emu, calls);

    const failed = deployer.requests.filter((r: RequestLogEntry) => r.status === 'FAILED');
    return {
      seconds: (ended - started) / 1000,
      deploySeconds: (deployEnded - started) / 1000,
      destroySeconds: (ended - deployEnded) / 1000,
      failures: failed.length,
      reasons: [...new Set(failed.map((r) => oneLine(r.reason)))].slice(0, 3),
      deployed,
      containers: pool.containers,
      peakConcurrency: pool.peakConcurrency,
      calls,
      phaseCalls: [
        { name: 'deploy', calls: deployCalls },
        { name: 'destroy', calls: destroyCalls },
      ],
      callsByType: { deploy: deployByType, destroy: copyCalls(attribution.calls) },
      callsByRequest: { deploy: deployByRequest, destroy: copyCalls(attribution.byPhase) },
      leftClaimed: (await emu.snapshot()).claimed.length,
      invocations: pool.invocations,
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

/** The bound of the fleet: the fewest calls it needs, under the emulator's quotas at this scale. */
export function fleetBound(n: number, rateScale: number): Bound {
  return quotaBound(fleetMinimumCalls(n), rateScale);
}

export async function benchFleet(n: number, rateScale: number): Promise<FleetResult> {
  const ours = await run('ours', n, rateScale);
  const naive = await run('naive', n, rateScale);
  return { resources: 2 * n + 1, rateScale, bound: fleetBound(n, rateScale), ours, naive };
}
