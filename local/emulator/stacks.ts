/**
 * What the CloudFormation stand-in (./cloudformation) serves about a stack, in the emulator's own terms:
 * the local deployer publishes its StackState (local/deploy/types), which has this shape, so the
 * emulator depends on nothing above it. A leaf module: ./types and ./cloudformation both read it.
 */

/** One resource of a published stack: what DescribeStackResources and ListStackResources answer. */
export interface PublishedResource {
  readonly logicalResourceId: string;
  /** Absent while a Create is in progress or after it failed. */
  readonly physicalResourceId?: string;
  readonly resourceType: string;
  readonly resourceStatus: string;
  readonly timestamp: number;
}

/** What CloudFormation holds for a stack at one moment: what DescribeStacks, GetTemplate and DescribeStackResources answer. */
export interface PublishedStack {
  readonly stackId: string;
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly status: string;
  readonly statusReason?: string;
  readonly creationTime: number;
  readonly lastUpdatedTime?: number;
  /** The template's parameters with the values in use. */
  readonly parameters?: Record<string, string>;
  /** The template CloudFormation holds in this phase (GetTemplate answers it as JSON). */
  readonly template: Readonly<Record<string, unknown>>;
  readonly resources: readonly PublishedResource[];
}

/** One CloudFormation request the emulator answered. */
export interface CloudFormationCall {
  readonly seq: number;
  readonly operation: string;
  readonly accountId: string;
  readonly region: string;
  readonly input: Record<string, string>;
  readonly status: number;
  /** The stack status the answer carried, for DescribeStacks. */
  readonly stackStatus?: string;
  readonly errorCode?: string;
}

/**
 * The stacks the local deployer published, and the CloudFormation calls answered from them. A
 * local/deploy StackDirectory (its `publish` takes the deployer's StackState).
 */
export interface CloudFormationStacks {
  publish(stack: PublishedStack): void;
  /** The latest state of a stack, by stack id. */
  get(stackId: string): PublishedStack | undefined;
  /** Every stack published, latest state each. */
  list(): PublishedStack[];
  calls(): CloudFormationCall[];
  clearCalls(): void;
  /** Forgets every stack and call. */
  reset(): void;
}
