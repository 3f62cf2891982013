/**
 * The published package, as `npm pack` makes it: a copy of the repository (node_modules linked) is packed
 * for real, with its lifecycle scripts, so the build the pack runs never rewrites this clone's dist/ while
 * other suites read it. Checks the licences it ships and that its manifest runs nothing at install.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
/** Left out of the copy: what the pack builds or installs, and what it never reads. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'cdk.out', 'coverage', '.package.json.prepack']);
const INSTALL_TIME_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];

let work: string;
let clone: string;
let unpacked: string;
let manifestBefore: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-phone-numbers-pack-'));
  clone = path.join(work, 'clone');
  fs.mkdirSync(clone);
  for (const entry of fs.readdirSync(ROOT)) {
    if (!NOT_COPIED.has(entry)) fs.cpSync(path.join(ROOT, entry), path.join(clone, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
  manifestBefore = fs.readFileSync(path.join(clone, 'package.json'), 'utf8');
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: clone, encoding: 'utf8', stdio: 'pipe' });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string }>;
  unpacked = path.join(work, 'unpacked');
  fs.mkdirSync(unpacked);
  execFileSync('tar', ['xzf', path.join(work, filename), '-C', unpacked]);
}, 240_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const packed = (file: string): string => path.join(unpacked, 'package', file);

test('the tarball ships the Apache-2.0 LICENSE and the NOTICE of the repository', () => {
  expect(fs.readFileSync(packed('LICENSE'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'));
  expect(fs.readFileSync(packed('LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  expect(fs.readFileSync(packed('NOTICE'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'NOTICE'), 'utf8'));
  expect(JSON.parse(fs.readFileSync(packed('package.json'), 'utf8')).license).toBe('Apache-2.0');
  // The API reference README.md links to, and the jsii assembly (Construct Hub reads it), which names the package and its licence.
  expect(fs.readFileSync(packed('API.md'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8'));
  expect(JSON.parse(fs.readFileSync(packed('.jsii'), 'utf8'))).toEqual(
    expect.objectContaining({ name: 'cdk-phone-numbers', license: 'Apache-2.0' }),
  );
});

test('the handler bundle ships with the licence of every package bundled into it', () => {
  const licences = fs.readFileSync(packed('dist/handler/THIRD-PARTY-LICENSES'), 'utf8');
  const bundle = fs.readFileSync(packed('dist/handler/index.js'), 'utf8');
  expect(bundle.length).toBeGreaterThan(100_000);
  // The packages the handler imports, at the versions installed (and so bundled).
  for (const name of [
    '@aws-sdk/client-connect',
    '@aws-sdk/client-chime-sdk-voice',
    '@aws-sdk/client-cloudformation',
    '@smithy/core',
    '@aws-lambda-powertools/logger',
  ]) {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    expect(licences).toContain(`\n${name}@${version}\nLicense: `);
  }
  // The SDK's own LICENSE file is copied, and Powertools (which ships none) gets the MIT-0 text its package.json names.
  const connect = licences.slice(licences.indexOf('\n@aws-sdk/client-connect@'));
  expect(connect.slice(0, 1000)).toMatch(/LICENSE:\n\n\s*Apache License/);
  expect(licences).toMatch(/@aws-lambda-powertools\/logger@[\d.]+\nLicense: MIT-0/);
  expect(licences).toContain('MIT No Attribution');
});

test('the packed manifest runs nothing at install, and the clone gets its own manifest back', () => {
  const manifest = JSON.parse(fs.readFileSync(packed('package.json'), 'utf8'));
  for (const script of INSTALL_TIME_SCRIPTS) expect(manifest.scripts?.[script]).toBeUndefined();
  // The clone keeps building on `npm ci`: prepare is back, byte for byte, and no saved copy is left over.
  expect(fs.readFileSync(path.join(clone, 'package.json'), 'utf8')).toBe(manifestBefore);
  expect(JSON.parse(manifestBefore).scripts.prepare).toBe('npm run build');
  expect(fs.existsSync(path.join(clone, '.package.json.prepack'))).toBe(false);
});

test('a pack that died before postpack is repaired by the next strip or restore', () => {
  const script = path.join(clone, 'scripts', 'pack-manifest.mjs');
  execFileSync('node', [script, 'strip']);
  expect(JSON.parse(fs.readFileSync(path.join(clone, 'package.json'), 'utf8')).scripts.prepare).toBeUndefined();
  execFileSync('node', [script, 'strip']); // a second pack after the first died: the saved manifest is the original
  execFileSync('node', [script, 'restore']);
  expect(fs.readFileSync(path.join(clone, 'package.json'), 'utf8')).toBe(manifestBefore);
  expect(() => execFileSync('node', [script, 'unknown'], { stdio: 'pipe' })).toThrow(/unknown command 'unknown'/);
});

/** A consumer's app: plain JavaScript against the unpacked tarball, with this clone's aws-cdk-lib and constructs. */
const CONSUMER_APP = `
const { App, Stack } = require('aws-cdk-lib');
const connect = require('aws-cdk-lib/aws-connect');
const chime = require('aws-cdk-lib/aws-chime');
const { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } = require('cdk-phone-numbers');
const app = new App({ outdir: process.argv[2] });
const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'us-east-1' } });
const instance = new connect.CfnInstance(stack, 'Instance', { identityManagementType: 'CONNECT_MANAGED', attributes: { inboundCalls: true, outboundCalls: true } });
const flow = new connect.CfnContactFlow(stack, 'Flow', { instanceArn: instance.attrArn, name: 'Support', type: 'CONTACT_FLOW', content: '{}' });
const number = new ClaimedPhoneNumber(stack, 'Number', { instance, countryCode: 'US' });
new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlow: flow });
const connector = new chime.CfnVoiceConnector(stack, 'Connector', { name: 'trunk', requireEncryption: true });
new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnector: connector, phoneNumbers: ['+12065550150'] });
const template = app.synth().getStackByName('Consumer').template;
console.log(JSON.stringify(Object.values(template.Resources).map((r) => r.Type)));
`;

test('a consumer app synthesizes all three constructs on L1 references from the tarball, with the bundled handler', () => {
  const app = path.join(work, 'consumer');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  fs.cpSync(path.join(unpacked, 'package'), path.join(app, 'node_modules', 'cdk-phone-numbers'), { recursive: true });
  for (const dep of ['aws-cdk-lib', 'constructs']) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(app, 'node_modules', dep), 'dir');
  }
  fs.writeFileSync(path.join(app, 'app.js'), CONSUMER_APP);
  const out = path.join(app, 'cdk.out');
  const types: string[] = JSON.parse(execFileSync('node', ['app.js', out], { cwd: app, encoding: 'utf8' }));
  expect(types).toEqual(
    expect.arrayContaining(['Custom::ClaimedPhoneNumber', 'Custom::PhoneNumberFlowBinding', 'Custom::VoiceConnectorNumbers']),
  );
  // The handler asset is the bundle from the tarball: no esbuild and no Docker at the consumer's synth.
  const assets = fs.readdirSync(out).filter((d) => d.startsWith('asset.'));
  const bundled = fs.readFileSync(packed('dist/handler/index.js'));
  expect(
    assets.some((d) => fs.existsSync(path.join(out, d, 'index.js')) && fs.readFileSync(path.join(out, d, 'index.js')).equals(bundled)),
  ).toBe(true);
});
