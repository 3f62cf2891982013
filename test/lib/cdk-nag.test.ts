import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildExampleApp } from '../../bin/app';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../../lib';
import { FLOW_ARN, INSTANCE_ARN } from './fixtures';

function checkedApp(): { app: App; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-nag-'));
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, outdir };
}

describe('cdk-nag AwsSolutions', () => {
  let outdirs: string[] = [];
  afterEach(() => {
    for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
    outdirs = [];
  });

  it('reports no unacknowledged finding on the example stack, which holds all three constructs', () => {
    // GIVEN
    const { app, outdir } = checkedApp();
    outdirs.push(outdir);
    buildExampleApp(app);
    // WHEN / THEN: the plugin throws on any unacknowledged error
    expect(() => app.synth()).not.toThrow();
  });

  it('reports no unacknowledged finding on an environment-agnostic stack', () => {
    const { app, outdir } = checkedApp();
    outdirs.push(outdir);
    const stack = new Stack(app, 'Agnostic');
    const number = new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
    new PhoneNumberFlowBinding(stack, 'Binding', { phoneNumber: number, contactFlowArn: FLOW_ARN });
    new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: 'vc1abcdefghij2klmnopq1', phoneNumbers: ['+12065550150'] });
    expect(() => app.synth()).not.toThrow();
  });

  it('still fails a stack whose own resources break a rule (the acknowledgements are narrow)', () => {
    const { app, outdir } = checkedApp();
    outdirs.push(outdir);
    const stack = buildExampleApp(app);
    // An unrelated wildcard policy in the user's own code must still be reported.
    const role = new iam.Role(stack, 'UserRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });
});
