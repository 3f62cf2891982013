/**
 * Runs contract scenarios: the REAL handler bundle through local/deploy against a fresh emulator (with
 * the stack's CloudFormation state served to the handler), one lifecycle step with at most one fault,
 * then checks what must hold whatever the fault (./invariants.ts, each invariant a named check):
 * - the stack never ends *_FAILED;
 * - after success, AWS matches every declaration; after a rollback, AWS is as before the deploy
 *   (claims, targets, descriptions, tags, owners, flows, connector associations);
 * - no number is claimed and owned by this stack without a resource declaring it (or a policy keeping it);
 * - what others hold (a number another stack owns and binds, a number on someone else's connector) is
 *   untouched.
 */
import { settingsEnvironment } from '../../lambda/settings';
import * as path from 'node:path';
import { LocalDeployer, PROVIDER_QUERY_INTERVAL_MS } from '../deploy';
import type { LambdaContext, RequestProgress, SingleFunctionHandler } from '../deploy';
import { createManualClock, startEmulator } from '../emulator';
import type { Emulator } from '../emulator';
import { bundleEnvironment, LambdaFunction } from '../lambda-host';
import { BREAKER_ID, templateOf } from './cases';
import type { LifecycleCase } from './cases';
import { faultsAt, replays } from './faults';
import type { PlannedFault, RecordedCall } from './faults';
import { checkStep } from './invariants';
import { capture } from './view';
import { ACCOUNT, CREDENTIALS, REGION, STACK_NAME, createSeedClients, seedWorld } from './world';
import type { SeedClients } from './world';

export const DEFAULT_BUNDLE = path.join(__dirname, '..', '..', 'dist', 'handler', 'index.js');
const CLAIM_DELAY_MS = 20_000;
const REQUEST_TIMEOUT_MS = 240_000;

export interface Violation {
  readonly scenario: string;
  readonly problem: string;
  /** Where to look. */
  readonly hint: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly violations: Violation[];
  /** The AWS calls of the step's deploy, in order per service. */
  readonly calls: RecordedCall[];
  /** Handler invocations during the step's deploy. */
  readonly invocations: number;
  readonly outcome: string;
}

export interface RunOptions {
  /** The handler bundle. @default dist/handler/index.js */
  readonly bundle?: string;
  /** replacementRollback of the deployer, for cases that do not set it. @default 'delete' */
  readonly replacementRollback?: 'delete' | 'update-then-delete';
}

const scenarioName = (c: LifecycleCase, fault?: PlannedFault): string =>
  fault ? `${c.name} @ ${fault.at} ${fault.name}` : `${c.name} (clean)`;

function setEnv(endpoint: string): () => void {
  const vars: Record<string, string> = {
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_CONNECT: endpoint,
    AWS_ENDPOINT_URL_CHIME_SDK_VOICE: endpoint,
    AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...settingsEnvironment({
      retryBaseDelayMs: 0,
      // Time passes only between the waiter's polls (the manual clock): no waiting inside an invocation.
      settleWaitMs: 0,
      // Longer than a suite runs (a call left hanging stays frozen until the worker is terminated), shorter
      // than the handler's invocation budget, so that its SDK retries still run (lambda/clients.ts).
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    }),
  };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/**
 * An emulator and a loaded handler bundle whose SDK clients point at it, shared by scenarios (the
 * emulator is reset between them; the bundle stays warm, as a Lambda container does). The bundle runs
 * in a worker thread by default, so that stop() kills what abandoned invocations left running.
 */
export class Harness {
  private constructor(
    readonly emu: Emulator,
    readonly clock: ReturnType<typeof createManualClock>,
    readonly bundle: SingleFunctionHandler,
    private readonly restoreEnv: () => void,
    private readonly seedClients: SeedClients,
    private readonly stopWorker?: () => Promise<unknown>,
  ) {}

  /**
   * @param isolated run the bundle in a worker thread (local/lambda-host): an invocation is then ended at
   * its Lambda timeout, as Lambda ends it, instead of going on in the background.
   */
  static async start(bundleFile = DEFAULT_BUNDLE, isolated = true): Promise<Harness> {
    const clock = createManualClock();
    const emu = await startEmulator({ port: 0, clock, asyncDelayMs: CLAIM_DELAY_MS, rateScale: 1000 });
    const restoreEnv = setEnv(emu.endpoint);
    const lambda = new LambdaFunction(() => bundleEnvironment(bundleFile, isolated ? 'worker' : 'in-process'));
    lambda.prewarm(1);
    const bundle: SingleFunctionHandler = (event, context) => lambda.invoke('handler', event, context);
    const stopWorker = () => lambda.stop();
    const restore = () => restoreEnv();
    return new Harness(emu, clock, bundle, restore, createSeedClients(emu), stopWorker);
  }

  /** A fresh account with the contract's world in it. */
  async freshWorld(): Promise<void> {
    this.emu.reset();
    await seedWorld(this.emu, this.seedClients);
  }

  async stop(): Promise<void> {
    await this.stopWorker?.();
    this.seedClients.connect.destroy();
    this.seedClients.chime.destroy();
    this.restoreEnv();
    await this.emu.stop();
  }
}

/**
 * Runs one lifecycle case with at most one fault, and checks it. A Lambda-timeout scenario leaves its
 * invocation hanging on a call the emulator never answers, frozen there as Lambda freezes it (the
 * handler's request timeout is longer than a suite runs); the harness's worker is terminated at the end,
 * killing it.
 */
export async function runScenario(
  c: LifecycleCase,
  fault: PlannedFault | undefined,
  h: Harness,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  return runOn(h, c, fault, options);
}

/**
 * The Lambda entry of a step's deployer: counts the step's onEvent invocations, delivers the planned one
 * twice (a replayed event, once the first delivery ends), and records which resource each AWS call was
 * made for (by position in the two call logs).
 */
class StepProbe {
  invocations = 0;
  counting = false;
  readonly owners: Owner[] = [];
  private nextIsOnEvent = false;
  private phase = '';

  constructor(
    private readonly emu: Emulator,
    private readonly bundle: SingleFunctionHandler,
    private readonly replayInvocation: number | undefined,
  ) {}

  private callCount = (): [number, number] => [this.emu.calls().length, this.emu.stacks.calls().length];

  readonly handler: SingleFunctionHandler = async (event, context?: LambdaContext) => {
    if (!this.counting) return this.bundle(event, context);
    const from = this.callCount();
    try {
      if (!this.nextIsOnEvent) return await this.bundle(event, context);
      this.nextIsOnEvent = false;
      const n = ++this.invocations;
      if (this.replayInvocation !== n) return await this.bundle(event, context);
      await this.bundle(event, context).catch(() => undefined);
      return await this.bundle(event, context);
    } finally {
      this.owners.push({ from, to: this.callCount(), logicalId: event.LogicalResourceId, phase: this.phase });
    }
  };

  readonly onRequest = (p: RequestProgress): void => {
    if (p.stage !== 'start') return;
    this.nextIsOnEvent = true;
    this.phase = p.phase;
  };
}

async function runOn(h: Harness, c: LifecycleCase, fault: PlannedFault | undefined, options: RunOptions): Promise<ScenarioResult> {
  const scenario = scenarioName(c, fault);
  const { emu, clock } = h;
  await h.freshWorld();
  const probe = new StepProbe(emu, h.bundle, fault?.replayInvocation);
  const deployer = new LocalDeployer({
    handler: probe.handler,
    stackName: STACK_NAME,
    region: REGION,
    accountId: ACCOUNT,
    clock,
    pollIntervalMs: PROVIDER_QUERY_INTERVAL_MS,
    stacks: emu.stacks,
    onRequest: probe.onRequest,
    replacementRollback: c.replacementRollback ?? options.replacementRollback ?? 'delete',
  });

  if (c.before) {
    const failed = await deployer.deploy(templateOf(c.before)).then(
      () => undefined,
      (err: Error) => err,
    );
    if (failed) {
      const problem = `the setup deploy (before the step) failed: ${failed.message.split('\n')[0]}`;
      return {
        scenario,
        violations: [{ scenario, problem, hint: 'the clean run of this step; lambda/' }],
        calls: [],
        invocations: 0,
        outcome: 'setup failed',
      };
    }
  }
  const before = capture(emu);
  emu.clearCalls();
  emu.stacks.clearCalls();
  if (fault?.inject) emu.injectFault(fault.inject);
  probe.counting = true;
  const error = await deployer.deploy(templateOf(c.after, c.breaker)).then(
    () => undefined,
    (err: Error) => err,
  );
  probe.counting = false;
  emu.clearFaults();
  const after = capture(emu);
  const status = deployer.status ?? 'none';
  const findings = checkStep({
    faulted: fault !== undefined,
    breaker: c.breaker,
    before,
    after,
    status,
    error,
    resources: deployer.resources(),
    retained: deployer.retained,
  });
  return {
    scenario,
    violations: findings.map((f) => ({ scenario, ...f })),
    calls: recordCalls(emu, probe.owners),
    invocations: probe.invocations,
    outcome: error ? `${status}: ${error.message.split('\n')[0]}` : status,
  };
}

/** The calls of the step, each with the resource it was made for (from the invocation it happened in). */
interface Owner {
  readonly from: [number, number];
  readonly to: [number, number];
  readonly logicalId: string;
  readonly phase: string;
}

function recordCalls(emu: Emulator, owners: readonly Owner[]): RecordedCall[] {
  const seen = new Map<string, number>();
  const next = (op: string) => {
    const n = (seen.get(op) ?? 0) + 1;
    seen.set(op, n);
    return n;
  };
  const ownerOf = (log: 0 | 1, i: number) => {
    const o = owners.find((x) => i >= x.from[log] && i < x.to[log]);
    return o ? { resource: o.logicalId, phase: o.phase } : {};
  };
  return [
    ...emu
      .calls()
      .map((c, i) => ({ service: c.service, operation: c.operation, occurrence: next(c.operation), input: c.input, ...ownerOf(0, i) })),
    ...emu.stacks.calls().map((c, i) => ({
      service: 'cloudformation' as const,
      operation: c.operation,
      occurrence: next(c.operation),
      input: c.input as Record<string, unknown>,
      ...ownerOf(1, i),
    })),
  ];
}

/** The scenarios of a case: its clean run, then one per (call, fault) of the clean run's calls, and one replay per invocation. */
export function plan(clean: ScenarioResult): PlannedFault[] {
  // The Breaker fails whatever happens to its own calls: faults there test nothing.
  return [...clean.calls.filter((c) => !c.resource?.startsWith(BREAKER_ID)).flatMap(faultsAt), ...replays(clean.invocations)];
}

export interface SuiteReport {
  readonly scenarios: number;
  readonly violations: Violation[];
  readonly outcomes: Map<string, string>;
}

/** Runs every case: clean first (recording its calls), then every planned fault. */
export async function runSuite(cases: readonly LifecycleCase[], options: RunOptions = {}): Promise<SuiteReport> {
  const violations: Violation[] = [];
  const outcomes = new Map<string, string>();
  let scenarios = 0;
  const shared = await Harness.start(options.bundle);
  try {
    for (const c of cases) {
      const clean = await runScenario(c, undefined, shared, options);
      scenarios++;
      violations.push(...clean.violations);
      outcomes.set(clean.scenario, clean.outcome);
      for (const fault of plan(clean)) {
        const result = await runScenario(c, fault, shared, options);
        scenarios++;
        violations.push(...result.violations);
        outcomes.set(result.scenario, result.outcome);
      }
    }
  } finally {
    await shared.stop();
  }
  return { scenarios, violations, outcomes };
}

/** `contract: N scenarios, M violations`, then the violations grouped by problem (scenarios listed under each). */
export function formatReport(label: string, report: SuiteReport, maxGroups = 60): string {
  const lines = [`contract${label ? ` (${label})` : ''}: ${report.scenarios} scenarios, ${report.violations.length} violations`];
  const groups = new Map<string, { hint: string; scenarios: string[] }>();
  for (const v of report.violations) {
    const key = v.problem;
    const g = groups.get(key) ?? { hint: v.hint, scenarios: [] };
    g.scenarios.push(v.scenario);
    groups.set(key, g);
  }
  let shown = 0;
  for (const [problem, g] of [...groups].sort((a, b) => b[1].scenarios.length - a[1].scenarios.length)) {
    if (shown++ >= maxGroups) {
      lines.push(`  ... ${groups.size - maxGroups} more groups`);
      break;
    }
    const list = g.scenarios.length > 4 ? `${g.scenarios.slice(0, 4).join('; ')}; +${g.scenarios.length - 4} more` : g.scenarios.join('; ');
    lines.push(`- ${problem}  [look at: ${g.hint}]`, `    in ${g.scenarios.length}: ${list}`);
  }
  return lines.join('\n');
}
