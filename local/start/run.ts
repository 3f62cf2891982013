/**
 * `npm start`: the example app (or a user's cloud assembly) deployed, changed and destroyed on the
 * local stand-in, with the real handler bundle, printing what happens to the numbers at each step.
 * Returns the exit code; with --keep, also the still-running stand-in.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocalDeployer } from '../deploy/deployer';
import type { DeployResult } from '../deploy/types';
import { parseArgs, StartUsageError, USAGE, type StartOptions } from './args';
import { AssemblyError, REPO_BUNDLE, readAssembly, stacksWithLibraryResources, synthesizeExample, type AssemblyStack } from './assembly';
import { compareWithResult, planChange, type PlannedChange } from './plan';
import { ProgressPrinter } from './progress';
import { seedExample, seedFromAssembly, SPARE_TRUNK_NUMBER, type SeedReport } from './seed';
import type { StandIn } from './stand-in';
import { formatStateTable, stateRows, type StateScope } from './state-table';
import { colorEnabled, formatDuration, formatTable, makeStyle, type Style } from './style';

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface StartIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
}

export interface StartOutcome {
  readonly code: number;
  /** With --keep and a run that got as far as starting it: the stand-in, still serving. */
  readonly standIn?: StandIn;
}

interface Deployed {
  readonly stack: AssemblyStack;
  readonly deployer: LocalDeployer;
  readonly progress: ProgressPrinter;
}

class Session {
  readonly tempDirs: string[] = [];
  readonly deployed: Deployed[] = [];
  standIn: StandIn | undefined;
  seed: SeedReport | undefined;
  scopes: StateScope[] = [];
  readonly counts = { created: 0, changed: 0, deleted: 0, retained: [] as string[] };

  constructor(
    readonly opts: StartOptions,
    readonly io: StartIo,
    readonly style: Style,
  ) {}

  out(line = ''): void {
    this.io.stdout.write(`${line}\n`);
  }

  heading(text: string): void {
    this.out();
    this.out(this.style.bold(this.style.cyan(`== ${text}`)));
  }

  tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-phone-numbers-start-'));
    this.tempDirs.push(dir);
    return dir;
  }

  printState(title: string): void {
    if (!this.standIn || !this.seed) return;
    const rows = stateRows(
      this.standIn.emulator,
      this.scopes,
      this.seed.chimeNumbers,
      this.deployed.map((d) => ({ stackName: d.stack.name, resources: d.deployer.resources() })),
    );
    this.out();
    this.out(this.style.bold(title));
    if (rows.length === 0) this.out('  (no numbers claimed in Connect, no Chime inventory numbers)');
    else for (const line of formatStateTable(rows, this.style)) this.out(`  ${line}`);
  }

  cleanup(): void {
    for (const dir of this.tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function scopesOf(stacks: readonly AssemblyStack[]): StateScope[] {
  const seen = new Map<string, StateScope>();
  for (const s of stacks) seen.set(`${s.account}/${s.region}`, { accountId: s.account, region: s.region });
  return [...seen.values()];
}

/** Deploys the stack's template; `total` is the number of resource events expected (n/total). */
async function deployStack(d: Deployed, label: string, total: number): Promise<DeployResult> {
  const operation = d.deployer.deployedTemplate ? 'UPDATE' : 'CREATE';
  const previous = d.deployer.deployedTemplate;
  d.progress.begin(operation, total, d.deployer, (id) => d.stack.template.Resources[id]?.Type ?? previous?.Resources[id]?.Type);
  try {
    const result = await d.deployer.deploy(d.stack.template);
    d.progress.end(`${operation}_COMPLETE`);
    return result;
  } catch (err) {
    // The status the deployer reached: a rollback that failed is *_ROLLBACK_FAILED, not complete.
    d.progress.end(d.deployer.status ?? (operation === 'CREATE' ? 'ROLLBACK_COMPLETE' : 'UPDATE_ROLLBACK_COMPLETE'));
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { during: label });
  }
}

function printPlan(session: Session, changes: readonly PlannedChange[]): void {
  const { style } = session;
  const actionLabel = (a: PlannedChange['action']) =>
    a === 'replace'
      ? style.red('REPLACE')
      : a === 'delete'
        ? style.red('DELETE')
        : a === 'retain'
          ? style.yellow('REMOVE (retain)')
          : a === 'create'
            ? style.green('CREATE')
            : style.yellow('UPDATE in place');
  const rows = changes.flatMap((c) =>
    c.effects.map((e, i) => (i === 0 ? [c.logicalId, c.type, actionLabel(c.action), e] : ['', '', '', e])),
  );
  for (const line of formatTable(['logical id', 'type', 'action', 'what happens to the numbers'], rows, style)) session.out(`  ${line}`);
  const released = changes.flatMap((c) => c.released);
  session.out(`  numbers released by this change: ${released.length === 0 ? 'none' : style.red(released.join(', '))}`);
}

async function runExampleChange(session: Session, second: { instanceArn: string; flowArn: string }, trunk: string[]): Promise<void> {
  const d = session.deployed[0];
  const context = { instanceArn: second.instanceArn, contactFlowArn: second.flowArn, trunkNumbers: trunk.join(',') };
  session.heading('2. Change: the numbers move to the second instance, their flows are rebound there, the trunk list changes');
  session.out(
    session.style.dim(
      `  the same app, synthesized with ${Object.entries(context)
        .map(([k, v]) => `-c ${k}=${v}`)
        .join(' ')}`,
    ),
  );
  const [changed] = synthesizeExample(session.tempDir(), context);
  const next: Deployed = { ...d, stack: changed };
  session.deployed[0] = next;
  const changes = planChange({
    template: changed.template,
    deployed: d.deployer.resources(),
    context: {
      region: changed.region,
      accountId: changed.account,
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
      stackName: changed.name,
      stackId: `arn:aws:cloudformation:${changed.region}:${changed.account}:stack/${changed.name}/00000000-0000-4000-8000-000000000000`,
      parameters: {},
    },
  });
  session.out();
  session.out(session.style.bold('Preview (predicted from the properties, like a change set; the handler decides at deploy time):'));
  printPlan(session, changes);
  session.out();
  const result = await deployStack(next, 'the example change', changes.length);
  const surprises = compareWithResult(changes, result);
  session.out(
    surprises.length === 0
      ? '  the deploy did what the preview said'
      : session.style.yellow(`  the deploy differed from the preview: ${surprises.join('; ')}`),
  );
  session.counts.changed += result.updated.length + result.created.length + result.deleted.length;
  session.printState('After the change:');
}

/** Exit code of the audit, for people: what a pipeline step gating on it would do. */
const auditVerdict = (code: number) =>
  code === 0 ? 'exit code 0: a pipeline step gating on it passes' : `exit code ${code}: a pipeline step gating on it fails`;

/** After the first deploy: a hand change in the "console", and the audit finding it (README "Audit"). */
async function auditHandChange(session: Session, region: string, phoneNumber: string, declaredFlowArn: string): Promise<void> {
  const { style } = session;
  // Loaded here, like the stand-in: --help and a bad flag answer without loading the SDK.
  const { auditInto, rebindByHand } = await import('./audit-step');
  session.heading('Audit: a hand change in the console, found by `npx cdk-phone-numbers audit`');
  const change = await rebindByHand(session.standIn!.emulator, region, phoneNumber, declaredFlowArn);
  session.out(`  by hand (AssociatePhoneNumberContactFlow through the SDK): ${phoneNumber} now rings ${style.yellow(change.handFlowArn)}`);
  session.out(style.dim(`  the stack still declares ${declaredFlowArn}`));
  session.out();
  const code = await auditInto(
    ['--region', region, ...(session.opts.noColor ? ['--no-color'] : [])],
    (l) => session.out(l),
    session.io.stdout,
    session.io.env,
  );
  session.out(`  ${auditVerdict(code)}`);
}

/** After the example change: the same audit, the drift repaired by the deploy. */
async function auditAfterChange(session: Session, region: string): Promise<void> {
  const { auditInto } = await import('./audit-step');
  session.heading('Audit again: the deploy put the declared flow back');
  const args = ['--region', region, '--allow', 'unowned', ...(session.opts.noColor ? ['--no-color'] : [])];
  const code = await auditInto(args, (l) => session.out(l), session.io.stdout, session.io.env);
  session.out(`  with --allow unowned (numbers held by no stack are known and accepted): ${auditVerdict(code)}`);
}

/** The example change between two audits: the first finds a hand change, the second finds it repaired by the deploy. */
async function runAuditedChange(
  session: Session,
  region: string,
  defaults: { adoptedNumber: string; contactFlowArn: string },
  change: () => Promise<void>,
): Promise<void> {
  await auditHandChange(session, region, defaults.adoptedNumber, defaults.contactFlowArn);
  await change();
  await auditAfterChange(session, region);
}

async function destroyAll(session: Session): Promise<void> {
  session.heading(`${session.opts.appDir ? '2' : '3'}. Destroy (cdk destroy)`);
  for (const d of [...session.deployed].reverse()) {
    const before = d.deployer.resources();
    const retainedBefore = d.deployer.retained.length;
    const requestsBefore = d.deployer.requests.length;
    const callsBefore = session.standIn?.emulator.calls().length ?? 0;
    const template = d.deployer.deployedTemplate;
    d.progress.begin('DELETE', before.length, d.deployer, (id) => template?.Resources[id]?.Type);
    try {
      await d.deployer.destroy();
      d.progress.end('DELETE_COMPLETE');
    } catch (err) {
      d.progress.end(d.deployer.status ?? 'DELETE_FAILED');
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { during: `the destroy of ${d.stack.name}` });
    }
    const retained = d.deployer.retained.slice(retainedBefore).filter((r) => r.phase === 'destroy');
    session.counts.deleted += d.deployer.requests.slice(requestsBefore).filter((r) => r.status === 'SUCCESS').length;
    for (const number of releasedSince(session, callsBefore, before)) {
      session.out(
        `  released (RemovalPolicy.DESTROY): ${session.style.red(number)}: back to AWS, in cooldown before anyone can claim it again`,
      );
    }
    for (const r of retained) {
      const resource = before.find((b) => b.logicalId === r.logicalId);
      const policy =
        resource?.deletionPolicy === 'RetainExceptOnCreate' ? 'RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE' : 'RemovalPolicy.RETAIN';
      const number = resource?.data.PhoneNumber;
      if (resource?.type === 'Custom::ClaimedPhoneNumber' && typeof number === 'string') {
        session.counts.retained.push(number);
        session.out(`  kept under ${policy}: ${session.style.yellow(number)} (${r.logicalId}): still claimed and billed, now in no stack`);
      } else {
        session.out(`  kept under ${policy}: ${r.logicalId} (${resource?.type ?? 'unknown type'}): left as it is, now in no stack`);
      }
    }
  }
  session.printState('After destroy:');
}

function handlerLabel(s: AssemblyStack): string {
  const repo = path.relative(process.cwd(), REPO_BUNDLE);
  if (s.handlerSource === 'checkout') return `${repo} (the assembly ships none this program can find)`;
  const same = fs.existsSync(REPO_BUNDLE) && fs.readFileSync(s.handlerFile).equals(fs.readFileSync(REPO_BUNDLE));
  return same ? `${repo} (as the assembly ships it)` : `the bundle the assembly ships (${s.handlerFile})`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Numbers released (successful ReleasePhoneNumber calls) since the call log had `from` entries. */
function releasedSince(
  session: Session,
  from: number,
  known: ReadonlyArray<{ physicalResourceId: string; data: Record<string, unknown> }>,
): string[] {
  const calls = session.standIn?.emulator.calls().slice(from) ?? [];
  return calls
    .filter((c) => c.operation === 'ReleasePhoneNumber' && c.status < 300)
    .map((c) => {
      const id = String(c.input.PhoneNumberId ?? '');
      const r = known.find((k) => k.physicalResourceId === id || k.physicalResourceId.endsWith(`/${id}`));
      return typeof r?.data.PhoneNumber === 'string' ? r.data.PhoneNumber : id;
    });
}

function releasedCount(session: Session): number {
  return session.standIn?.emulator.calls().filter((c) => c.operation === 'ReleasePhoneNumber' && c.status < 300).length ?? 0;
}

/** The options, or the outcome of a command line that asks for no run (usage error, --help). */
function optionsOrOutcome(argv: readonly string[], io: StartIo): StartOptions | StartOutcome {
  let opts: StartOptions;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof StartUsageError)) throw err;
    io.stderr.write(`npm start: ${err.message}\n`);
    return { code: 1 };
  }
  if (opts.help) {
    io.stdout.write(USAGE);
    return { code: 0 };
  }
  return opts;
}

type StandInModule = typeof import('./stand-in');
type ExampleDefaults = typeof import('../../bin/app').EXAMPLE_DEFAULTS;
/** The stand-in as seeded here: what was seeded, and the example's second instance and flow (none for an assembly). */
type SeededStandIn = StandIn<SeedReport & { secondInstanceArn?: string; secondFlowArn?: string }>;

/** The app's stacks: the given cloud assembly's, or the example app synthesized now. */
function appStacks(opts: StartOptions, session: Session): AssemblyStack[] {
  if (opts.appDir) return stacksWithLibraryResources(opts.appDir, readAssembly(path.resolve(opts.appDir)));
  return synthesizeExample(session.tempDir());
}

function printIntro(session: Session, opts: StartOptions, m: StandInModule): void {
  const { style } = session;
  session.out(
    style.bold(
      `cdk-phone-numbers: ${opts.appDir ? `your cloud assembly ${opts.appDir}` : 'the example app (bin/app.ts)'} on a local stand-in for Amazon Connect and Chime SDK Voice`,
    ),
  );
  session.out(`Nothing reaches AWS: the handler bundle runs in this process against an emulator on 127.0.0.1.`);
  session.out(
    `Time is compressed: a claim or a move stays IN_PROGRESS for ${m.SIMULATED_ASYNC_MS / 1000} s, a release ${m.SIMULATED_RELEASE_MS / 1000} s, and the Provider polls every ${m.POLL_INTERVAL_MS / 1000} s`,
  );
  session.out(`of a simulated clock; the +m:ss column is that simulated time, not yours. Custom resources run one at a time;`);
  session.out(`the stack's other resources (the handler function, roles, log groups) are taken as deployed.`);
}

/** Starts the stand-in seeded for the example (its defaults) or for the assembly's stacks; the session holds it. */
async function startSeeded(
  session: Session,
  stacks: AssemblyStack[],
  m: StandInModule,
  defaults: ExampleDefaults | undefined,
): Promise<SeededStandIn> {
  const first = stacks[0];
  const trunkNumbers = defaults ? defaults.trunkNumbers.split(',') : [];
  const standIn = await m.startStandIn({ accountId: first.account, region: first.region }, (emulator) =>
    defaults
      ? seedExample(emulator, { ...defaults, trunkNumbers })
      : { ...seedFromAssembly(emulator, stacks), secondInstanceArn: undefined, secondFlowArn: undefined },
  );
  session.standIn = standIn;
  session.seed = standIn.seeded;
  session.scopes = scopesOf(stacks);
  return standIn;
}

function printSeed(session: Session, standIn: SeededStandIn, stacks: AssemblyStack[]): void {
  const { style } = session;
  const seed = standIn.seeded;
  session.out();
  session.out(style.bold(`Stand-in at ${standIn.emulator.endpoint}, seeded with:`));
  const width = Math.max(...seed.lines.map((l) => l.label.length));
  for (const l of seed.lines) session.out(`  ${l.label.padEnd(width)}  ${l.value}`);
  for (const note of seed.notes) session.out(style.yellow(`  note: ${note}`));
  for (const s of stacks) {
    session.out(
      style.dim(
        `  ${s.name}: ${s.libraryResources.length} resources of this library; handler: ${handlerLabel(s)}${s.envKnown ? '' : ` (environment-agnostic stack: account ${s.account}, region ${s.region} taken from its ARNs or the defaults)`}`,
      ),
    );
  }
}

async function deployAll(session: Session, standIn: StandIn, stacks: AssemblyStack[]): Promise<void> {
  session.heading(`1. Deploy (cdk deploy)`);
  for (const stack of stacks) {
    const progress = new ProgressPrinter((line) => session.out(line), session.style, standIn.clock, stack.name);
    const deployer = standIn.deployer(stack, progress.onRequest);
    const d: Deployed = { stack, deployer, progress };
    const result = await deployStack(d, `the deploy of ${stack.name}`, stack.libraryResources.length);
    session.deployed.push(d);
    session.counts.created += result.created.length;
  }
  session.printState('After the deploy:');
}

/** The example's second instance and flow, for its change; undefined for an assembly. */
function exampleSecondOf(standIn: SeededStandIn): { instanceArn: string; flowArn: string } | undefined {
  const { secondInstanceArn, secondFlowArn } = standIn.seeded;
  return secondInstanceArn && secondFlowArn ? { instanceArn: secondInstanceArn, flowArn: secondFlowArn } : undefined;
}

function printSummary(session: Session, opts: StartOptions, standIn: StandIn, changed: boolean): void {
  const simulated = standIn.clock.now() - standIn.startedAt;
  const realSeconds = process.uptime().toFixed(1); // the whole process: start-up and synth included
  const released = releasedCount(session);
  const steps = opts.deployOnly
    ? `deployed ${plural(session.counts.created, 'resource', 'resources')}`
    : `deployed ${plural(session.counts.created, 'resource', 'resources')}, ${changed ? `changed ${session.counts.changed}, ` : ''}destroyed ${session.counts.deleted}; ` +
      `${plural(session.counts.retained.length, 'number', 'numbers')} kept claimed by their removal policy (${session.counts.retained.join(', ') || 'none'})`;
  session.out();
  session.out(
    session.style.green(
      `OK: ${steps}; ${plural(released, 'number', 'numbers')} released; ${realSeconds} s real time for ${formatDuration(simulated)} of simulated service time.`,
    ),
  );
}

function reportFailure(session: Session, io: StartIo, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const during = (err as { during?: string }).during;
  if (err instanceof AssemblyError) {
    io.stderr.write(`npm start: ${message}\n`);
  } else {
    io.stderr.write(`npm start: ${during ? `${during} failed: ` : ''}${message}\n`);
    session.printState('The stand-in after the failure:');
  }
}

/** The app, the stand-in, 1. deploy, 2. the example's change, 3. destroy, and the summary. */
async function runSteps(session: Session, opts: StartOptions): Promise<StandIn> {
  const stacks = appStacks(opts, session);
  // Loaded only now: a bad --app answers without loading the emulator, the deployer and the SDK.
  const m = await import('./stand-in');
  printIntro(session, opts, m);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const defaults = opts.appDir ? undefined : (require('../../bin/app') as typeof import('../../bin/app')).EXAMPLE_DEFAULTS;
  const standIn = await startSeeded(session, stacks, m, defaults);
  const exampleSecond = exampleSecondOf(standIn);
  // The example change: the first trunk number leaves the list, the spare one joins it.
  const exampleTrunk = [...(defaults ? defaults.trunkNumbers.split(',') : []).slice(1), SPARE_TRUNK_NUMBER];
  printSeed(session, standIn, stacks);
  await deployAll(session, standIn, stacks);
  if (!opts.deployOnly) {
    if (exampleSecond)
      await runAuditedChange(session, stacks[0].region, defaults!, () => runExampleChange(session, exampleSecond, exampleTrunk));
    await destroyAll(session);
  }
  printSummary(session, opts, standIn, exampleSecond !== undefined);
  return standIn;
}

export async function runStart(argv: readonly string[], io: StartIo): Promise<StartOutcome> {
  const opts = optionsOrOutcome(argv, io);
  if ('code' in opts) return opts;
  const style = makeStyle(colorEnabled(opts.noColor, io.stdout.isTTY, io.env));
  const session = new Session(opts, io, style);
  let keep = false;
  try {
    const standIn = await runSteps(session, opts);
    keep = opts.keep;
    if (keep) printKeep(session, standIn);
    return { code: 0, standIn: keep ? standIn : undefined };
  } catch (err) {
    reportFailure(session, io, err);
    keep = opts.keep && session.standIn !== undefined;
    if (keep) printKeep(session, session.standIn!);
    return { code: 1, standIn: keep ? session.standIn : undefined };
  } finally {
    session.cleanup();
    if (!keep) await session.standIn?.stop();
  }
}

function printKeep(session: Session, standIn: StandIn): void {
  standIn.clock.followRealTime();
  session.out();
  session.out(
    session.style.bold(`The stand-in keeps serving at ${standIn.emulator.endpoint} (Ctrl-C stops it). Point the AWS CLI or SDK at it:`),
  );
  for (const [k, v] of Object.entries(standIn.sdkEnvironment)) session.out(`  export ${k}=${v}`);
  const scope = session.scopes[0];
  session.out(
    session.style.dim(
      `  e.g. aws connect list-phone-numbers-v2 --region ${scope?.region ?? 'us-east-1'}; its clock now follows real time.`,
    ),
  );
}
