/**
 * Public shapes of the local deployer: the CloudFormation template subset it reads, the Provider
 * framework handler it drives, its options, and the log of requests it sent.
 */

/** A JSON value as it appears in a template or an event. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Condition?: string;
  readonly Metadata?: Record<string, Json>;
}

export interface TemplateParameter {
  readonly Type: string;
  readonly Default?: Json;
}

/** The part of a CloudFormation template the deployer reads. */
export interface CfnTemplate {
  readonly Resources: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, TemplateParameter>;
  readonly Mappings?: Record<string, Record<string, Record<string, Json>>>;
  readonly [section: string]: unknown;
}

export type RequestType = 'Create' | 'Update' | 'Delete';

/** The event CloudFormation sends (through the Provider framework) to the user's onEvent. */
export interface CustomResourceEvent {
  readonly RequestType: RequestType;
  readonly ServiceToken: string;
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly ResourceProperties: Record<string, Json>;
  readonly OldResourceProperties?: Record<string, Json>;
  readonly PhysicalResourceId?: string;
}

/** What isComplete receives: the event with the onEvent result merged in. */
export type IsCompleteEvent = CustomResourceEvent & { readonly PhysicalResourceId: string; readonly Data?: Record<string, Json> };

export interface OnEventResult {
  readonly PhysicalResourceId?: string;
  readonly Data?: Record<string, Json>;
  readonly NoEcho?: boolean;
}

export interface IsCompleteResult {
  readonly IsComplete: boolean;
  readonly Data?: Record<string, Json>;
  readonly PhysicalResourceId?: string;
}

/**
 * The user functions of a CDK `Provider`: onEvent, and optionally isComplete (then the framework polls
 * it until it answers IsComplete: true).
 */
export interface ProviderHandlers {
  onEvent(
    event: CustomResourceEvent,
    context?: LambdaContext,
  ): Promise<OnEventResult | undefined | void> | OnEventResult | undefined | void;
  isComplete?(event: IsCompleteEvent, context?: LambdaContext): Promise<IsCompleteResult> | IsCompleteResult;
}

/**
 * The Lambda context every invocation receives as its second argument (the subset of the Node.js
 * runtime's context a handler reads). Remaining time is read on the deployer's clock when it has one.
 */
export interface LambdaContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/**
 * One Lambda function registered as both onEvent and isComplete handler; it tells the two phases apart
 * itself. With this form the deployer assumes an isComplete handler is configured (as in
 * lib/private/provider.ts) unless `singleFunctionIsComplete: false` is given.
 */
export type SingleFunctionHandler = (event: CustomResourceEvent | IsCompleteEvent, context?: LambdaContext) => Promise<unknown>;

export type HandlerLike = ProviderHandlers | SingleFunctionHandler;

/**
 * The part of a ManualClock the deployer uses (local/emulator createManualClock()): advanced between
 * isComplete polls; when it also has now(), the Lambda context's remaining time and the function
 * timeout are read on it instead of real time.
 */
export interface AdvanceableClock {
  advance(ms: number): void;
  now?(): number;
}

/** CloudFormation's stack statuses (those the local deployer goes through). */
export type StackStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETE'
  | 'ROLLBACK_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE'
  | 'UPDATE_ROLLBACK_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED';

/** CloudFormation's resource statuses (those the local deployer reports). */
export type ResourceStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED'
  | 'DELETE_SKIPPED';

/** One resource of a stack as DescribeStackResources shows it. */
export interface StackResourceState {
  readonly logicalResourceId: string;
  /** Absent while a Create is in progress or after it failed. */
  readonly physicalResourceId?: string;
  readonly resourceType: string;
  readonly resourceStatus: ResourceStatus;
  readonly timestamp: number;
}

/** What CloudFormation holds for a stack at one moment: what DescribeStacks, GetTemplate and DescribeStackResources answer. */
export interface StackState {
  readonly stackId: string;
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly status: StackStatus;
  readonly statusReason?: string;
  readonly creationTime: number;
  readonly lastUpdatedTime?: number;
  /** The template's parameters with the values in use (given, else Default). */
  readonly parameters?: Record<string, string>;
  /**
   * The template CloudFormation holds in this phase: the new one during a create or an update and its
   * cleanup, the previous one during an update rollback and its cleanup.
   */
  readonly template: CfnTemplate;
  readonly resources: readonly StackResourceState[];
}

/**
 * Where the deployer publishes its stack's state, at every status change and after every resource
 * event; local/emulator implements it (`emulator.stacks`) and serves it over CloudFormation's API.
 */
export interface StackDirectory {
  publish(stack: StackState): void;
}

/** Called before each request is sent ('start') and once its outcome is known ('end'), in order. */
export interface RequestProgress {
  readonly stage: 'start' | 'end';
  readonly phase: Phase;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly requestType: RequestType;
  readonly physicalResourceId?: string;
  /** On 'end'. */
  readonly status?: 'SUCCESS' | 'FAILED';
  readonly reason?: string;
}

/** Before one isComplete call of a request. */
export interface PollProgress {
  readonly phase: Phase;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly requestType: RequestType;
  /** The physical id isComplete receives (onEvent's answer). */
  readonly physicalResourceId: string;
  readonly poll: number;
}

export interface LocalDeployerOptions {
  readonly handler: HandlerLike;
  /** For the single-function form: whether the Provider has an isComplete handler. @default true */
  readonly singleFunctionIsComplete?: boolean;
  /** @default 'LocalStack' */
  readonly stackName?: string;
  /** @default arn:aws:cloudformation:<region>:<account>:stack/<stackName>/00000000-0000-4000-8000-000000000000 */
  readonly stackId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** @default 'amazonaws.com' */
  readonly urlSuffix?: string;
  /** Values of template parameters (otherwise their Default). */
  readonly parameters?: Record<string, string>;
  /** Time between isComplete polls (the Provider's queryInterval). @default 0 */
  readonly pollIntervalMs?: number;
  /**
   * The Provider's totalTimeout: the waiter polls at once and then floor(totalTimeoutMs / pollIntervalMs)
   * more times; then the framework's onTimeout answers FAILED "Operation timed out" without calling the
   * handler. Only applies with pollIntervalMs > 0. @default 2_700_000 (45 minutes, lib/private/provider.ts)
   */
  readonly totalTimeoutMs?: number;
  /** A cap on isComplete calls per request, whatever the total timeout. @default 100 when pollIntervalMs is 0, else none */
  readonly maxPolls?: number;
  /** Advanced by pollIntervalMs between polls instead of waiting for real; with now(), also the Lambda clock. */
  readonly clock?: AdvanceableClock;
  /**
   * The handler Lambda's timeout: an invocation still running when it has passed (on the clock when it
   * has now(), else in real time) fails as Lambda reports it ("Task timed out after N.NN seconds").
   * @default 600_000 (10 minutes, lib/private/provider.ts)
   */
  readonly functionTimeoutMs?: number;
  /** Where the stack's state is published for the handler to read (local/emulator's `emulator.stacks`). */
  readonly stacks?: StackDirectory;
  /**
   * CloudFormation's RetainExceptOnCreate stack option (CreateStack / UpdateStack): when true, a rollback
   * also deletes the resources the failed operation created with DeletionPolicy Retain. @default false
   */
  readonly retainExceptOnCreate?: boolean;
  /**
   * How a replacement (an Update that returned a new physical id) is rolled back when the update fails:
   * 'delete': the new physical id is deleted in the rollback's cleanup phase; 'update-then-delete': a
   * rollback Update (new physical id, old and new properties swapped) first, then that Delete. The
   * documentation does not settle which CloudFormation does. @default 'delete'
   */
  readonly replacementRollback?: 'delete' | 'update-then-delete';
  /**
   * Called before each request is sent ('start') and once its outcome is known ('end'), in order. A
   * returned promise is awaited before the request is sent (or the deploy goes on): a test can change
   * the world there (a hand change through the SDK, another stack's deploy) between two requests.
   */
  readonly onRequest?: (progress: RequestProgress) => unknown;
  /**
   * Called before each isComplete call of a request (`poll` counts from 1), after the clock has advanced;
   * a returned promise is awaited first: a hand change while a request is under way.
   */
  readonly onPoll?: (progress: PollProgress) => unknown;
  /** Custom resources in flight at once, like CloudFormation's parallelism. @default 1 */
  readonly concurrency?: number;
  /** Source of RequestIds. @default crypto.randomUUID */
  readonly newRequestId?: () => string;
  /** Name of the handler function, used in failure reasons ("Logs: /aws/lambda/<name>"). @default 'local-provider-handler' */
  readonly functionName?: string;
  /** The template GetTemplate serves during an update rollback (the documentation does not say). @default 'previous' */
  readonly templateDuringRollback?: 'previous' | 'current';
  /** The policy that governs a replacement's new physical id when the update rolls back. @default 'DeletionPolicy' */
  readonly replacementRollbackPolicy?: 'DeletionPolicy' | 'UpdateReplacePolicy';
}

/** Which stack operation a request belongs to. */
export type Phase = 'create' | 'update' | 'cleanup' | 'rollback' | 'destroy';

/** One request CloudFormation sent for a custom resource, and how it ended. */
export interface RequestLogEntry {
  readonly phase: Phase;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly requestType: RequestType;
  /** The physical id in the request (undefined for Create). */
  readonly physicalResourceId?: string;
  readonly resourceProperties: Record<string, Json>;
  readonly oldResourceProperties?: Record<string, Json>;
  /**
   * 'framework': the Provider framework answered without calling the handler (the Delete after a Create
   * that failed in onEvent; the waiter's onTimeout after the total timeout; the last isComplete still counts).
   */
  readonly answeredBy: 'handler' | 'framework';
  readonly status: 'SUCCESS' | 'FAILED';
  /** The physical id in the response. */
  readonly responsePhysicalResourceId?: string;
  readonly data?: Record<string, Json>;
  readonly reason?: string;
  /** isComplete calls made for this request. */
  readonly polls: number;
  /** The stack's status while the request ran. */
  readonly stackStatus: StackStatus;
}

/** A resource policy skip: CloudFormation retained the physical resource instead of deleting it. */
export interface RetainedEntry {
  readonly phase: Phase;
  readonly logicalId: string;
  readonly physicalResourceId: string;
  readonly policy: 'DeletionPolicy' | 'UpdateReplacePolicy';
}

export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalResourceId: string;
  readonly data: Record<string, Json>;
  /** Resolved properties, ServiceToken included, as last sent to the handler. */
  readonly properties: Record<string, Json>;
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
}

export interface ResourceOutputs {
  readonly physicalResourceId: string;
  readonly data: Record<string, Json>;
}

export interface DeployResult {
  readonly operation: 'create' | 'update';
  readonly created: string[];
  readonly updated: string[];
  /** Updated resources whose physical id changed. */
  readonly replaced: string[];
  readonly unchanged: string[];
  /** Logical ids deleted in the cleanup phase (removed from the template). */
  readonly deleted: string[];
  /** Cleanup deletes that failed: CloudFormation logs them and still completes the update. */
  readonly cleanupFailures: Array<{ logicalId: string; physicalResourceId: string; reason: string }>;
}
