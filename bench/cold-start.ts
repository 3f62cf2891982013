/**
 * Cold start: what a fresh Lambda container spends before its first resource is done, on both sides,
 * measured in fresh Node processes against the stand-in (in this process's emulator thread):
 * - `require()` of the handler module;
 * - the first Create of a ClaimedPhoneNumber to its end (onEvent, then the isComplete polls back to back:
 *   the Provider's interval between them is a wait, not work), then its Delete to its end: the SDK
 *   clients, the credentials, the first signed call, the CloudFormation client a Delete loads.
 * The peer (AwsCustomResource) loads aws-cdk-lib's runtime handler module as Lambda does, and serves the
 * events with ./naive-handler, which loads `@aws-sdk/client-connect` at its first event as that runtime
 * does (from the runtime's node_modules, not bundled): ClaimPhoneNumber, then ReleasePhoneNumber.
 * Neither side's answer to CloudFormation (the response upload) is counted.
 *
 * The stand-in answers at once (no claim or release latency, no throttling): a cold start is the
 * container's work, not the service's waits. Each side is the median of `samples` processes, the two
 * alternated so that the machine's load weighs on both alike.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { transformSync } from 'esbuild';
import { ClaimedPhoneNumber } from '../lib';
import { loadTemplate } from '../local/deploy';
import { BUNDLE } from './fleet';
import type { RemoteEmulator } from './remote-emulator';
import { ACCOUNT, NO_LATENCY, REGION, handlerEnvironment, seed, startBenchEmulator } from './settings';

/**
 * Runs in the fresh process: requires the modules given (the last one's `entry` export is the handler),
 * runs the Create and then the Delete to their end, prints the milliseconds of each part as JSON.
 */
const PROBE = `
const { performance } = require('node:perf_hooks');
const spec = JSON.parse(process.env.BENCH_COLD_START);
const context = { getRemainingTimeInMillis: () => 600000 };
async function complete(fn, event) {
  const first = await fn(event, context);
  if (!spec.provider) return first.PhysicalResourceId;
  let e = { ...event, ...first, PhysicalResourceId: first.PhysicalResourceId || event.PhysicalResourceId || event.RequestId };
  for (let poll = 0; poll < 20; poll++) {
    const r = await fn(e, context);
    if (r.IsComplete) return r.PhysicalResourceId || e.PhysicalResourceId;
  }
  throw new Error(event.RequestType + ' did not complete in 20 polls');
}
(async () => {
  const t0 = performance.now();
  let mod;
  for (const m of spec.modules) mod = require(m);
  const t1 = performance.now();
  const fn = mod[spec.entry];
  const id = await complete(fn, spec.create);
  const t2 = performance.now();
  await complete(fn, { ...spec.delete, PhysicalResourceId: id });
  const t3 = performance.now();
  process.stdout.write(JSON.stringify({ requireMs: t1 - t0, createMs: t2 - t1, deleteMs: t3 - t2, totalMs: t3 - t0 }));
})().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
`;

/** The milliseconds of one cold start, by part. */
export interface ColdStartParts {
  readonly requireMs: number;
  readonly createMs: number;
  readonly deleteMs: number;
  readonly totalMs: number;
}

export interface ColdStartResult {
  readonly bundleBytes: number;
  /** Medians of each part, ours and the peer's. */
  readonly ours: ColdStartParts;
  readonly peer: ColdStartParts;
  /** ours.totalMs / peer.totalMs. */
  readonly ratio: number;
  readonly samples: number;
}

/** The AwsCustomResource runtime handler shipped inside aws-cdk-lib. */
export function awsCustomResourceHandlerPath(): string {
  const root = path.dirname(require.resolve('aws-cdk-lib/package.json'));
  return path.join(root, 'custom-resource-handlers', 'dist', 'custom-resources', 'aws-custom-resource-handler', 'index.js');
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median of each part over the samples (each part on its own). */
export function medianParts(samples: readonly ColdStartParts[]): ColdStartParts {
  const of = (k: keyof ColdStartParts) => median(samples.map((s) => s[k]));
  return { requireMs: of('requireMs'), createMs: of('createMs'), deleteMs: of('deleteMs'), totalMs: of('totalMs') };
}

/** Sample i: which side goes first (alternated, so that neither always runs on a warmer machine). */
export const oursFirst = (i: number): boolean => i % 2 === 0;

/** ./naive-handler as plain CommonJS where it resolves the SDK from this repository's node_modules. */
function compiledPeerHandler(): string {
  const source = path.join(__dirname, 'naive-handler.ts');
  const dir = path.join(__dirname, '..', 'node_modules', '.cache', 'cdk-phone-numbers-bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'naive-handler.js');
  const { code } = transformSync(fs.readFileSync(source, 'utf8'), { loader: 'ts', format: 'cjs', platform: 'node', target: 'node20' });
  fs.writeFileSync(file, code);
  return file;
}

const STACK_NAME = 'ColdStart';
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK_NAME}/${randomUUID()}`;
const SERVICE_TOKEN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${STACK_NAME}-onEvent`;

/** A CloudFormation event for one resource, as the Provider framework (or CloudFormation) passes it. */
function event(requestType: 'Create' | 'Delete', resourceType: string, properties: Record<string, unknown>): Record<string, unknown> {
  return {
    RequestType: requestType,
    ServiceToken: SERVICE_TOKEN,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/bench',
    StackId: STACK_ID,
    RequestId: randomUUID(),
    LogicalResourceId: 'Number',
    ResourceType: resourceType,
    ResourceProperties: { ServiceToken: SERVICE_TOKEN, ...properties },
  };
}

/** The properties the ClaimedPhoneNumber construct synthesizes (ServiceToken aside), for `phoneNumber`. */
function claimedProperties(targetArn: string, phoneNumber: string): Record<string, unknown> {
  const st = new Stack(new App(), STACK_NAME, { env: { account: ACCOUNT, region: REGION } });
  new ClaimedPhoneNumber(st, 'Number', { targetArn, phoneNumber, removalPolicy: RemovalPolicy.DESTROY });
  const resource = Object.values(loadTemplate(st).Resources).find((r) => r.Type === 'Custom::ClaimedPhoneNumber');
  if (!resource) throw new Error('cold start: the stack holds no Custom::ClaimedPhoneNumber');
  const props = { ...(resource.Properties as Record<string, unknown>) };
  delete props.ServiceToken;
  return props;
}

interface Probe {
  readonly modules: string[];
  readonly entry: string;
  readonly provider: boolean;
  readonly create: Record<string, unknown>;
  readonly delete: Record<string, unknown>;
}

function ourProbe(targetArn: string, phoneNumber: string): Probe {
  const props = claimedProperties(targetArn, phoneNumber);
  return {
    modules: [BUNDLE],
    entry: 'handler',
    provider: true,
    create: event('Create', 'Custom::ClaimedPhoneNumber', props),
    delete: event('Delete', 'Custom::ClaimedPhoneNumber', props),
  };
}

function peerProbe(peerHandler: string, targetArn: string, phoneNumber: string): Probe {
  const props = {
    Create: JSON.stringify({
      service: 'Connect',
      action: 'ClaimPhoneNumber',
      parameters: { TargetArn: targetArn, PhoneNumber: phoneNumber },
      physicalResourceId: { responsePath: 'PhoneNumberArn' },
    }),
    Delete: JSON.stringify({ service: 'Connect', action: 'ReleasePhoneNumber', parameters: { PhoneNumberId: 'PHYSICAL:RESOURCEID:' } }),
  };
  return {
    modules: [awsCustomResourceHandlerPath(), peerHandler],
    entry: 'handler',
    provider: false,
    create: event('Create', 'Custom::AWS', props),
    delete: event('Delete', 'Custom::AWS', props),
  };
}

function runProbe(probe: Probe, env: Record<string, string>): ColdStartParts {
  const out = execFileSync(process.execPath, ['--no-warnings', '-e', PROBE], {
    encoding: 'utf8',
    env: { ...process.env, ...env, BENCH_COLD_START: JSON.stringify(probe) },
  });
  const parts = JSON.parse(out) as ColdStartParts;
  if (!Number.isFinite(parts.totalMs)) throw new Error(`cold-start probe printed '${out}'`);
  return parts;
}

/** The stack the events name, as CloudFormation shows it to the handler: an update in progress. */
function publishStack(emu: RemoteEmulator): void {
  emu.stacks.publish({
    stackId: STACK_ID,
    stackName: STACK_NAME,
    region: REGION,
    accountId: ACCOUNT,
    status: 'UPDATE_IN_PROGRESS',
    creationTime: Date.now(),
    template: { Resources: {} },
    resources: [],
  });
}

export async function benchColdStart(samples = 15): Promise<ColdStartResult> {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} does not exist: run \`npm run bundle\` first`);
  // No throttling (rates x1000) and no latency: the container's work only.
  const emu = await startBenchEmulator(1000, NO_LATENCY);
  try {
    const rounds = samples + 1;
    const seeded = await seed(emu, 2 * rounds, 0);
    publishStack(emu);
    const env = { ...handlerEnvironment(emu.endpoint, 0), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const peerHandler = compiledPeerHandler();
    const ours: ColdStartParts[] = [];
    const theirs: ColdStartParts[] = [];
    // Round 0 is discarded: it warms the file cache for both.
    for (let i = 0; i < rounds; i++) {
      const mine = () => runProbe(ourProbe(seeded.instanceArn, seeded.connectNumbers[2 * i]), env);
      const peer = () => runProbe(peerProbe(peerHandler, seeded.instanceArn, seeded.connectNumbers[2 * i + 1]), env);
      let a: ColdStartParts;
      let b: ColdStartParts;
      if (oursFirst(i)) {
        a = mine();
        b = peer();
      } else {
        b = peer();
        a = mine();
      }
      if (i === 0) continue;
      ours.push(a);
      theirs.push(b);
    }
    const left = (await emu.snapshot()).claimed.length;
    if (left !== 0) throw new Error(`cold start: ${left} numbers left claimed: a Delete did not release what its Create claimed`);
    const o = medianParts(ours);
    const p = medianParts(theirs);
    return { bundleBytes: fs.statSync(BUNDLE).size, ours: o, peer: p, ratio: o.totalMs / p.totalMs, samples };
  } finally {
    await emu.stop();
  }
}
