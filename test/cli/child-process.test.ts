/**
 * The command as a pipeline runs it: `node dist/cli/index.js audit` (the package's bin, built by
 * `npm run bundle`) in a child process, configured only by its environment and flags.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber } from '../../lib';
import { loadTemplate } from '../../local/deploy';
import { ACCOUNT, REGION, startWorld, uuid, type World } from '../local/deploy/real-stack';
import type { JsonReport } from './helpers';

const BIN = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'index.js');
const MAIN = '+12065550100';
const BYSTANDER = '+12065550199';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The bin with exactly this environment (nothing inherited but PATH): no stray AWS settings of this machine. */
function bin(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cdk-phone-numbers audit run as a child process from the built bundle', () => {
  let world: World;
  let home: string;
  let endpoints: Record<string, string>;
  /** No shared config or credentials files, no instance metadata: only what a test gives. */
  let isolated: Record<string, string>;

  beforeAll(async () => {
    if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run bundle\` first`);
    world = await startWorld();
    const instance = world.emu.seedInstance({ instanceId: uuid(1) });
    world.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [MAIN] });
    world.emu.seedClaimedNumber({ phoneNumber: BYSTANDER, targetArn: instance });
    const stack = new Stack(new App(), 'Phones', { env: { account: ACCOUNT, region: REGION } });
    new ClaimedPhoneNumber(stack, 'Main', { targetArn: instance, phoneNumber: MAIN });
    await world.deployer({ stackName: 'Phones' }).deploy(loadTemplate(stack));
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-home-'));
    endpoints = {
      AWS_ENDPOINT_URL_CONNECT: world.emu.endpoint,
      AWS_ENDPOINT_URL_CHIME_SDK_VOICE: world.emu.endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: world.emu.endpoint,
    };
    isolated = {
      HOME: home,
      AWS_CONFIG_FILE: path.join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  });
  afterAll(async () => {
    await world.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const keys = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' };

  it('reads the stand-in through AWS_ENDPOINT_URL_*, writes the JSON report, and exits 1 on an unowned number', async () => {
    const run = await bin(['audit', '--json'], { ...isolated, ...endpoints, ...keys, AWS_REGION: REGION });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.numbers.map((r) => [r.phoneNumber, r.verdict])).toEqual([
      [MAIN, 'ok'],
      [BYSTANDER, 'unowned'],
    ]);
    expect(run.stderr).toContain('audit: read 2 Connect and 0 Chime SDK Voice number(s)');
  });

  it('exits 0 with --allow unowned, the region given by --region', async () => {
    const run = await bin(['audit', '--region', REGION, '--allow', 'unowned'], { ...isolated, ...endpoints, ...keys });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ok 1, drift 0, missing 0, conflict 0, kept 0, unowned 1');
  });

  it('takes its region and credentials from the profile AWS_PROFILE names', async () => {
    fs.writeFileSync(isolated.AWS_CONFIG_FILE, `[profile pipeline]\nregion = ${REGION}\n`);
    fs.writeFileSync(isolated.AWS_SHARED_CREDENTIALS_FILE, '[pipeline]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n');
    try {
      const run = await bin(['audit', '--allow', 'unowned'], { ...isolated, ...endpoints, AWS_PROFILE: 'pipeline' });
      expect(run.stderr).not.toContain('no credentials');
      expect(run.code).toBe(0);
    } finally {
      fs.rmSync(isolated.AWS_CONFIG_FILE);
      fs.rmSync(isolated.AWS_SHARED_CREDENTIALS_FILE);
    }
  });

  it('exits 2 with a clear message when no region is set', async () => {
    const run = await bin(['audit'], { ...isolated, ...endpoints, ...keys });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cdk-phone-numbers audit: no region: pass --region REGION, or set AWS_REGION');
    expect(run.stdout).toBe('');
  });

  it('exits 2 with a clear message when there are no credentials', async () => {
    const run = await bin(['audit'], { ...isolated, ...endpoints, AWS_REGION: REGION });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cdk-phone-numbers audit: no credentials');
    expect(run.stderr).toContain('set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });

  it('exits 2 on an unknown command or flag', async () => {
    const flag = await bin(['audit', '--bogus'], isolated);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('unknown option --bogus');
    const command = await bin(['inspect'], isolated);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command inspect');
  });
});
