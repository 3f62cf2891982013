/**
 * The jsii assembly `npm run build` writes (.jsii: the API as Python, Java, .NET and Go users get it) and
 * the API reference generated from it: API.md must be what `npm run docgen` writes from the current
 * assembly, and the assembly must be newer than the sources it is compiled from.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const ASSEMBLY = path.join(ROOT, '.jsii');

/** The sources jsii compiles: lib/ and lambda/contract/ (which lib imports). README and package.json are compared by content. */
function assemblySources(): string[] {
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return [...walk(path.join(ROOT, 'lib')), ...walk(path.join(ROOT, 'lambda', 'contract'))];
}

test('the jsii assembly is built from the current sources, with the targets of every language', () => {
  expect(fs.existsSync(ASSEMBLY)).toBe(true);
  const builtAt = fs.statSync(ASSEMBLY).mtimeMs;
  const stale = assemblySources().filter((f) => fs.statSync(f).mtimeMs > builtAt);
  if (stale.length > 0) throw new Error(`.jsii is older than ${stale.map((f) => path.relative(ROOT, f)).join(', ')}: run npm run build.`);
  const assembly = JSON.parse(fs.readFileSync(ASSEMBLY, 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const current = {
    name: manifest.name,
    version: manifest.version,
    targets: manifest.jsii.targets,
    readme: fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'),
  };
  const built = {
    name: assembly.name,
    version: assembly.version,
    targets: { ...assembly.targets, js: undefined },
    readme: assembly.readme?.markdown,
  };
  // Otherwise: .jsii does not match package.json (name, version, jsii targets) or README.md; run npm run build.
  expect(built).toEqual({ ...current, targets: { ...current.targets, js: undefined } });
  expect(Object.keys(assembly.targets).sort()).toEqual(['dotnet', 'go', 'java', 'js', 'python']);
  expect(Object.keys(assembly.types).sort()).toEqual(
    expect.arrayContaining([
      'cdk-phone-numbers.ClaimedPhoneNumber',
      'cdk-phone-numbers.PhoneNumberFlowBinding',
      'cdk-phone-numbers.VoiceConnectorNumbers',
    ]),
  );
  // No member is named after a word reserved in a target language (jsii warns, and the build fails on warnings).
  const props = assembly.types['cdk-phone-numbers.ClaimedPhoneNumberProps'].properties.map((p: { name: string }) => p.name);
  expect(props).toContain('phoneNumberType');
  expect(props).not.toContain('type');
});

test('API.md is what jsii-docgen writes from the assembly (npm run docgen)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-phone-numbers-docgen-'));
  try {
    const out = path.join(dir, 'API.md');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'jsii-docgen'), ['-o', out], { cwd: ROOT, stdio: 'pipe' });
    const generated = fs.readFileSync(out, 'utf8');
    const committed = fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8');
    if (generated !== committed) throw new Error('API.md is not current: run npm run docgen and commit API.md.');
    expect(committed).toContain('### ClaimedPhoneNumber');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
