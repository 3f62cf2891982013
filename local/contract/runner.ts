/**
 * Runs contract scenarios: the REAL handler bundle through local/deploy against a fresh emulator (with
 * the stack's CloudFormation state served to the handler), one lifecycle step with at most one fault,
 * then checks what must hold whatever the fault:
 * - the stack never ends *_FAILED;
 * - after success, AWS matches every declaration; after a rollback, AWS is as before the deploy
 *   (claims, targets, descriptions, tags, owners, flows, connector associations);
 * - no number is claimed and owned by this stack without a resource declaring it (or a policy keeping it);
 * - what others hold (a number another stack owns and binds, a number on someone else's connector) is
 *   untouched.
 */
import { parseContactFlowArn } from '../../lambda/contract';
import { settingsEnvironment } from '../../lambda/settings';
import * as path from 'node:path';
import { LocalDeployer, PROVIDER_QUERY_INTERVAL_MS } from '../deploy';
import type { DeployedResource, LambdaContext, SingleFunctionHandler } from '../deploy';
import { createManualClock, startEmulator } from '../emulator';
import { bundleEnvironment, LambdaFunction } from '../lambda-host';
import type { Emulator, Snapshot, SnapshotNumber } from '../emulator';
import { BREAKER_ID, templateOf } from './cases';
import type { LifecycleCase } from './cases';
import { faultsAt, replays } from './faults';
import type { PlannedFault, RecordedCall } from './faults';
import {
  ACCOUNT,
  BYSTANDER,
  BYSTANDER_OWNER,
  CHIME_BYSTANDER,
  CREDENTIALS,
  OTHER_REGION,
  OWNER_TAG,
  REGION,
  STACK_NAME,
  VC_OTHER,
  createSeedClients,
  seedWorld,
} from './world';
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

/** What the checks compare: a number as a user sees it (the owner tag cut to its owner, the handler's other bookkeeping tags left out). */
interface NumberView {
  readonly targetArn: string;
  readonly status: string;
  readonly description: string;
  readonly tags: Record<string, string>;
  readonly owner: string;
  readonly flows: Record<string, string>;
}

interface World {
  readonly numbers: Map<string, NumberView & { readonly arn: string }>;
  /** region/connector -> sorted numbers */
  readonly connectors: Map<string, string[]>;
}

const ownerOf = (n: SnapshotNumber): string => (n.tags[OWNER_TAG] ?? '').split('@')[0];

function viewOf(n: SnapshotNumber): NumberView & { arn: string } {
  const tags = Object.fromEntries(
    Object.entries(n.tags)
      .filter(([k]) => !k.startsWith('cdk-phone-numbers:'))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return {
    arn: n.phoneNumberArn,
    targetArn: n.targetArn,
    status: n.status,
    description: n.description ?? '',
    tags,
    owner: ownerOf(n),
    flows: { ...n.flows },
  };
}

function capture(emu: Emulator): World {
  const numbers = new Map<string, NumberView & { arn: string }>();
  const connectors = new Map<string, string[]>();
  for (const region of [REGION, OTHER_REGION]) {
    const snap: Snapshot = emu.snapshot({ region });
    for (const n of snap.claimed) numbers.set(n.phoneNumber, viewOf(n));
    for (const [vc, list] of Object.entries(snap.voiceConnectors)) if (list.length > 0) connectors.set(`${region}/${vc}`, [...list].sort());
  }
  return { numbers, connectors };
}

const show = (v: unknown): string => JSON.stringify(v);

/** Differences between two worlds, one line each. */
function differences(before: World, after: World): string[] {
  const out: string[] = [];
  for (const [phone, was] of before.numbers) {
    const now = after.numbers.get(phone);
    if (!now) {
      out.push(`${phone} was claimed (${was.owner || 'no owner'}) and no longer is`);
      continue;
    }
    for (const key of ['targetArn', 'status', 'description', 'owner', 'tags', 'flows'] as const) {
      if (show(was[key]) !== show(now[key])) out.push(`${phone} ${key} was ${show(was[key])}, is ${show(now[key])}`);
    }
  }
  for (const [phone, now] of after.numbers) {
    if (!before.numbers.has(phone)) out.push(`${phone} is claimed (${now.status}, owner ${now.owner || 'none'}) and was not`);
  }
  const vcs = new Set([...before.connectors.keys(), ...after.connectors.keys()]);
  for (const vc of vcs) {
    const was = before.connectors.get(vc) ?? [];
    const now = after.connectors.get(vc) ?? [];
    if (show(was) !== show(now)) out.push(`connector ${vc} held ${show(was)}, holds ${show(now)}`);
  }
  return out;
}

/** Where each kind of resource's behaviour lives, for the hints. */
const HANDLER_FILE: Record<string, string> = {
  'Custom::ClaimedPhoneNumber': 'lambda/resources/claimed-phone-number/',
  'Custom::PhoneNumberFlowBinding': 'lambda/resources/phone-number-flow-binding.ts',
  'Custom::VoiceConnectorNumbers': 'lambda/resources/voice-connector-numbers.ts',
};

/** Declarations the world must match after a successful deploy. */
function declarationProblems(resources: DeployedResource[], world: World): Array<{ problem: string; hint: string }> {
  const out: Array<{ problem: string; hint: string }> = [];
  const byArn = new Map([...world.numbers].map(([phone, v]) => [v.arn, { phone, ...v }]));
  for (const r of resources) {
    const p = r.properties as Record<string, unknown>;
    const hint = HANDLER_FILE[r.type] ?? 'lambda/';
    if (r.type === 'Custom::ClaimedPhoneNumber') {
      const n = byArn.get(r.physicalResourceId);
      if (!n) {
        out.push({ problem: `${r.logicalId} holds ${r.physicalResourceId}, which is not claimed`, hint });
        continue;
      }
      if (n.status !== 'CLAIMED') out.push({ problem: `${r.logicalId}'s number ${n.phone} is ${n.status}, not CLAIMED`, hint });
      if (n.targetArn !== p.TargetArn)
        out.push({ problem: `${r.logicalId}'s number ${n.phone} targets ${n.targetArn}, declared ${String(p.TargetArn)}`, hint });
      if (typeof p.PhoneNumber === 'string' && p.PhoneNumber !== n.phone)
        out.push({ problem: `${r.logicalId} holds ${n.phone}, declared ${p.PhoneNumber}`, hint });
      if (typeof p.Prefix === 'string' && !n.phone.startsWith(p.Prefix))
        out.push({ problem: `${r.logicalId} holds ${n.phone}, outside prefix ${p.Prefix}`, hint });
      if (typeof p.Description === 'string' && p.Description !== n.description)
        out.push({
          problem: `${r.logicalId}'s number ${n.phone} has description ${show(n.description)}, declared ${show(p.Description)}`,
          hint,
        });
      for (const t of (p.Tags as Array<{ Key: string; Value: string }> | undefined) ?? []) {
        if (n.tags[t.Key] !== t.Value)
          out.push({
            problem: `${r.logicalId}'s number ${n.phone} has tag ${t.Key}=${show(n.tags[t.Key])}, declared ${show(t.Value)}`,
            hint,
          });
      }
      if (n.owner !== `${STACK_NAME}/${r.logicalId}`)
        out.push({ problem: `${r.logicalId}'s number ${n.phone} is owned by ${show(n.owner)}, not by it`, hint });
    } else if (r.type === 'Custom::PhoneNumberFlowBinding') {
      const n = byArn.get(String(p.PhoneNumberArn));
      const declared = parseContactFlowArn(String(p.ContactFlowArn));
      const instance = declared?.instanceId ?? '';
      const flow = declared?.contactFlowId ?? '';
      if (!n) out.push({ problem: `${r.logicalId} binds ${String(p.PhoneNumberArn)}, which is not claimed`, hint });
      else if (n.flows[instance] !== flow)
        out.push({ problem: `${r.logicalId}: ${n.phone} rings ${show(n.flows)}, declared ${instance}: ${flow}`, hint });
    } else if (r.type === 'Custom::VoiceConnectorNumbers') {
      const key = `${String(p.Region ?? REGION)}/${String(p.VoiceConnectorId)}`;
      const held = world.connectors.get(key) ?? [];
      for (const phone of (p.PhoneNumbers as string[] | undefined) ?? []) {
        if (!held.includes(phone))
          out.push({ problem: `${r.logicalId}: ${phone} is not on connector ${key} (it holds ${show(held)})`, hint });
      }
    }
  }
  return out;
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

async function runOn(h: Harness, c: LifecycleCase, fault: PlannedFault | undefined, options: RunOptions): Promise<ScenarioResult> {
  const scenario = scenarioName(c, fault);
  const violations: Violation[] = [];
  const flag = (problem: string, hint: string) => violations.push({ scenario, problem, hint });
  const { emu, clock, bundle } = h;
  await h.freshWorld();
  let invocations = 0;
  let counting = false;
  let nextIsOnEvent = false;
  let phase = '';
  // The Lambda entry. A replayed onEvent invocation is delivered again with the same event once the first ends.
  const callCount = (): [number, number] => [emu.calls().length, emu.stacks.calls().length];
  /** Which resource each call of the step was made for, by position in the two call logs. */
  const owners: Owner[] = [];
  const handler: SingleFunctionHandler = async (event, context?: LambdaContext) => {
    if (!counting) return bundle(event, context);
    const from = callCount();
    try {
      if (!nextIsOnEvent) return await bundle(event, context);
      nextIsOnEvent = false;
      const n = ++invocations;
      if (fault?.replayInvocation !== n) return await bundle(event, context);
      await bundle(event, context).catch(() => undefined);
      return await bundle(event, context);
    } finally {
      owners.push({ from, to: callCount(), logicalId: event.LogicalResourceId, phase });
    }
  };
  const deployer = new LocalDeployer({
    handler,
    stackName: STACK_NAME,
    region: REGION,
    accountId: ACCOUNT,
    clock,
    pollIntervalMs: PROVIDER_QUERY_INTERVAL_MS,
    stacks: emu.stacks,
    onRequest: (p) => {
      if (p.stage === 'start') {
        nextIsOnEvent = true;
        phase = p.phase;
      }
    },
    replacementRollback: c.replacementRollback ?? options.replacementRollback ?? 'delete',
  });

  if (c.before) {
    try {
      await deployer.deploy(templateOf(c.before));
    } catch (err) {
      flag(`the setup deploy (before the step) failed: ${(err as Error).message.split('\n')[0]}`, 'the clean run of this step; lambda/');
      return { scenario, violations, calls: [], invocations: 0, outcome: 'setup failed' };
    }
  }
  const before = capture(emu);
  emu.clearCalls();
  emu.stacks.clearCalls();
  if (fault?.inject) emu.injectFault(fault.inject);
  counting = true;

  let error: Error | undefined;
  try {
    await deployer.deploy(templateOf(c.after, c.breaker));
  } catch (err) {
    error = err as Error;
  }
  counting = false;
  emu.clearFaults();
  const after = capture(emu);
  const calls = recordCalls(emu, owners);
  const status = deployer.status ?? 'none';
  const outcome = error ? `${status}: ${error.message.split('\n')[0]}` : status;

  if (status.endsWith('_FAILED')) {
    const failures = (error as { rollbackFailures?: Array<{ logicalId: string; reason: string }> } | undefined)?.rollbackFailures ?? [];
    const what =
      failures.map((f) => `${f.logicalId.replace(/[0-9A-F]{8}$/, '')}: ${stripIds(f.reason.split('\n')[0])}`).join('; ') ||
      stripIds(error?.message.split('\n')[0] ?? '');
    flag(
      `the stack ended ${status}; rollback request failed for ${what}`,
      'the rollback request of that resource (deployer.requests, phase rollback) and its module in lambda/resources/',
    );
  }
  if (error && error.name !== 'DeployFailedError')
    flag(`the deploy threw ${error.name}: ${stripIds(error.message.split('\n')[0])}`, 'local/deploy or the template');
  if (c.breaker && !error) flag('the deploy succeeded although the Breaker resource must fail', 'local/contract/cases.ts (Breaker)');
  if (!fault && !c.breaker && error)
    flag(`the clean deploy failed: ${stripIds(error.message.split('\n')[0])}`, 'lambda/ (no fault was injected)');

  const bystanderProblems = (): string[] => {
    const out: string[] = [];
    const b = after.numbers.get(BYSTANDER);
    const wasB = before.numbers.get(BYSTANDER)!;
    const owner = BYSTANDER_OWNER.split('@')[0];
    if (!b) out.push(`${BYSTANDER} (owned by ${owner}) was released`);
    else {
      const d = differences(
        { numbers: new Map([[BYSTANDER, wasB]]), connectors: new Map() },
        { numbers: new Map([[BYSTANDER, b]]), connectors: new Map() },
      );
      if (d.length > 0) out.push(`${BYSTANDER} (owned by ${owner}) changed: ${d.join('; ')}`);
    }
    if (!(after.connectors.get(`${REGION}/${VC_OTHER}`) ?? []).includes(CHIME_BYSTANDER))
      out.push(`${CHIME_BYSTANDER} was taken off someone else's connector ${VC_OTHER}`);
    return out;
  };

  if (!error) {
    for (const p of declarationProblems(deployer.resources(), after)) flag(`after success: ${p.problem}`, p.hint);
    for (const p of bystanderProblems()) flag(`after success: ${p}`, 'the handler touched what another stack or connector holds');
    // No number owned by this stack without a resource that declares it (or a policy that keeps it).
    const held = new Set(
      deployer
        .resources()
        .filter((r) => r.type === 'Custom::ClaimedPhoneNumber')
        .map((r) => `${r.logicalId} ${r.physicalResourceId}`),
    );
    const kept = new Set(deployer.retained.map((r) => r.physicalResourceId));
    for (const [phone, n] of after.numbers) {
      if (!n.owner.startsWith(`${STACK_NAME}/`)) continue;
      const logicalId = n.owner.slice(STACK_NAME.length + 1);
      const wasOwnedSo = before.numbers.get(phone)?.owner === n.owner;
      if (!held.has(`${logicalId} ${n.arn}`) && !kept.has(n.arn) && !wasOwnedSo) {
        flag(
          `after success: ${phone} is claimed and owned by ${n.owner}, which does not declare it (leaked)`,
          'lambda/resources/claimed-phone-number/ (claim.ts, update.ts, delete.ts)',
        );
      }
    }
  } else if (!status.endsWith('_FAILED')) {
    // Rolled back: AWS as before the deploy. Numbers the rollback retained by DeletionPolicy Retain are the user's choice.
    const retained = new Set(deployer.retained.filter((r) => r.phase === 'rollback').map((r) => r.physicalResourceId));
    const kept: World = { numbers: new Map([...after.numbers].filter(([, v]) => !retained.has(v.arn))), connectors: after.connectors };
    for (const d of differences(before, kept)) flag(`after rollback (${status}): ${d}`, rollbackHint(d));
  }
  return { scenario, violations, calls, invocations, outcome };
}

/** Ids that differ from run to run (generated phone-number ids) would split one problem into many groups. */
const stripIds = (text: string): string => text.replace(/phone-number\/[0-9a-f-]{36}/g, 'phone-number/<id>');

function rollbackHint(difference: string): string {
  if (difference.includes('connector')) return 'lambda/resources/voice-connector-numbers.ts (undo on rollback)';
  if (difference.includes('flows')) return 'lambda/resources/phone-number-flow-binding.ts (rollback order, prior flow)';
  return 'lambda/resources/claimed-phone-number/delete.ts (undo on rollback: release, prior target/description/tags/owner)';
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
