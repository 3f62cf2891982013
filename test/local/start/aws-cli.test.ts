/**
 * A second client: the AWS CLI (botocore, not the AWS SDK for JavaScript) against the stand-in of
 * `npm start -- --keep`, configured only from the variables it prints, runs the calls a new user would
 * try after the run (README, `--keep`). A machine without `aws` says so in the test output and in
 * the test's assertion, instead of passing silently.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking this process; resolves with its exit code and output. */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, [...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code as number) : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The AWS CLI on PATH, or why there is none (asked before any server runs: a blocking call is fine here). */
function findAwsCli(): { readonly version: string } | { readonly missing: string } {
  const r = spawnSync('aws', ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) {
    return { missing: `the AWS CLI ('aws') was not found on PATH or did not run: ${r.error?.message ?? `exit ${r.status}: ${r.stderr}`}` };
  }
  return { version: `${r.stdout}${r.stderr}`.trim() };
}

const CLI = findAwsCli();

/** Starts `npm start -- --keep` (the program itself, as the start script runs it) and resolves with its output once it serves. */
function startKept(): { child: ChildProcess; ready: Promise<string> } {
  const tsNode = path.join(REPO_ROOT, 'node_modules', '.bin', 'ts-node');
  const child = spawn(tsNode, ['--transpile-only', 'local/start/cli.ts', '--keep', '--no-color'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (/its clock now follows real time/.test(out)) resolve(out);
    });
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.once('exit', (code) => reject(new Error(`npm start -- --keep exited early (${code}):\n${out}`)));
  });
  return { child, ready };
}

describe('the AWS CLI against the stand-in of npm start -- --keep', () => {
  let child: ChildProcess | undefined;
  let home: string | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  if ('missing' in CLI) {
    it('cannot run on this machine: the AWS CLI is missing (install it to run the second client)', () => {
      // Said in the output and asserted, not skipped: this machine cannot run the second client.
      process.stderr.write(`\nAWS CLI CHECKS NOT RUN: ${CLI.missing}\n`);
      expect(CLI.missing).toMatch(/^the AWS CLI \('aws'\) was not found on PATH or did not run: /);
    });
    return;
  }

  it(`runs the calls a user would try with ${CLI.version.split(' ')[0]}: Connect, Chime SDK Voice and CloudFormation reads, and a tag write`, async () => {
    const started = startKept();
    child = started.child;
    const out = await started.ready;
    // Only what npm start printed, in a home without any AWS configuration or credentials.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-cli-home-'));
    const printed = Object.fromEntries([...out.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_CONFIG_FILE: path.join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
      AWS_PAGER: '',
      ...printed,
    };
    const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
      const r = await run('aws', [...args, '--output', 'json'], env);
      if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
      return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
    };
    type Listed = { PhoneNumber: string; PhoneNumberArn: string; PhoneNumberId: string; TargetArn: string; InstanceId?: string };

    // Connect: the numbers the run left claimed (kept by their removal policy) and the one claimed by hand.
    const listed = (await aws('connect', 'list-phone-numbers-v2')).ListPhoneNumbersSummaryList as Listed[];
    expect(listed.map((n) => n.PhoneNumber)).toEqual(expect.arrayContaining(['+12065550100', '+12065550199']));
    const main = listed.find((n) => n.PhoneNumber === '+12065550100')!;
    const described = (await aws('connect', 'describe-phone-number', '--phone-number-id', main.PhoneNumberId)).ClaimedPhoneNumberSummary;
    expect(described).toMatchObject({ PhoneNumberArn: main.PhoneNumberArn, PhoneNumberStatus: { Status: 'CLAIMED' } });
    const byTarget = (await aws('connect', 'list-phone-numbers-v2', '--target-arn', main.TargetArn))
      .ListPhoneNumbersSummaryList as Listed[];
    expect(byTarget.map((n) => n.PhoneNumber)).toContain('+12065550100');
    const search = await aws(
      'connect',
      'search-available-phone-numbers',
      '--target-arn',
      main.TargetArn,
      '--phone-number-country-code',
      'US',
      '--phone-number-type',
      'DID',
      '--phone-number-prefix',
      '+1206',
    );
    expect(Array.isArray(search.AvailableNumbersList)).toBe(true);
    const flows = await aws(
      'connect',
      'list-flow-associations',
      '--instance-id',
      main.InstanceId!,
      '--resource-type',
      'VOICE_PHONE_NUMBER',
    );
    expect(Array.isArray(flows.FlowAssociationSummaryList)).toBe(true);
    await aws('connect', 'tag-resource', '--resource-arn', main.PhoneNumberArn, '--tags', 'checked-by=aws-cli');
    const tags = (await aws('connect', 'list-tags-for-resource', '--resource-arn', main.PhoneNumberArn)).tags as Record<string, string>;
    expect(tags['checked-by']).toBe('aws-cli');
    await aws('connect', 'untag-resource', '--resource-arn', main.PhoneNumberArn, '--tag-keys', 'checked-by');

    // Chime SDK Voice: the example's voice connector and its inventory numbers.
    const vc = (await aws('chime-sdk-voice', 'get-voice-connector', '--voice-connector-id', 'abcdef1ghij2klmno3pqr4')).VoiceConnector as {
      VoiceConnectorArn: string;
    };
    expect(vc).toMatchObject({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', AwsRegion: 'us-east-1' });
    const inventory = (await aws('chime-sdk-voice', 'list-phone-numbers')).PhoneNumbers as Array<{ E164PhoneNumber: string }>;
    expect(inventory.length).toBeGreaterThan(0);
    const one = (await aws('chime-sdk-voice', 'get-phone-number', '--phone-number-id', inventory[0].E164PhoneNumber)).PhoneNumber;
    expect(one).toMatchObject({ E164PhoneNumber: inventory[0].E164PhoneNumber });
    const vcTags = await aws('chime-sdk-voice', 'list-tags-for-resource', '--resource-arn', vc.VoiceConnectorArn);
    expect(Array.isArray(vcTags.Tags)).toBe(true);

    // CloudFormation: the stack the run deployed and destroyed.
    const stacks = (await aws('cloudformation', 'list-stacks')).StackSummaries as Array<{
      StackName: string;
      StackId: string;
      StackStatus: string;
    }>;
    const example = stacks.find((s) => s.StackName === 'PhoneNumbersExample')!;
    expect(example.StackStatus).toBe('DELETE_COMPLETE');
    const byId = (await aws('cloudformation', 'describe-stacks', '--stack-name', example.StackId)).Stacks as Array<{ StackStatus: string }>;
    expect(byId.map((s) => s.StackStatus)).toEqual(['DELETE_COMPLETE']);
    const template = await aws('cloudformation', 'get-template', '--stack-name', example.StackId);
    expect(JSON.stringify(template.TemplateBody)).toContain('Custom::ClaimedPhoneNumber');
    const resources = await aws('cloudformation', 'describe-stack-resources', '--stack-name', example.StackId);
    expect(resources.StackResources).toEqual([]);
  }, 240_000);
});
