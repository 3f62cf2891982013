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
import type {
  CustomResourceEvent,
  IsCompleteEvent,
  IsCompleteResult,
  LambdaContext,
  OnEventResult,
  ProviderHandlers,
  RequestProgress,
  SingleFunctionHandler,
} from '../deploy';
import { createManualClock, startEmulator } from '../emulator';
import type { Emulator, EmulatorOptions } from '../emulator';
import { bundleEnvironment, LambdaFunction } from '../lambda-host';
import { BREAKER_ID, templateOf } from './cases';
import type { LifecycleCase } from './cases';
import { faultsAt, replays, TARGETS_FULL } from './faults';
import type { PlannedFault, RecordedCall } from './faults';
import { checkStep } from './invariants';
import { assignFaults, describeVariant, matrix, PER_TARGET, random, rowLabel } from './matrix';
import type { Variant } from './matrix';
import { phoneNumbersOf, recordCalls } from './calls';
import type { Owner } from './calls';
import { capture } from './view';
import { ACCOUNT, CREDENTIALS, REGION, STACK_NAME, createSeedClients, fillTargets, moveByHand, seedWorld } from './world';
import type { HandChange, SeedClients } from './world';

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
  /** An invocation was given up on its Lambda timeout while still running (in process, it runs on). */
  readonly abandoned?: boolean;
}

export interface RunOptions {
  /** The handler bundle. @default dist/handler/index.js */
  readonly bundle?: string;
  /** replacementRollback of the deployer, for cases that do not set it. @default 'delete' */
  readonly replacementRollback?: 'delete' | 'update-then-delete';
  /** The row of the matrix to run under (./matrix.ts): the deployer's readings; the harness has its emulator's. */
  readonly variant?: Variant;
  /** runSuite: the seed of the matrix and of which row each scenario runs under. @default DEFAULT_SEED */
  readonly seed?: number;
}

/** The seed of the suite's matrix unless CONTRACT_SEED or RunOptions.seed gives another. */
export const DEFAULT_SEED = 16;

const scenarioName = (c: LifecycleCase, fault?: PlannedFault, variant?: Variant): string =>
  `${fault ? `${c.name} @ ${fault.at} ${fault.name}` : `${c.name} (clean)`}${variant ? ` ${rowLabel(variant)}` : ''}`;

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
  static async start(bundleFile = DEFAULT_BUNDLE, isolated = true, emulator: EmulatorOptions = {}): Promise<Harness> {
    const clock = createManualClock();
    const emu = await startEmulator({ port: 0, clock, asyncDelayMs: CLAIM_DELAY_MS, rateScale: 1000, ...emulator });
    const restoreEnv = setEnv(emu.endpoint);
    const lambda = new LambdaFunction(() => bundleEnvironment(bundleFile, isolated ? 'worker' : 'in-process'));
    lambda.prewarm(1);
    const bundle: SingleFunctionHandler = (event, context) => lambda.invoke('handler', event, context);
    const stopWorker = () => lambda.stop();
    const restore = () => restoreEnv();
    return new Harness(emu, clock, bundle, restore, createSeedClients(emu), stopWorker);
  }

  /** A change by hand, through the API, if the number is where the change takes it from. Tells whether it was made. */
  async byHand(change: HandChange): Promise<boolean> {
    if (!(this.emu.snapshot().voiceConnectors[change.from] ?? []).includes(change.phoneNumber)) return false;
    await moveByHand(this.seedClients, change);
    return true;
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
 * made for (by position in the two call logs; with resources in flight at once, every resource whose
 * invocation was running).
 */
class StepProbe {
  invocations = 0;
  counting = false;
  readonly owners: Owner[] = [];
  /** logical id -> the phase of its request in flight. */
  private readonly phases = new Map<string, string>();

  constructor(
    private readonly emu: Emulator,
    private readonly bundle: SingleFunctionHandler,
    private readonly replayInvocation: number | undefined,
    /** Made once, when the first rollback request starts; tells whether it changed anything. */
    private beforeRollback?: () => Promise<boolean>,
  ) {}

  /** The hand change before the rollback was made. */
  handMade = false;

  private callCount = (): [number, number] => [this.emu.calls().length, this.emu.stacks.calls().length];

  private async invoke(
    event: CustomResourceEvent | IsCompleteEvent,
    context: LambdaContext | undefined,
    onEvent: boolean,
  ): Promise<unknown> {
    if (!this.counting) return this.bundle(event, context);
    const from = this.callCount();
    try {
      if (!onEvent) return await this.bundle(event, context);
      const n = ++this.invocations;
      if (this.replayInvocation !== n) return await this.bundle(event, context);
      await this.bundle(event, context).catch(() => undefined);
      return await this.bundle(event, context);
    } finally {
      const logicalId = event.LogicalResourceId;
      this.owners.push({ from, to: this.callCount(), logicalId, phase: this.phases.get(logicalId) ?? '' });
    }
  }

  readonly handler: ProviderHandlers = {
    onEvent: (event, context) => this.invoke(event, context, true) as Promise<OnEventResult | undefined>,
    isComplete: (event, context) => this.invoke(event, context, false) as Promise<IsCompleteResult>,
  };

  readonly onRequest = async (p: RequestProgress): Promise<void> => {
    if (p.stage !== 'start') return;
    this.phases.set(p.logicalId, p.phase);
    const hand = p.phase === 'rollback' && this.counting ? this.beforeRollback : undefined;
    this.beforeRollback = undefined;
    if (hand) this.handMade = await hand();
  };
}

/** What a step ended in, for the report; and whether the deploy gave up an invocation still running. */
const outcomeOf = (status: string, error: Error | undefined) => ({
  outcome: error ? `${status}: ${error.message.split('\n')[0]}` : status,
  abandoned: error?.message.includes('Task timed out') ?? false,
});

async function runOn(h: Harness, c: LifecycleCase, fault: PlannedFault | undefined, options: RunOptions): Promise<ScenarioResult> {
  const scenario = scenarioName(c, fault, options.variant);
  const { emu, clock } = h;
  await h.freshWorld();
  const hand = c.beforeRollback;
  const probe = new StepProbe(emu, h.bundle, fault?.replayInvocation, hand && (() => h.byHand(hand)));
  const deployer = new LocalDeployer({
    handler: probe.handler,
    stackName: STACK_NAME,
    region: REGION,
    accountId: ACCOUNT,
    clock,
    pollIntervalMs: PROVIDER_QUERY_INTERVAL_MS,
    stacks: emu.stacks,
    onRequest: probe.onRequest,
    replacementRollback: c.replacementRollback ?? options.variant?.deployer.replacementRollback ?? options.replacementRollback ?? 'delete',
    ...(options.variant ? readingsOf(options.variant) : {}),
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
  if (fault?.fillTargets) fillTargets(emu, options.variant?.emulator.phoneNumbersPerTarget ?? PER_TARGET);
  const before = capture(emu);
  const resourcesBefore = deployer.resources();
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
    resourcesBefore,
    handChange: hand && probe.handMade ? hand : undefined,
    retained: deployer.retained,
  });
  return {
    scenario,
    violations: findings.map((f) => ({ scenario, ...f })),
    calls: recordCalls(emu, probe.owners, phoneNumbersOf(before, after)),
    invocations: probe.invocations,
    ...outcomeOf(status, error),
  };
}

/** The CloudFormation readings of a row, as LocalDeployer options. */
const readingsOf = ({ deployer: d }: Variant) => ({
  templateDuringRollback: d.templateDuringRollback,
  replacementRollbackPolicy: d.replacementRollbackPolicy,
  concurrency: d.concurrency,
});

/** The scenarios of a case: its clean run, then one per (call, fault) of the clean run's calls, and one replay per invocation. */
export function plan(clean: ScenarioResult): PlannedFault[] {
  // The Breaker fails whatever happens to its own calls: faults there test nothing. A call outside every
  // invocation is a hand's (a case's beforeRollback), not the handler's: no fault there either.
  const handlers = clean.calls.filter((c) => c.resource !== undefined && !c.resource.startsWith(BREAKER_ID));
  return [...handlers.flatMap(faultsAt), ...replays(clean.invocations), TARGETS_FULL];
}

export interface SuiteReport {
  readonly scenarios: number;
  readonly violations: Violation[];
  readonly outcomes: Map<string, string>;
  /** The matrix's seed and rows, when the suite ran across it. */
  readonly seed?: number;
  readonly variants?: readonly Variant[];
}

/** One harness per row of the matrix (its emulator has the row's readings), started when first needed. */
class HarnessPool {
  private readonly started: Array<{ index: number; harness: Promise<Harness> }> = [];
  constructor(private readonly bundle: string | undefined) {}

  get(v: Variant): Promise<Harness> {
    let entry = this.started.find((e) => e.index === v.index);
    if (!entry) {
      entry = { index: v.index, harness: Harness.start(this.bundle, true, v.emulator) };
      this.started.push(entry);
    }
    return entry.harness;
  }

  /**
   * A harness whose deploy gave up an invocation still running: stopped (its worker terminated, so the
   * invocation cannot act in the next scenario's world); the row gets a fresh one when next needed.
   */
  async retire(v: Variant): Promise<void> {
    const i = this.started.findIndex((e) => e.index === v.index);
    if (i < 0) return;
    const [entry] = this.started.splice(i, 1);
    await (await entry.harness).stop();
  }

  /** Newest first: each harness restores the environment the one before it set. */
  async stop(): Promise<void> {
    for (const e of [...this.started].reverse()) await (await e.harness.catch(() => undefined))?.stop();
  }
}

/**
 * Runs every case across the matrix: its clean run under every row (recording its calls), then every
 * fault planned from those runs, each once, under one of the rows whose clean run made that call (the
 * rows taken in turn from a seeded start, so that each row gets its share of the case's faults).
 */
export async function runSuite(cases: readonly LifecycleCase[], options: RunOptions = {}): Promise<SuiteReport> {
  const seed = options.seed ?? DEFAULT_SEED;
  const variants = matrix(seed);
  const start = random(seed);
  const violations: Violation[] = [];
  const outcomes = new Map<string, string>();
  let scenarios = 0;
  const pool = new HarnessPool(options.bundle);
  const run = async (c: LifecycleCase, fault: PlannedFault | undefined, variant: Variant) => {
    const result = await runScenario(c, fault, await pool.get(variant), { ...options, variant });
    if (result.abandoned) await pool.retire(variant);
    scenarios++;
    violations.push(...result.violations);
    outcomes.set(result.scenario, result.outcome);
    return result;
  };
  try {
    for (const c of cases) {
      const plans: Array<Array<{ key: string; fault: PlannedFault }>> = [];
      for (const v of variants) plans.push(plan(await run(c, undefined, v)).map((fault) => ({ key: `${fault.name} ${fault.at}`, fault })));
      for (const { row, fault } of assignFaults(plans, Math.floor(start() * variants.length))) await run(c, fault, variants[row]);
    }
  } finally {
    await pool.stop();
  }
  return { scenarios, violations, outcomes, seed, variants };
}

/** `contract: N scenarios, M violations`, then the violations grouped by problem (scenarios listed under each). */
export function formatReport(label: string, report: SuiteReport, maxGroups = 60): string {
  const seed = report.seed !== undefined ? ` (seed ${report.seed})` : '';
  const lines = [`contract${label ? ` (${label})` : ''}: ${report.scenarios} scenarios, ${report.violations.length} violations${seed}`];
  // The rows, when a violation names one: what '[row k]' in a scenario's name stands for.
  if (report.violations.length > 0) lines.push(...(report.variants ?? []).map((v) => `  ${describeVariant(v)}`));
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
