/**
 * runStart in process, on hand-written assemblies (--app): seeding from the templates, a failed
 * deploy, --deploy-only, --keep, --help and colour.
 */
import * as fs from 'node:fs';
import { runStart, type StartIo } from '../../../local/start/run';
import { FAILING_CLAIM, FLOW_ARN, INSTANCE_ARN, SEARCH_AND_BIND, writeAssembly, numbersSeenFromPrintedEnvironment } from './fixtures';

interface Captured {
  readonly io: StartIo;
  stdout(): string;
  stderr(): string;
}

function capture(isTTY = false, env: NodeJS.ProcessEnv = {}): Captured {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => (out += t), isTTY }, stderr: { write: (t: string) => (err += t) }, env },
    stdout: () => out,
    stderr: () => err,
  };
}

describe('npm start on an assembly (runStart --app)', () => {
  const saved = { ...process.env };
  const dirs: string[] = [];
  afterEach(() => {
    process.env = { ...saved };
  });
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  const assembly = (resources: Record<string, unknown>) => {
    const dir = writeAssembly(resources);
    dirs.push(dir);
    return dir;
  };

  it('seeds the stand-in from the ARNs and search the templates name, deploys, and on destroy releases the number its RemovalPolicy.DESTROY gives up', async () => {
    const c = capture();

    const { code, standIn } = await runStart(['--app', assembly(SEARCH_AND_BIND)], c.io);

    expect({ code, stderr: c.stderr(), standIn }).toEqual({ code: 0, stderr: '', standIn: undefined });
    const out = c.stdout();
    expect(out).toMatch(new RegExp(`Connect instance +${INSTANCE_ARN}\n`));
    expect(out).toMatch(new RegExp(`contact flow +${FLOW_ARN}\n`));
    expect(out).toMatch(/free numbers +\+14255555510 \(US DID\), \+14255555511 \(US DID\), \+14255555512 \(US DID\)\n/);
    const afterDeploy = out.slice(out.indexOf('After the deploy:'), out.indexOf('== 2.'));
    expect(afterDeploy).toMatch(/Support +\+1425555551[012] +instance 3f6c2b1a… +flow 9a8b7c6d… +- +CLAIMED +Phones\/Support \(claimed\)/);
    expect(out).not.toContain('== 3.'); // no example change for a user's app
    // The release stays IN_PROGRESS for 30 s of the simulated clock: the Delete completes at the poll after it.
    expect(out).toMatch(/Phones \| 2\/2 \| +\+0:40 \| DELETE_COMPLETE +\| Custom::ClaimedPhoneNumber +\| Support\n/);
    const released = /Support +(\+1425555551[012])/.exec(afterDeploy)![1];
    expect(out).toContain(`released (RemovalPolicy.DESTROY): ${released}: back to AWS`);
    expect(out).toMatch(
      /OK: deployed 2 resources, destroyed 2; 0 numbers kept claimed by their removal policy \(none\); 1 number released; /,
    );
    expect(out.slice(out.indexOf('After destroy:'))).toContain('(no numbers claimed in Connect, no Chime inventory numbers)');
  });

  it('shows a retained resource of any type as skipped on destroy, and what it left in place', async () => {
    const c = capture();
    const trunk = { ...(FAILING_CLAIM.Trunk as object), DeletionPolicy: 'Retain' };

    const { code } = await runStart(['--app', assembly({ Trunk: trunk })], c.io);

    expect(code).toBe(0);
    const out = c.stdout();
    expect(out).toMatch(
      /Phones \| 1\/1 \| +\+0:00 \| DELETE_SKIPPED +\| Custom::VoiceConnectorNumbers +\| Trunk \(kept by its DeletionPolicy: /,
    );
    expect(out).toContain('kept under RemovalPolicy.RETAIN: Trunk (Custom::VoiceConnectorNumbers): left as it is, now in no stack');
    expect(out.slice(out.indexOf('After destroy:'))).toMatch(/- +\+12065550150 +- +- +abcdef1ghij2klmno3pqr4 +ASSOCIATED +-\n/);
    expect(out).toMatch(/OK: deployed 1 resource, destroyed 0; 0 numbers kept claimed by their removal policy \(none\);/);
  });

  it('takes the account and region of an environment-agnostic stack from the ARNs its resources name', async () => {
    const c = capture();
    const instanceArn = 'arn:aws:connect:eu-west-2:111122223333:instance/0c4b8e2f-6a1d-4f3e-9b7c-5d2a1e0f8c93';
    const dir = writeAssembly(
      {
        Main: {
          Type: 'Custom::ClaimedPhoneNumber',
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Properties: {
            ServiceToken: { 'Fn::GetAtt': ['ProviderFn', 'Arn'] },
            FormatVersion: '1',
            TargetArn: instanceArn,
            PhoneNumber: '+12065550123',
            RemovalPolicy: 'retain',
          },
        },
      },
      'Agnostic',
      'aws://unknown-account/unknown-region',
    );
    dirs.push(dir);

    const { code } = await runStart(['--app', dir, '--deploy-only'], c.io);

    expect({ code, stderr: c.stderr() }).toEqual({ code: 0, stderr: '' });
    expect(c.stdout()).toContain(
      '(environment-agnostic stack: account 111122223333, region eu-west-2 taken from its ARNs or the defaults)',
    );
    expect(c.stdout()).toMatch(/Main +\+12065550123 +instance 0c4b8e2f… +- +- +CLAIMED +Agnostic\/Main \(claimed\)/);
  });

  it('fails a deploy naming the resource and the reason, shows the rollback and the stand-in state, and exits 1', async () => {
    const c = capture();

    const { code } = await runStart(['--app', assembly(FAILING_CLAIM)], c.io);

    expect(code).toBe(1);
    expect(c.stderr()).toMatch(
      /^npm start: the deploy of Phones failed: Main failed to create: Main: targetArn 'arn:aws:local-placeholder:us-east-1:123456789012:Instance' is not a Connect instance or traffic distribution group ARN.*the stack was rolled back\n$/,
    );
    const out = c.stdout();
    expect(out).toContain(
      'note: Phones/Main: TargetArn is Fn::GetAtt Instance.Arn (AWS::Connect::Instance, which a local run does not create)',
    );
    expect(out).toMatch(/CREATE_FAILED +\| Custom::ClaimedPhoneNumber +\| Main Main: targetArn/);
    expect(out).toMatch(/DELETE_COMPLETE +\| Custom::VoiceConnectorNumbers +\| Trunk \(rollback\)/);
    expect(out).toMatch(/ROLLBACK_COMPLETE +\| AWS::CloudFormation::Stack/);
    // The trunk number the rolled-back create had associated is off the connector again.
    expect(out.slice(out.indexOf('The stand-in after the failure:'))).toMatch(/- +\+12065550150 +- +- +- +UNASSOCIATED +-\n/);
  });

  it('--deploy-only --keep stops after the deploy and leaves the stand-in serving, with the variables to reach it', async () => {
    const c = capture();

    const { code, standIn } = await runStart(['--app', assembly(SEARCH_AND_BIND), '--deploy-only', '--keep'], c.io);

    try {
      expect(code).toBe(0);
      expect(standIn).toBeDefined();
      const out = c.stdout();
      expect(out).not.toContain('Destroy');
      expect(out).toMatch(/OK: deployed 2 resources; 0 numbers released;/);
      const endpoint = standIn!.emulator.endpoint;
      expect(out).toContain(`The stand-in keeps serving at ${endpoint}`);
      expect(out).toContain(`export AWS_ENDPOINT_URL_CONNECT=${endpoint}\n`);
      expect(out).toContain(`export AWS_ENDPOINT_URL_CHIME_SDK_VOICE=${endpoint}\n`);
      // A client configured only from the printed variables sees the deployed number.
      const seen = await numbersSeenFromPrintedEnvironment(out, INSTANCE_ARN);
      expect(seen).toEqual([expect.stringMatching(/^\+1425555551[012]$/)]);
    } finally {
      await standIn?.stop();
    }
  });

  it('colours its output only on a terminal without NO_COLOR', async () => {
    const dir = assembly(SEARCH_AND_BIND);
    const tty = capture(true);
    const noColorEnv = capture(true, { NO_COLOR: '1' });
    const pipe = capture(false);

    await expect(runStart(['--app', dir, '--deploy-only'], tty.io)).resolves.toEqual({ code: 0 });
    await expect(runStart(['--app', dir, '--deploy-only'], noColorEnv.io)).resolves.toEqual({ code: 0 });
    await expect(runStart(['--app', dir, '--deploy-only'], pipe.io)).resolves.toEqual({ code: 0 });

    expect(tty.stdout()).toContain('\u001b[32mCREATE_COMPLETE\u001b[39m');
    expect(noColorEnv.stdout()).not.toContain('\u001b[');
    expect(pipe.stdout()).toContain('CREATE_COMPLETE');
    expect(pipe.stdout()).not.toContain('\u001b[');
  });

  it('--help prints the usage and exits 0 without starting anything', async () => {
    const c = capture();
    await expect(runStart(['--help'], c.io)).resolves.toEqual({ code: 0 });
    expect(c.stdout()).toMatch(/^usage: npm start -- \[--deploy-only\] \[--keep\] \[--app DIR\] \[--no-color\] \[--help\]\n/);
    expect(c.stdout()).toContain('--keep');
  });
});
