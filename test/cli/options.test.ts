/**
 * The command line of `cdk-phone-numbers audit` against the emulator: exit codes, --allow, --stack,
 * --app, the table and its colours, bad input (exit 2 with its message), missing permissions, throttling
 * and paging, with the calls it makes counted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, aws_sns, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, PhoneNumberType } from '../../lib';
import { loadTemplate } from '../../local/deploy';
import { ACCOUNT, REGION, startWorld, uuid, type World } from '../local/deploy/real-stack';
import { audit, type JsonReport } from './helpers';

const MAIN = '+12065550100';
const BYSTANDER = '+12065550199';
const OTHER = '+12065550120';

describe('cdk-phone-numbers audit: options, exit codes and errors', () => {
  let world: World;
  let instance: string;
  let flow: string;
  const tempDirs: string[] = [];

  /** An app that writes construct paths into the template, as the CDK CLI's apps do. */
  const withPaths = { 'aws:cdk:enable-path-metadata': true };

  function phones(app = new App({ context: withPaths })): Stack {
    const stack = new Stack(app, 'Phones', { env: { account: ACCOUNT, region: REGION } });
    const main = new ClaimedPhoneNumber(stack, 'Main', { targetArn: instance, phoneNumber: MAIN, removalPolicy: RemovalPolicy.DESTROY });
    new PhoneNumberFlowBinding(stack, 'MainFlow', { phoneNumber: main, contactFlowArn: flow });
    return stack;
  }

  beforeAll(async () => {
    world = await startWorld();
    instance = world.emu.seedInstance({ instanceId: uuid(1) });
    flow = world.emu.seedContactFlow({ instanceId: uuid(1), contactFlowId: uuid(11) });
    world.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [MAIN, OTHER] });
    world.emu.seedClaimedNumber({ phoneNumber: BYSTANDER, targetArn: instance });
    // GIVEN one deployed stack, as declared, and a number claimed by hand
    await world.deployer({ stackName: 'Phones' }).deploy(loadTemplate(phones()));
    const empty = new Stack(new App(), 'Unrelated', { env: { account: ACCOUNT, region: REGION } });
    new aws_sns.Topic(empty, 'Topic');
    await world.deployer({ stackName: 'Unrelated' }).deploy(loadTemplate(empty));
  });
  afterEach(() => world.emu.clearFaults());
  afterAll(async () => {
    await world.stop();
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-test-'));
    tempDirs.push(dir);
    return dir;
  };

  describe('exit codes', () => {
    it('exits 1 when a verdict other than ok is found, 0 when --allow accepts it', async () => {
      const strict = await audit(['--json']);
      const report = JSON.parse(strict.stdout) as JsonReport;
      expect(report.summary).toEqual({ ok: 1, drift: 0, missing: 0, conflict: 0, kept: 0, unowned: 1 });
      expect(strict.code).toBe(1);
      expect((await audit(['--allow', 'kept,unowned'])).code).toBe(0);
      expect((await audit(['--allow=unowned'])).code).toBe(0);
      expect((await audit(['--allow', 'kept'])).code).toBe(1);
    });

    it('reads only the stacks that hold resources of the library, and writes its progress on stderr', async () => {
      const run = await audit(['--json']);
      expect(run.stderr).toContain('audit: reading 2 stack(s) of us-east-1');
      expect(run.stderr).toContain('audit: 1 stack(s) hold resources of cdk-phone-numbers: Phones');
      expect(run.stderr).toMatch(/audit: listed 2 Connect number\(s\) in us-east-1/);
      expect(run.calls!['cloudformation:GetTemplate']).toEqual({ calls: 1, attempts: 1 });
      expect(run.calls!['cloudformation:ListStackResources']).toEqual({ calls: 2, attempts: 2 });
      // the template has a parameter (the bootstrap version): its value is read once
      expect(run.calls!['cloudformation:DescribeStacks']).toEqual({ calls: 1, attempts: 1 });
    });
  });

  describe('the table', () => {
    it('is plain when not on a terminal, one row per number and the summary line', async () => {
      const run = await audit([]);
      const lines = run.stdout.split('\n');
      expect(lines[0]).toMatch(/^verdict\s+number\s+target\s+flow\s+voice connector\s+status\s+holder$/);
      expect(run.stdout).not.toContain('\u001b[');
      expect(lines.find((l) => l.startsWith('ok'))).toMatch(
        new RegExp(`^ok\\s+\\${MAIN}\\s+instance/${uuid(1)}\\s+contact-flow/${uuid(11)}\\s+CLAIMED\\s+Phones/`),
      );
      expect(lines.find((l) => l.startsWith('unowned'))).toContain(BYSTANDER);
      expect(run.stdout.trimEnd().split('\n').pop()).toBe('ok 1, drift 0, missing 0, conflict 0, kept 0, unowned 1');
    });

    it('is coloured on a terminal, unless --no-color or NO_COLOR says otherwise', async () => {
      expect((await audit([], { isTTY: true })).stdout).toContain('\u001b[32mok\u001b[39m');
      expect((await audit(['--no-color'], { isTTY: true })).stdout).not.toContain('\u001b[');
      process.env.NO_COLOR = '1';
      try {
        expect((await audit([], { isTTY: true })).stdout).not.toContain('\u001b[');
      } finally {
        delete process.env.NO_COLOR;
      }
    });
  });

  describe('--stack', () => {
    it('audits only the stacks named, and leaves out the numbers other stacks hold', async () => {
      const report = JSON.parse((await audit(['--json', '--stack', 'Unrelated'])).stdout) as JsonReport;
      expect(report.audited.stacks).toEqual(['Unrelated']);
      expect(report.numbers.map((r) => [r.phoneNumber, r.verdict])).toEqual([[BYSTANDER, 'unowned']]);
    });

    it('fails with exit 2 naming an unknown stack and the stacks there', async () => {
      const run = await audit(['--stack', 'Nope']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('unknown stack Nope in us-east-1 (stacks there: Phones, Unrelated)');
    });
  });

  describe('--app', () => {
    it('audits the code of a cloud assembly: a number two stacks declare, and one not claimed yet', async () => {
      // GIVEN an assembly where Phones is unchanged and a new stack declares the same number, and a search
      const outdir = tempDir();
      const app = new App({ outdir, context: withPaths });
      phones(app);
      const next = new Stack(app, 'Next', { env: { account: ACCOUNT, region: REGION } });
      new ClaimedPhoneNumber(next, 'Same', { targetArn: instance, phoneNumber: MAIN });
      new ClaimedPhoneNumber(next, 'Fresh', {
        targetArn: instance,
        countryCode: 'US',
        phoneNumberType: PhoneNumberType.DID,
        prefix: '+1206555012',
      });
      app.synth();

      // WHEN it is audited
      const run = await audit(['--json', '--app', outdir]);
      const report = JSON.parse(run.stdout) as JsonReport;

      // THEN the number is a conflict, the search is missing, and the source is the assembly
      expect(report.audited).toEqual({ region: REGION, source: outdir, stacks: ['Phones', 'Next'] });
      expect(report.numbers.find((r) => r.phoneNumber === MAIN)).toMatchObject({
        verdict: 'conflict',
        declaredBy: ['Phones/Main', 'Next/Same', 'Phones/MainFlow'],
      });
      expect(report.numbers.find((r) => r.holder === 'Next/Fresh')).toMatchObject({
        verdict: 'missing',
        phoneNumber: '(search: US DID +1206555012)',
      });
      expect(run.code).toBe(1);
      // --stack chooses among the assembly's stacks
      const unknown = await audit(['--app', outdir, '--stack', 'Nope']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(
        `unknown stack Nope in the cloud assembly ${outdir} (stacks with resources of cdk-phone-numbers there: Phones, Next)`,
      );
    });

    it('fails with exit 2 when the folder is not a cloud assembly', async () => {
      const dir = tempDir();
      const run = await audit(['--app', dir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`--app ${dir}: not a cloud assembly (no manifest.json)`);
    });
  });

  describe('bad input and access errors (exit 2)', () => {
    it.each([
      [['--frobnicate'], 'unknown option --frobnicate'],
      [['--allow', 'ok'], '--allow ok: "ok" is not a verdict to allow; use some of drift, missing, conflict, kept, unowned'],
      [['--stack'], '--stack needs a value'],
    ])('%j: %s', async (argv, message) => {
      const run = await audit(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stdout).toBe('');
    });

    it.each([
      ['ListStacks', 'cloudformation:ListStacks', 'AccessDenied'],
      ['ListPhoneNumbersV2', 'connect:ListPhoneNumbersV2', 'AccessDeniedException'],
      ['DescribePhoneNumber', 'connect:DescribePhoneNumber', 'AccessDeniedException'],
      ['BatchGetFlowAssociation', 'connect:BatchGetFlowAssociation', 'AccessDeniedException'],
      ['ListPhoneNumbers', 'chime:ListPhoneNumbers', 'ForbiddenException'],
    ])('names the IAM action a missing permission of %s needs', async (operation, action, errorName) => {
      world.emu.injectFault({ kind: 'error', operation, errorName, status: 403, message: 'not authorized', times: 100 });
      const run = await audit([]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`access denied to ${action}`);
      expect(run.stderr).toContain(`Allow the IAM action ${action}`);
      // nothing it started is still running once it answered
      const calls = world.emu.calls().length + world.emu.stacks.calls().length;
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(world.emu.calls().length + world.emu.stacks.calls().length).toBe(calls);
    });
  });

  describe('throttling and paging', () => {
    it('retries ThrottlingException on every read until it passes, and counts the attempts', async () => {
      for (const operation of ['ListPhoneNumbersV2', 'DescribePhoneNumber', 'BatchGetFlowAssociation'])
        world.emu.injectFault({
          kind: 'error',
          operation,
          errorName: 'ThrottlingException',
          status: 429,
          message: 'Rate exceeded',
          times: 5,
        });
      world.emu.injectFault({
        kind: 'error',
        operation: 'ListStacks',
        errorName: 'Throttling',
        status: 400,
        message: 'Rate exceeded',
        times: 3,
      });
      const run = await audit(['--json']);
      expect(run.code).toBe(1);
      expect((JSON.parse(run.stdout) as JsonReport).summary).toMatchObject({ ok: 1, unowned: 1 });
      expect(run.calls!['connect:ListPhoneNumbersV2']).toEqual({ calls: 1, attempts: 6 });
      expect(run.calls!['connect:BatchGetFlowAssociation']).toEqual({ calls: 1, attempts: 6 });
      expect(run.calls!['connect:DescribePhoneNumber'].attempts).toBe(run.calls!['connect:DescribePhoneNumber'].calls + 5);
      expect(run.calls!['cloudformation:ListStacks']).toEqual({ calls: 1, attempts: 4 });
    });
  });
});
