/**
 * Cloud assemblies (the directory `cdk synth` writes, e.g. cdk.out): the stacks they hold, their
 * templates, the custom resources of this library in them, and the handler bundle each stack ships.
 * The example app (bin/app.ts) is synthesized into a temporary assembly too, so both paths are one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResourceTypes } from '../../lambda/contract/resource-types';
import { loadTemplate } from '../deploy/template';
import type { CfnTemplate, TemplateResource } from '../deploy/types';

export const LIBRARY_TYPES: readonly string[] = Object.values(ResourceTypes);

/** The bundle built by `npm run bundle` (and by `npm ci`'s prepare script). */
export const REPO_BUNDLE = path.resolve(__dirname, '..', '..', 'dist', 'handler', 'index.js');

const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_REGION = 'us-east-1';

export interface AssemblyStack {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** False when the manifest says unknown-account / unknown-region (environment-agnostic stack). */
  readonly envKnown: boolean;
  readonly templateFile: string;
  readonly template: CfnTemplate;
  /** Logical ids of this library's custom resources, in template order. */
  readonly libraryResources: string[];
  /** The handler bundle the stack ships (its asset in the assembly), or this checkout's bundle. */
  readonly handlerFile: string;
  /** The export the template's Handler names ('handler' for 'index.handler'). */
  readonly handlerEntry: string;
  /** Where the handler came from, for humans. */
  readonly handlerSource: 'assembly' | 'checkout';
}

/** The directory is not a cloud assembly, or holds none of this library's resources. */
export class AssemblyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssemblyError';
  }
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly displayName?: string;
  readonly properties?: { readonly templateFile?: string; readonly directoryName?: string };
}

function readManifest(dir: string): Record<string, ManifestArtifact> {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new AssemblyError(`--app ${dir}: no such directory. Pass the output directory of \`npx cdk synth\` (usually cdk.out).`);
  }
  if (!fs.existsSync(file)) {
    throw new AssemblyError(
      `--app ${dir}: not a cloud assembly (no manifest.json). Run \`npx cdk synth\` in your app and pass its output directory (usually cdk.out).`,
    );
  }
  try {
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { artifacts?: Record<string, ManifestArtifact> };
    return manifest.artifacts ?? {};
  } catch (err) {
    throw new AssemblyError(
      `--app ${dir}: manifest.json is not valid JSON (${err instanceof Error ? err.message : String(err)}); synthesize again with \`npx cdk synth\`.`,
    );
  }
}

/** The function of this library's Provider: Handler 'index.handler' and a description naming the library. */
function handlerOf(dir: string, template: CfnTemplate): Pick<AssemblyStack, 'handlerFile' | 'handlerEntry' | 'handlerSource'> {
  const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  const ours = functions.find((f) => {
    const p = (f.Properties ?? {}) as { Handler?: unknown; Description?: unknown };
    return typeof p.Handler === 'string' && typeof p.Description === 'string' && p.Description.startsWith('cdk-phone-numbers');
  });
  const entry =
    typeof ours?.Properties?.Handler === 'string' ? ours.Properties.Handler.split('.').slice(1).join('.') || 'handler' : 'handler';
  const assetDir = ours ? assetDirOf(dir, ours) : undefined;
  if (assetDir && fs.existsSync(path.join(assetDir, 'index.js'))) {
    return { handlerFile: path.join(assetDir, 'index.js'), handlerEntry: entry, handlerSource: 'assembly' };
  }
  return { handlerFile: REPO_BUNDLE, handlerEntry: entry, handlerSource: 'checkout' };
}

/** The asset directory of a function: its aws:asset:path metadata, or asset.<hash> from its S3 key. */
function assetDirOf(dir: string, fn: TemplateResource): string | undefined {
  const assetPath = fn.Metadata?.['aws:asset:path'];
  if (typeof assetPath === 'string') return path.resolve(dir, assetPath);
  const key = (fn.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
  const m = typeof key === 'string' ? /^([0-9a-f]{64})\.zip$/.exec(key) : null;
  return m ? path.join(dir, `asset.${m[1]}`) : undefined;
}

function parseEnvironment(environment: string | undefined): { account: string; region: string; envKnown: boolean } {
  const m = /^aws:\/\/([^/]+)\/(.+)$/.exec(environment ?? '');
  const account = m && /^\d{12}$/.test(m[1]) ? m[1] : undefined;
  const region = m && m[2] !== 'unknown-region' ? m[2] : undefined;
  return { account: account ?? DEFAULT_ACCOUNT, region: region ?? DEFAULT_REGION, envKnown: account !== undefined && region !== undefined };
}

/** Every CloudFormation stack of the assembly (nested assemblies of CDK Stages included), in manifest order. */
export function readAssembly(dir: string): AssemblyStack[] {
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries(readManifest(dir))) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...readAssembly(path.join(dir, artifact.properties.directoryName)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const templateFile = path.join(dir, artifact.properties.templateFile);
    const template = loadTemplate(templateFile);
    const libraryResources = Object.entries(template.Resources)
      .filter(([, r]) => LIBRARY_TYPES.includes(r.Type))
      .map(([logicalId]) => logicalId);
    let env = parseEnvironment(artifact.environment);
    if (!env.envKnown) {
      // An environment-agnostic stack: the account and region of the first Connect ARN its resources name.
      const named = /arn:aws[a-z-]*:connect:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):/.exec(
        JSON.stringify(libraryResources.map((r) => template.Resources[r])),
      );
      if (named) env = { account: named[2], region: named[1], envKnown: false };
    }
    stacks.push({ name: artifact.displayName ?? id, ...env, templateFile, template, libraryResources, ...handlerOf(dir, template) });
  }
  return stacks;
}

/** The stacks that hold this library's resources; an AssemblyError naming what was found when none do. */
export function stacksWithLibraryResources(dir: string, stacks: readonly AssemblyStack[]): AssemblyStack[] {
  const ours = stacks.filter((s) => s.libraryResources.length > 0);
  if (ours.length === 0) {
    const found = stacks.length === 0 ? 'no stacks' : `stacks ${stacks.map((s) => s.name).join(', ')}, none with them`;
    throw new AssemblyError(
      `--app ${dir}: no resources of cdk-phone-numbers (${LIBRARY_TYPES.join(', ')}) in this assembly (${found}). ` +
        'Pass the cdk.out of an app that uses ClaimedPhoneNumber, PhoneNumberFlowBinding or VoiceConnectorNumbers.',
    );
  }
  return ours;
}

/** Synthesizes the example app (bin/app.ts) with this context into `outdir`; returns its stacks. */
export function synthesizeExample(outdir: string, context: Record<string, string> = {}): AssemblyStack[] {
  // Loaded here: --help and a bad flag answer without loading aws-cdk-lib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildExampleApp } = require('../../bin/app') as typeof import('../../bin/app');
  // CDK's built-in template validation (a WebAssembly engine) costs seconds at every synth, and a
  // local run ignores the resources it checks; `npx cdk synth` still runs it.
  const app = new App({ outdir, context, builtinCloudFormationValidation: false });
  buildExampleApp(app);
  app.synth();
  return readAssembly(outdir);
}
