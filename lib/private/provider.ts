import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, CfnResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The one handler's timeout: well under Lambda's 15 minutes, leaving room for CloudFormation's hour. */
export const HANDLER_TIMEOUT = Duration.minutes(10);
/**
 * How often the waiter asks the handler whether an asynchronous claim or move is done. Each poll is a
 * DescribePhoneNumber per pending number, against a quota of 2 per second: 100 numbers polled every
 * 20 s stay near it.
 */
export const QUERY_INTERVAL = Duration.seconds(20);
/** How long the waiter waits in all; with HANDLER_TIMEOUT it stays inside CloudFormation's one hour. */
export const TOTAL_TIMEOUT = Duration.minutes(45);

/**
 * Connect actions whose resources can be named: numbers, instances (and their flows), TDGs.
 * TagResource is also what ClaimPhoneNumber with tags needs.
 */
export const CONNECT_SCOPED_ACTIONS = [
  'connect:ClaimPhoneNumber',
  'connect:DescribePhoneNumber',
  'connect:UpdatePhoneNumber',
  'connect:UpdatePhoneNumberMetadata',
  'connect:ReleasePhoneNumber',
  'connect:AssociatePhoneNumberContactFlow',
  'connect:DisassociatePhoneNumberContactFlow',
  'connect:BatchGetFlowAssociation',
  'connect:TagResource',
  'connect:UntagResource',
];
/** Connect search and list actions: IAM offers no resource type for them, so they take '*'. */
export const CONNECT_UNSCOPED_ACTIONS = ['connect:SearchAvailablePhoneNumbers', 'connect:ListPhoneNumbersV2'];
/**
 * Chime SDK Voice actions on a voice connector. The tag actions record, on the connector a number was
 * force-taken to, which connector it came from (so that a rollback puts it back there).
 */
export const CHIME_SCOPED_ACTIONS = [
  'chime:AssociatePhoneNumbersWithVoiceConnector',
  'chime:DisassociatePhoneNumbersFromVoiceConnector',
  'chime:TagResource',
  'chime:UntagResource',
  'chime:ListTagsForResource',
];
/** Chime SDK Voice phone-number reads: IAM offers no resource type for them, so they take '*'. */
export const CHIME_UNSCOPED_ACTIONS = ['chime:GetPhoneNumber'];
/**
 * CloudFormation reads of the handler's OWN stack (its status, template and resources: lambda/stack.ts),
 * so that a rollback or a rename is told from a removal. Scoped to the stack's ARN.
 */
export const CLOUDFORMATION_ACTIONS = ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:DescribeStackResources'];

const PROVIDER_ID = 'CdkPhoneNumbersProvider';

/** Where the bundled handler lives: beside the compiled library (dist/handler), or under dist/ when run from source. */
function handlerAssetDir(): string {
  const candidates = [path.join(__dirname, '..', '..', 'handler'), path.join(__dirname, '..', '..', 'dist', 'handler')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'index.js')));
  if (!found) {
    throw new Error(
      `cdk-phone-numbers: the handler bundle is missing (looked in ${candidates.join(', ')}). ` +
        'Run `npm run build` in the cdk-phone-numbers package (its `prepare` script does this on `npm ci`).',
    );
  }
  return found;
}

/**
 * The stack-wide singleton: ONE handler function and ONE Provider serve every phone-number construct
 * in a stack, however many it holds.
 */
export class PhoneNumbersProvider extends Construct {
  /** The provider of the stack that holds `scope`, created on first use. */
  public static of(scope: Construct): PhoneNumbersProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PROVIDER_ID);
    return (existing as PhoneNumbersProvider | undefined) ?? new PhoneNumbersProvider(stack, PROVIDER_ID);
  }

  public readonly serviceToken: string;
  public readonly handler: lambda.Function;

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    const stack = Stack.of(this);

    const logGroup = new logs.LogGroup(this, 'HandlerLogs', { retention: logs.RetentionDays.ONE_YEAR });

    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-phone-numbers handler: claims, moves, binds and releases the phone numbers of this stack',
    });
    logGroup.grantWrite(role);

    const connectArn = (resource: string) =>
      stack.formatArn({ service: 'connect', region: '*', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PhoneNumbersInThisAccount',
        actions: CONNECT_SCOPED_ACTIONS,
        resources: [connectArn('phone-number'), connectArn('instance'), connectArn('traffic-distribution-group')],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ sid: 'SearchAndListNumbers', actions: CONNECT_UNSCOPED_ACTIONS, resources: ['*'] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'VoiceConnectorsInThisAccount',
        actions: CHIME_SCOPED_ACTIONS,
        resources: [
          stack.formatArn({ service: 'chime', region: '*', resource: 'vc', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
        ],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadChimeNumbers', actions: CHIME_UNSCOPED_ACTIONS, resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadOwnStack', actions: CLOUDFORMATION_ACTIONS, resources: [stack.stackId] }));

    this.handler = new lambda.Function(this, 'Handler', {
      description: 'cdk-phone-numbers: Custom::ClaimedPhoneNumber, Custom::PhoneNumberFlowBinding, Custom::VoiceConnectorNumbers',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(handlerAssetDir()),
      // One function answers both phases; the bundle's `handler` tells them apart.
      handler: 'index.handler',
      timeout: HANDLER_TIMEOUT,
      memorySize: 256,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { POWERTOOLS_SERVICE_NAME: 'cdk-phone-numbers' },
    });

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler,
      isCompleteHandler: this.handler,
      queryInterval: QUERY_INTERVAL,
      totalTimeout: TOTAL_TIMEOUT,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.ONE_YEAR }),
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: {
        destination: new logs.LogGroup(this, 'WaiterLogs', { retention: logs.RetentionDays.ONE_YEAR }),
        level: sfn.LogLevel.ALL,
      },
    });
    this.serviceToken = provider.serviceToken;

    this.acknowledgeUnavoidableFindings(provider);
  }

  /**
   * Acknowledges, by exact finding id, the cdk-nag AwsSolutions findings that cannot be fixed here,
   * each with why. Nothing else is acknowledged: a new finding fails a user's cdk-nag run.
   */
  private acknowledgeUnavoidableFindings(provider: cr.Provider): void {
    const stack = Stack.of(this);
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const inAccount = (service: string, resource: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${service}:*:${account}:${resource}/*]`;
    const chosenAtDeploy =
      'Numbers are claimed by search and moved between instances and TDG regions at deploy time, and connectors are ' +
      'named by the user, so these resources are named by type within this account and partition.';
    const acknowledge = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });

    const role = this.node.findChild('HandlerRole');
    acknowledge(role, inAccount('connect', 'phone-number'), chosenAtDeploy);
    acknowledge(role, inAccount('connect', 'instance'), chosenAtDeploy);
    acknowledge(role, inAccount('connect', 'traffic-distribution-group'), chosenAtDeploy);
    acknowledge(role, inAccount('chime', 'vc'), chosenAtDeploy);
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      `${[...CONNECT_UNSCOPED_ACTIONS, ...CHIME_UNSCOPED_ACTIONS].join(', ')} have no resource type in IAM; they only search, list or read.`,
    );

    // The rest belongs to the CDK Provider framework, which offers no option to change it.
    const framework = 'Created by the aws-cdk-lib custom-resources Provider framework, which offers no option to change it: ';
    acknowledge(
      provider,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `${framework}its functions use the AWS managed basic execution role.`,
    );
    acknowledge(
      provider,
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.handler.node.defaultChild as CfnResource)}.Arn>:*]`,
      `${framework}it may invoke any version of the handler function.`,
    );
    for (const fn of ['framework-isComplete', 'framework-onTimeout']) {
      const child = provider.node.findChild(fn).node.defaultChild as CfnResource;
      acknowledge(provider, `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(child)}.Arn>:*]`, `${framework}the waiter may invoke any version of its functions.`);
    }
    acknowledge(
      provider.node.findChild('waiter-state-machine'),
      'AwsSolutions-IAM5[Resource::*]',
      `${framework}the waiter writes to CloudWatch Logs delivery, which has no resource type.`,
    );
    acknowledge(
      provider.node.findChild('waiter-state-machine'),
      'AwsSolutions-SF2',
      `${framework}the waiter state machine has no tracing option; it only polls the handler, whose logs carry each step.`,
    );
  }
}
