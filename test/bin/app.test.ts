import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildExampleApp } from '../../bin/app';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');

describe('the example app', () => {
  it('holds the three custom resource types and exactly one handler function', () => {
    const template = Template.fromStack(buildExampleApp(new App()));
    template.resourceCountIs('Custom::ClaimedPhoneNumber', 2);
    template.resourceCountIs('Custom::PhoneNumberFlowBinding', 2);
    template.resourceCountIs('Custom::VoiceConnectorNumbers', 1);
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))).toHaveLength(1);
  });

  it('takes its values from CDK context', () => {
    const app = new App({ context: { adoptedNumber: '+442079460000', trunkNumbers: '+12065550199' } });
    const template = Template.fromStack(buildExampleApp(app));
    template.hasResourceProperties('Custom::ClaimedPhoneNumber', { PhoneNumber: '+442079460000' });
    template.hasResourceProperties('Custom::VoiceConnectorNumbers', { PhoneNumbers: ['+12065550199'] });
  });

  it('synthesizes with the pinned cdk CLI, no arguments and no AWS credentials', async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-'));
    try {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
      await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: root, env: { ...env, CI: 'true' } });
      const template = JSON.parse(fs.readFileSync(path.join(outdir, 'PhoneNumbersExample.template.json'), 'utf8'));
      const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
      expect(types).toEqual(
        expect.arrayContaining(['Custom::ClaimedPhoneNumber', 'Custom::PhoneNumberFlowBinding', 'Custom::VoiceConnectorNumbers']),
      );
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
