import { ConnectClient, ListPhoneNumbersV2Command } from '@aws-sdk/client-connect';
/** Hand-written cloud assemblies for npm start: written to a temporary directory, removed by the caller. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const VOICE_CONNECTOR_ID = 'abcdef1ghij2klmno3pqr4';
export const INSTANCE_ID = '3f6c2b1a-8d4e-4a7f-9b2c-1e0d5a6b7c8d';
export const INSTANCE_ARN = `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE_ID}`;
export const FLOW_ARN = `${INSTANCE_ARN}/contact-flow/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d`;

type Resources = Record<string, unknown>;

const token = { 'Fn::GetAtt': ['ProviderFn', 'Arn'] };

/** An assembly of one stack (environment aws://123456789012/us-east-1) with these resources. */
export function writeAssembly(resources: Resources, stackName = 'Phones', environment = 'aws://123456789012/us-east-1'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-test-assembly-'));
  fs.writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: '55.0.0',
      artifacts: {
        [stackName]: { type: 'aws:cloudformation:stack', environment, properties: { templateFile: `${stackName}.template.json` } },
      },
    }),
  );
  fs.writeFileSync(
    path.join(dir, `${stackName}.template.json`),
    JSON.stringify({
      Resources: { ProviderFn: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'framework.onEvent' } }, ...resources },
    }),
  );
  return dir;
}

/** A stack without any resource of this library. */
export const NO_LIBRARY_RESOURCES: Resources = { Topic: { Type: 'AWS::SNS::Topic', Properties: {} } };

/** A trunk, then a claim whose target is an attribute of a Connect instance the local run cannot create. */
export const FAILING_CLAIM: Resources = {
  Instance: { Type: 'AWS::Connect::Instance', Properties: {} },
  Trunk: {
    Type: 'Custom::VoiceConnectorNumbers',
    Properties: {
      ServiceToken: token,
      FormatVersion: '1',
      VoiceConnectorId: VOICE_CONNECTOR_ID,
      PhoneNumbers: ['+12065550150'],
      ForceAssociate: 'false',
      Region: 'us-east-1',
    },
  },
  Main: {
    Type: 'Custom::ClaimedPhoneNumber',
    DependsOn: 'Trunk',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      ServiceToken: token,
      FormatVersion: '1',
      TargetArn: { 'Fn::GetAtt': ['Instance', 'Arn'] },
      PhoneNumber: '+12065550100',
      RemovalPolicy: 'retain',
    },
  },
};

/** A search claim bound to a flow, with literal ARNs: the stand-in is seeded from them. */
export const SEARCH_AND_BIND: Resources = {
  Support: {
    Type: 'Custom::ClaimedPhoneNumber',
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
    Properties: {
      ServiceToken: token,
      FormatVersion: '1',
      TargetArn: INSTANCE_ARN,
      CountryCode: 'US',
      Type: 'DID',
      Prefix: '+1425',
      RemovalPolicy: 'destroy',
    },
  },
  SupportFlow: {
    Type: 'Custom::PhoneNumberFlowBinding',
    Properties: {
      ServiceToken: token,
      FormatVersion: '1',
      PhoneNumberArn: { 'Fn::GetAtt': ['Support', 'PhoneNumberArn'] },
      ContactFlowArn: FLOW_ARN,
      PhoneNumberTargetArn: { 'Fn::GetAtt': ['Support', 'TargetArn'] },
    },
  },
};

/**
 * The numbers in `targetArn` that a Connect client configured only from the `export NAME=value` lines
 * of `npm start --keep`'s output sees.
 */
export async function numbersSeenFromPrintedEnvironment(out: string, targetArn: string): Promise<string[]> {
  const vars = Object.fromEntries([...out.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const connect = new ConnectClient({
    region: vars.AWS_REGION,
    endpoint: vars.AWS_ENDPOINT_URL_CONNECT,
    credentials: { accessKeyId: vars.AWS_ACCESS_KEY_ID, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY },
  });
  try {
    const listed = await connect.send(new ListPhoneNumbersV2Command({ TargetArn: targetArn }));
    return (listed.ListPhoneNumbersSummaryList ?? []).map((n) => n.PhoneNumber ?? '');
  } finally {
    connect.destroy();
  }
}
