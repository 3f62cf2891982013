/**
 * Cold start: the size of the handler bundle, and the time a fresh Node process takes to load it
 * (both SDK clients and the logger come with it), against aws-cdk-lib's AwsCustomResource runtime
 * handler loading the Connect client, as it does in Lambda (from the runtime's node_modules, not
 * bundled). Each is the median of `samples` fresh processes, the two alternated so that machine load
 * weighs on both alike.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLE } from './fleet';

/** Runs in the fresh process: requires each module given, prints the milliseconds it took. */
const PROBE = `
const { performance } = require('node:perf_hooks');
const t0 = performance.now();
for (const m of process.argv.slice(1)) require(m);
process.stdout.write(String(performance.now() - t0));
`;

export interface ColdStartResult {
  readonly bundleBytes: number;
  readonly loadMs: number;
  readonly awsCustomResourceLoadMs: number;
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

function loadMs(modules: string[]): number {
  const out = execFileSync(process.execPath, ['--no-warnings', '-e', PROBE, ...modules], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'us-east-1' },
  });
  const ms = Number(out.trim());
  if (!Number.isFinite(ms)) throw new Error(`cold-start probe printed '${out}' for ${modules.join(', ')}`);
  return ms;
}

export function benchColdStart(samples = 15): ColdStartResult {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} does not exist: run \`npm run bundle\` first`);
  const peer = [awsCustomResourceHandlerPath(), require.resolve('@aws-sdk/client-connect')];
  const ours: number[] = [];
  const theirs: number[] = [];
  // One discarded round warms the file cache for both.
  loadMs([BUNDLE]);
  loadMs(peer);
  for (let i = 0; i < samples; i++) {
    if (i % 2 === 0) {
      ours.push(loadMs([BUNDLE]));
      theirs.push(loadMs(peer));
    } else {
      theirs.push(loadMs(peer));
      ours.push(loadMs([BUNDLE]));
    }
  }
  const m = median(ours);
  const m2 = median(theirs);
  return { bundleBytes: fs.statSync(BUNDLE).size, loadMs: m, awsCustomResourceLoadMs: m2, ratio: m / m2, samples };
}
