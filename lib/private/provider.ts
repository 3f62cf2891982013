import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, Aws, CfnResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { OWNER_TAG_KEY } from '../../lambda/contract';

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

/** A resource a statement grants on: an ARN pattern in this account (any region: TDG numbers live in two), or '*'. */
export type GrantedResource = { readonly service: 'connect' | 'chime' | 'cloudformation'; readonly pattern: string } | '*' | 'own-stack';

/** `StringLike` on the ownership tag: the value the stack's handler writes (`STACK_NAME/LOGICAL_ID@...`, lambda/identity.ts). */
export const OWNED_BY_THIS_STACK = 'owned-by-this-stack';

export interface HandlerStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly GrantedResource[];
  /** A condition on the resource's tags; see OWNED_BY_THIS_STACK. */
  readonly condition?: typeof OWNED_BY_THIS_STACK;
}

const connectIn = (pattern: string): GrantedResource => ({ service: 'connect', pattern });

/**
 * The handler's policy: each action with exactly the resource types the Service Authorization
 * Reference gives it (the table in docs/service-facts.md, which test/lib/provider.test.ts checks
 * this against). `phone-number/*` is also the reference's `wildcard-phone-number` type, which the
 * search, list and batch-get actions take; a contact flow's ARN lies under its instance's.
 */
export const HANDLER_POLICY: readonly HandlerStatement[] = [
  {
    sid: 'PhoneNumbersInThisAccount',
    actions: [
      'connect:DescribePhoneNumber',
      'connect:UpdatePhoneNumberMetadata',
      'connect:DisassociatePhoneNumberContactFlow',
      'connect:SearchAvailablePhoneNumbers',
      'connect:ListPhoneNumbersV2',
      'connect:BatchGetFlowAssociation',
      'connect:TagResource',
      'connect:UntagResource',
      'connect:ListTagsForResource',
    ],
    resources: [connectIn('phone-number/*')],
  },
  {
    // Defence in depth: only numbers whose ownership tag names this stack (the handler releases only
    // numbers this stack owns; a bug that picked another stack's number, or an untagged one, is refused).
    sid: 'ReleaseThisStacksNumbers',
    actions: ['connect:ReleasePhoneNumber'],
    resources: [connectIn('phone-number/*')],
    condition: OWNED_BY_THIS_STACK,
  },
  {
    // The number, and the instance or traffic distribution group it is claimed or moved to.
    sid: 'ClaimAndMoveNumbers',
    actions: ['connect:ClaimPhoneNumber', 'connect:UpdatePhoneNumber'],
    resources: [connectIn('phone-number/*'), connectIn('instance/*'), connectIn('traffic-distribution-group/*')],
  },
  {
    // A number imported from AWS End User Messaging (ClaimedPhoneNumber sourcePhoneNumberArn), and
    // the instance it is imported into.
    sid: 'ImportNumbers',
    actions: ['connect:ImportPhoneNumber'],
    resources: [connectIn('phone-number/*'), connectIn('instance/*')],
  },
  {
    // The number and the contact flow it is bound to.
    sid: 'BindFlowsToNumbers',
    actions: ['connect:AssociatePhoneNumberContactFlow'],
    resources: [connectIn('phone-number/*'), connectIn('instance/*/contact-flow/*')],
  },
  {
    // The tag actions record, on the connector a number was force-taken to, which connector it came
    // from (so that a rollback puts it back there).
    sid: 'VoiceConnectorsInThisAccount',
    actions: [
      'chime:AssociatePhoneNumbersWithVoiceConnector',
      'chime:DisassociatePhoneNumbersFromVoiceConnector',
      'chime:TagResource',
      'chime:UntagResource',
      'chime:ListTagsForResource',
    ],
    resources: [{ service: 'chime', pattern: 'vc/*' }],
  },
  {
    // GetPhoneNumber has no resource type in the Service Authorization Reference.
    sid: 'ReadChimeNumbers',
    actions: ['chime:GetPhoneNumber'],
    resources: ['*'],
  },
  {
    // The status, template and resources of its own stack (a rollback or a rename told from a removal:
    // lambda/stack.ts) and of the stack a number's ownership tag names (is its holder live? lambda/holder.ts).
    sid: 'ReadStacks',
    actions: [
      'cloudformation:DescribeStacks',
      'cloudformation:GetTemplate',
      'cloudformation:DescribeStackResources',
      'cloudformation:ListStackResources',
    ],
    resources: [{ service: 'cloudformation', pattern: 'stack/*' }],
  },
];

/** Every action the handler is granted. */
export const HANDLER_ACTIONS: readonly string[] = HANDLER_POLICY.flatMap((s) => s.actions);

const PROVIDER_ID = 'CdkPhoneNumbersProvider';

/** `arn:PARTITION:SERVICE:*:ACCOUNT:PATTERN` for this stack. */
function grantedArn(stack: Stack, r: { readonly service: string; readonly pattern: string }): string {
  const slash = r.pattern.indexOf('/');
  return stack.formatArn({
    service: r.service,
    region: '*',
    resource: r.pattern.slice(0, slash),
    resourceName: r.pattern.slice(slash + 1),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

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

    for (const statement of HANDLER_POLICY) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: statement.sid,
          actions: [...statement.actions],
          resources: statement.resources.map((r) => (r === '*' ? '*' : r === 'own-stack' ? stack.stackId : grantedArn(stack, r))),
          ...(statement.condition === OWNED_BY_THIS_STACK
            ? { conditions: { StringLike: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: `${Aws.STACK_NAME}/*` } } }
            : {}),
        }),
      );
    }

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
    const inAccount = (service: string, pattern: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${service}:*:${account}:${pattern}]`;
    const chosenAtDeploy =
      'Numbers are claimed by search and moved between instances and TDG regions at deploy time, and connectors are ' +
      'named by the user, so these resources are named by type within this account and partition.';
    const acknowledge = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });

    const role = this.node.findChild('HandlerRole');
    const scopedPatterns = new Set<string>();
    for (const statement of HANDLER_POLICY) {
      for (const r of statement.resources) if (r !== '*' && r !== 'own-stack') scopedPatterns.add(`${r.service}|${r.pattern}`);
    }
    for (const key of scopedPatterns) {
      const [service, pattern] = key.split('|');
      acknowledge(role, inAccount(service, pattern), chosenAtDeploy);
    }
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      `${HANDLER_POLICY.filter((st) => st.resources.includes('*'))
        .flatMap((st) => st.actions)
        .join(', ')} have no resource type in IAM; they only read.`,
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
      acknowledge(
        provider,
        `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(child)}.Arn>:*]`,
        `${framework}the waiter may invoke any version of its functions.`,
      );
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
