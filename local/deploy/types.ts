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
  onEvent(event: CustomResourceEvent): Promise<OnEventResult | undefined | void> | OnEventResult | undefined | void;
  isComplete?(event: IsCompleteEvent): Promise<IsCompleteResult> | IsCompleteResult;
}

/**
 * One Lambda function registered as both onEvent and isComplete handler; it tells the two phases apart
 * itself. With this form the deployer assumes an isComplete handler is configured (as in
 * lib/private/provider.ts) unless `singleFunctionIsComplete: false` is given.
 */
export type SingleFunctionHandler = (event: CustomResourceEvent | IsCompleteEvent) => Promise<unknown>;

export type HandlerLike = ProviderHandlers | SingleFunctionHandler;

/** The part of a ManualClock the deployer uses (local/emulator createManualClock()). */
export interface AdvanceableClock {
  advance(ms: number): void;
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
  /** isComplete calls before the framework gives up with "Operation timed out". @default 100 */
  readonly maxPolls?: number;
  /** Advanced by pollIntervalMs between polls instead of waiting for real. */
  readonly clock?: AdvanceableClock;
  /** Custom resources in flight at once, like CloudFormation's parallelism. @default 1 */
  readonly concurrency?: number;
  /** Source of RequestIds. @default crypto.randomUUID */
  readonly newRequestId?: () => string;
  /** Name of the handler function, used in failure reasons ("Logs: /aws/lambda/<name>"). @default 'local-provider-handler' */
  readonly functionName?: string;
  /** Called before each request is sent ('start') and once its outcome is known ('end'), in order. */
  readonly onRequest?: (progress: RequestProgress) => void;
}

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
  /** 'framework': the Provider framework answered without calling the handler (Delete after a failed Create). */
  readonly answeredBy: 'handler' | 'framework';
  readonly status: 'SUCCESS' | 'FAILED';
  /** The physical id in the response. */
  readonly responsePhysicalResourceId?: string;
  readonly data?: Record<string, Json>;
  readonly reason?: string;
  /** isComplete calls made for this request. */
  readonly polls: number;
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
