/**
 * Synth scale: time (the median of 5 synths) and template size of stacks of 1, 100 and 240 numbers each with a binding (499
 * resources with the handler's own: CloudFormation allows 500 a stack) and 400 numbers without
 * bindings, and the Lambda functions each template holds (constant: the handler and the Provider's).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { App, Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding } from '../lib';
import { median } from './cold-start';
import { ACCOUNT, FLOW_ID, INSTANCE_ID, REGION, numbers } from './settings';

export interface SynthSize {
  readonly numbers: number;
  readonly bindings: number;
}

export interface SynthResult extends SynthSize {
  readonly seconds: number;
  readonly templateBytes: number;
  readonly resources: number;
  readonly handlerFunctions: number;
}

export const SYNTH_SIZES: readonly SynthSize[] = [
  { numbers: 1, bindings: 1 },
  { numbers: 100, bindings: 100 },
  { numbers: 240, bindings: 240 },
  { numbers: 400, bindings: 0 },
];

/** Lambda functions in a template (AWS::Lambda::Function, and SAM's if any). */
export function handlerFunctions(template: { Resources?: Record<string, { Type: string }> }): number {
  return Object.values(template.Resources ?? {}).filter((r) => r.Type === 'AWS::Lambda::Function' || r.Type === 'AWS::Serverless::Function')
    .length;
}

export function synthOne(size: SynthSize): SynthResult {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    const started = performance.now();
    const app = new App({ outdir });
    const stack = new Stack(app, `Numbers${size.numbers}`, { env: { account: ACCOUNT, region: REGION } });
    const instanceArn = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${INSTANCE_ID}`;
    const flowArn = `${instanceArn}/contact-flow/${FLOW_ID}`;
    const all = numbers('206', size.numbers);
    for (let i = 0; i < size.numbers; i++) {
      const number = new ClaimedPhoneNumber(stack, `Number${i}`, { targetArn: instanceArn, phoneNumber: all[i] });
      if (i < size.bindings) new PhoneNumberFlowBinding(stack, `Binding${i}`, { phoneNumber: number, contactFlowArn: flowArn });
    }
    const artifact = app.synth().getStackByName(stack.stackName);
    const seconds = (performance.now() - started) / 1000;
    const file = path.join(outdir, artifact.templateFile);
    const template = JSON.parse(fs.readFileSync(file, 'utf8')) as { Resources: Record<string, { Type: string }> };
    return {
      ...size,
      seconds,
      templateBytes: fs.statSync(file).size,
      resources: Object.keys(template.Resources).length,
      handlerFunctions: handlerFunctions(template),
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Synths of each size, by default. */
export const SYNTH_SAMPLES = 5;

/** The result of a size's samples: the median of their seconds (the rest is the same in each). */
export function medianResult(results: readonly SynthResult[]): SynthResult & { readonly samples: number } {
  if (results.length === 0) throw new Error('medianResult of no samples');
  return { ...results[0], seconds: median(results.map((r) => r.seconds)), samples: results.length };
}

/**
 * Sizes in order, after one discarded synth of one number (module loading and asset staging warm up);
 * `samples` synths of each size, their median time.
 */
export function benchSynth(sizes: readonly SynthSize[] = SYNTH_SIZES, samples = SYNTH_SAMPLES): Array<SynthResult & { samples: number }> {
  synthOne({ numbers: 1, bindings: 1 });
  return sizes.map((size) => medianResult(Array.from({ length: samples }, () => synthOne(size))));
}
