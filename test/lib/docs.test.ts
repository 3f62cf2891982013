/**
 * The library's doc comments: every exported props interface, prop and enum member is documented, every
 * construct has an `@example`, and every example compiles against the library and synthesizes.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ts from 'typescript';
import * as library from '../../lib';

const ROOT = path.join(__dirname, '..', '..');
const LIB = path.join(ROOT, 'lib');
/** The public files: lib/*.ts (lib/private holds no public API). */
const PUBLIC_FILES = fs
  .readdirSync(LIB)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => path.join(LIB, f));
const CONSTRUCTS = ['ClaimedPhoneNumber', 'PhoneNumberFlowBinding', 'VoiceConnectorNumbers', 'ClaimedPhoneNumbers'];
/** The resource type of a construct that declares another construct's resources (a group): the others are Custom::NAME. */
const RESOURCE_OF: Record<string, string> = { ClaimedPhoneNumbers: 'ClaimedPhoneNumber' };

interface Example {
  readonly owner: string;
  readonly code: string;
}

function sourceOf(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The JSDoc blocks written right above a node (what TypeScript attaches to it). */
const jsDocsOf = (node: ts.Node): readonly ts.JSDoc[] => (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];

/** The text of each `@example` block of a doc comment, with the ` * ` margin taken off. */
function examplesIn(doc: ts.JSDoc, sf: ts.SourceFile): string[] {
  const lines = sf.text
    .slice(doc.getStart(sf), doc.getEnd())
    .split('\n')
    .map((l) => l.replace(/^\s*\*\/?\s?/, '').replace(/^\/\*\*\s?/, ''));
  const out: string[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (/^@example\b/.test(line)) {
      current = [];
      out.push('');
      continue;
    }
    if (/^@\w+/.test(line)) current = undefined;
    else if (current) {
      current.push(line);
      out[out.length - 1] = current.join('\n').trim();
    }
  }
  return out;
}

function collect(): { undocumented: string[]; examples: Example[] } {
  const undocumented: string[] = [];
  const examples: Example[] = [];
  for (const file of PUBLIC_FILES) {
    const sf = sourceOf(file);
    const where = path.relative(ROOT, file);
    for (const node of sf.statements) {
      if (!isExported(node)) continue;
      if (ts.isInterfaceDeclaration(node) || ts.isEnumDeclaration(node) || ts.isClassDeclaration(node)) {
        const name = node.name?.text ?? '(anonymous)';
        if (jsDocsOf(node).length === 0) undocumented.push(`${where}: ${name}`);
        for (const doc of jsDocsOf(node)) examples.push(...examplesIn(doc, sf).map((code) => ({ owner: name, code })));
        if (ts.isInterfaceDeclaration(node)) {
          for (const member of node.members) {
            if (jsDocsOf(member).length === 0) undocumented.push(`${where}: ${name}.${member.name?.getText(sf)}`);
          }
        }
        if (ts.isEnumDeclaration(node)) {
          for (const member of node.members) {
            if (jsDocsOf(member).length === 0) undocumented.push(`${where}: ${name}.${member.name.getText(sf)}`);
          }
        }
      }
    }
  }
  return { undocumented, examples };
}

const { undocumented, examples } = collect();

/** Type-checks the examples as files importing 'cdk-phone-numbers' (mapped to lib/index.ts). */
function typeErrors(sources: ReadonlyMap<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    baseUrl: ROOT,
    paths: { 'cdk-phone-numbers': ['lib/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    sources.has(name) ? ts.createSourceFile(name, sources.get(name)!, language) : getSourceFile(name, language, ...rest);
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && sources.has(d.file.fileName))
    .map((d) => `${path.basename(d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** Runs an example (transpiled to CommonJS, 'cdk-phone-numbers' being this library) and returns its `stack`. */
function run(example: Example): Stack {
  const js = ts.transpileModule(`${example.code}\nexports.__stack = stack;`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const exported: { __stack?: Stack } = {};
  const nodeRequire = createRequire(__filename);
  const load = (id: string): unknown => (id === 'cdk-phone-numbers' ? library : nodeRequire(id));
  new Function('require', 'exports', js)(load, exported);
  if (!(exported.__stack instanceof Stack)) throw new Error(`the example of ${example.owner} does not name its stack 'stack'`);
  return exported.__stack;
}

describe('the library documentation', () => {
  it('documents every exported interface and its props, every enum and its members, every construct', () => {
    expect(undocumented).toEqual([]);
  });

  it('has an @example on each construct', () => {
    expect(CONSTRUCTS.filter((c) => !examples.some((e) => e.owner === c))).toEqual([]);
    expect(CONSTRUCTS.every((c) => typeof (library as Record<string, unknown>)[c] === 'function')).toBe(true);
  });

  it('has examples that compile against the library (a broken one, checked alongside, does not)', () => {
    // One program for all (type-checking against aws-cdk-lib's declarations takes most of the time).
    const broken = path.join(ROOT, 'test', 'lib', 'example-broken.ts');
    const sources = new Map(examples.map((e, i) => [path.join(ROOT, 'test', 'lib', `example-${i}-${e.owner}.ts`), e.code]));
    sources.set(
      broken,
      [
        "import { VoiceConnectorNumbers } from 'cdk-phone-numbers';",
        "new VoiceConnectorNumbers(undefined, 'Trunk', { voiceConnectorId: 1 });",
      ].join('\n'),
    );
    const errors = typeErrors(sources);
    expect(errors.filter((e) => !e.startsWith('example-broken.ts:'))).toEqual([]);
    expect(errors.filter((e) => e.startsWith('example-broken.ts:')).length).toBeGreaterThan(0);
  });

  it.each(examples.map((e) => [e.owner, e] as const))('has a %s example that synthesizes a stack holding it', (owner, example) => {
    const template = Template.fromStack(run(example));
    expect(Object.keys(template.findResources(`Custom::${RESOURCE_OF[owner] ?? owner}`)).length).toBeGreaterThan(0);
  });
});
