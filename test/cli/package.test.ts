/**
 * `npx cdk-phone-numbers audit` from an app that installed the packed package, with nothing else: no
 * peer dependencies, no network (npm --offline), the bin found by npx.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REGION, startWorld, uuid, type World } from '../local/deploy/real-stack';
import type { JsonReport } from './helpers';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

describe('the packed package', () => {
  let world: World;
  let app: string;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'index.js')))
      throw new Error('dist/cli/index.js is missing: run `npm run bundle` first');
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-app-'));
    // The package as published (files of package.json), installed into an empty app on its own.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', app], { cwd: REPO_ROOT });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'an-app', version: '1.0.0', private: true }));
    await run('npm', ['install', `./${stdout.trim()}`, '--legacy-peer-deps', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: app,
    });
    world = await startWorld();
    const instance = world.emu.seedInstance({ instanceId: uuid(1) });
    world.emu.seedClaimedNumber({ phoneNumber: '+12065550199', targetArn: instance });
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
    fs.rmSync(app, { recursive: true, force: true });
  });

  it('runs `npx cdk-phone-numbers audit` from the app that installed it', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('npx', ['--offline', 'cdk-phone-numbers', 'audit', '--json'], {
        cwd: app,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: app,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_ENDPOINT_URL_CONNECT: world.emu.endpoint,
          AWS_ENDPOINT_URL_CHIME_SDK_VOICE: world.emu.endpoint,
          AWS_ENDPOINT_URL_CLOUDFORMATION: world.emu.endpoint,
        },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
      child.once('error', reject);
      child.once('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    expect(fs.readdirSync(path.join(app, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['cdk-phone-numbers']);
    expect({ code, stderr: stderr.includes('audit: read 1 Connect') }).toEqual({ code: 1, stderr: true });
    expect((JSON.parse(stdout) as JsonReport).numbers).toEqual([
      expect.objectContaining({ phoneNumber: '+12065550199', verdict: 'unowned' }),
    ]);
  }, 60_000);
});
