/**
 * `npm start` as a user runs it: a child process (npm, ts-node, the program), its output and exit code.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INSTANCE_ARN, NO_LIBRARY_RESOURCES, SEARCH_AND_BIND, writeAssembly, numbersSeenFromPrintedEnvironment } from './fixtures';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function npmStart(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent', '--', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The line of `text` that matches, or a failure that shows the whole output. */
function lineMatching(text: string, pattern: RegExp): string {
  const line = text.split('\n').find((l) => pattern.test(l));
  if (line === undefined) throw new Error(`no line matches ${pattern} in:\n${text}`);
  return line;
}

describe('npm start', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('deploys, changes and destroys the example app, prints the numbers after each step, and exits 0', async () => {
    // WHEN (in parallel with nothing else: one full run)
    const run = await npmStart(['--no-color']);

    // THEN
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const out = run.stdout;
    expect(out).not.toContain('\u001b['); // --no-color
    // progress, one line per resource event, as cdk deploy prints them
    expect(lineMatching(out, /CREATE_COMPLETE .*Custom::ClaimedPhoneNumber .*MainLine/)).toMatch(
      /^PhoneNumbersExample \| [1-5]\/5 \| +\+\d+:\d\d \| CREATE_COMPLETE +\| Custom::ClaimedPhoneNumber +\| MainLine[0-9A-F]{8}$/,
    );
    expect(out).toMatch(
      /^PhoneNumbersExample \| 5\/5 \| +\+\d+:\d\d \| CREATE_COMPLETE +\| AWS::CloudFormation::Stack +\| PhoneNumbersExample$/m,
    );
    // the table after the deploy: the adopted number bound to the flow, the bystander untouched
    const afterDeploy = out.slice(out.indexOf('After the deploy:'), out.indexOf('== 2.'));
    expect(lineMatching(afterDeploy, /\+12065550100/)).toMatch(
      /MainLine\w+ +\+12065550100 +instance 11111111… +flow aaaaaaaa… +- +CLAIMED +PhoneNumbersExample\/MainLine\w+ \(adopted\)/,
    );
    expect(lineMatching(afterDeploy, /\+12065550199/)).toMatch(
      /^ +- +\+12065550199 +instance 11111111… +- +- +CLAIMED +- \(no owner tag\)$/,
    );
    expect(lineMatching(afterDeploy, /\+12065550150/)).toMatch(/TrunkNumbers\w+ +\+12065550150 .*abcdef1ghij2klmno3pqr4 +ASSOCIATED/);
    // a hand change found by the audit: the flow declared and the flow found, and the seeded leftover unowned
    const handAudit = out.slice(out.indexOf('== Audit: a hand change'), out.indexOf('== 2.'));
    expect(lineMatching(handAudit, /^ +drift/)).toMatch(
      /^ +drift +\+12065550100 +instance\/11111111-\S+ +contact-flow\/c0ffee00-\S+ +CLAIMED +PhoneNumbersExample\/MainLine/,
    );
    expect(handAudit).toMatch(
      /flow: declared arn:\S+\/contact-flow\/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, found arn:\S+\/contact-flow\/c0ffee00-/,
    );
    expect(lineMatching(handAudit, /\+12065550199/)).toMatch(/^ +unowned +\+12065550199 /);
    expect(handAudit).toContain('ok 3, drift 1, missing 0, conflict 0, kept 0, unowned 2');
    expect(handAudit).toContain('exit code 1: a pipeline step gating on it fails');
    // the redeploy repaired it: the second audit finds no drift
    const secondAudit = out.slice(out.indexOf('== Audit again'), out.indexOf('== 3.'));
    expect(lineMatching(secondAudit, /\+12065550100/)).toMatch(/^ +ok +\+12065550100 +instance\/7d3f5c2a-\S+ +contact-flow\/e4a1b7c9-/);
    expect(secondAudit).toContain('ok 4, drift 0, missing 0, conflict 0, kept 0, unowned 2');
    expect(secondAudit).toContain('exit code 0: a pipeline step gating on it passes');
    // the preview of the change, then the change as previewed
    expect(lineMatching(out, /MainLine\w+ +Custom::ClaimedPhoneNumber +UPDATE in place/)).toContain(
      '+12065550100: moves instance 11111111… -> instance 7d3f5c2a…',
    );
    expect(out).toContain('disassociate +12065550150');
    expect(out).toContain('numbers released by this change: none');
    expect(out).toContain('the deploy did what the preview said');
    const afterChange = out.slice(out.indexOf('After the change:'), out.indexOf('== 3.'));
    expect(lineMatching(afterChange, /\+12065550100/)).toMatch(/instance 7d3f5c2a… +flow e4a1b7c9…/);
    expect(lineMatching(afterChange, /\+12065550150/)).toMatch(/UNASSOCIATED/);
    expect(lineMatching(afterChange, /\+12065550152/)).toMatch(/abcdef1ghij2klmno3pqr4 +ASSOCIATED/);
    // destroy: bindings and trunk deleted, numbers retained and shown as still claimed, unbound
    expect(out).toMatch(/DELETE_SKIPPED +\| Custom::ClaimedPhoneNumber +\| MainLine\w+ \(kept by its DeletionPolicy/);
    expect(out).toContain('kept under RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE: +12065550100');
    const afterDestroy = out.slice(out.indexOf('After destroy:'));
    expect(lineMatching(afterDestroy, /\+12065550100/)).toMatch(
      /^ +- +\+12065550100 +instance 7d3f5c2a… +- +- +CLAIMED +PhoneNumbersExample\/MainLine\w+ \(adopted\)$/,
    );
    // one summary line, last
    const lines = out.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toMatch(
      /^OK: deployed 5 resources, changed 5, destroyed 3; 2 numbers kept claimed by their removal policy \(.*\+12065550100.*\); 0 numbers released; [\d.]+ s real time for \d+:\d\d of simulated service time\.$/,
    );
  }, 60_000);

  it("exits 1 with the usage for a bad flag, and 1 for an assembly without this library's resources", async () => {
    const dir = writeAssembly(NO_LIBRARY_RESOURCES, 'Other');
    dirs.push(dir);

    const [badFlag, noResources] = await Promise.all([npmStart(['--bogus']), npmStart(['--app', dir])]);

    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr).toContain("npm start: unknown flag '--bogus'");
    expect(badFlag.stderr).toContain('usage: npm start -- [--deploy-only] [--keep] [--app DIR] [--no-color] [--help]');
    expect(noResources.code).toBe(1);
    expect(noResources.stderr).toContain(`--app ${dir}: no resources of cdk-phone-numbers`);
    expect(noResources.stderr).toContain('(stacks Other, none with them)');
    expect(noResources.stdout).toBe('');
  }, 60_000);

  it('--keep serves until SIGTERM, at the endpoint and with the variables it prints, then exits 0', async () => {
    const dir = writeAssembly(SEARCH_AND_BIND);
    dirs.push(dir);
    // The program itself, as the start script runs it (without npm, which would die of the signal itself
    // and hide the program's exit code).
    const tsNode = path.join(REPO_ROOT, 'node_modules', '.bin', 'ts-node');
    const child = spawn(tsNode, ['--transpile-only', 'local/start/cli.ts', '--app', dir, '--deploy-only', '--keep', '--no-color'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString('utf8');
          if (/export AWS_REGION=\S+\n/.test(out)) resolve();
        });
        child.stderr.on('data', (c: Buffer) => {
          out += c.toString('utf8');
        });
        child.once('exit', (code) => reject(new Error(`npm start exited early (${code}):\n${out}`)));
      });
      const seen = await numbersSeenFromPrintedEnvironment(out, INSTANCE_ARN);
      expect(seen).toEqual([expect.stringMatching(/^\+1425555551[012]$/)]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('received SIGTERM, stopping the stand-in');
  }, 60_000);
});
