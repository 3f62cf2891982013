/**
 * The stack as CloudFormation holds it: its id, status and times, the custom resources deployed and the
 * template they came from, what DescribeStackResources and GetTemplate answer in the current phase, and
 * the logs of requests sent and deletes skipped. Every change of what CloudFormation would answer is
 * published (`options.stacks`) for the handler to read over CloudFormation's API.
 */
import { placeholderRef } from './intrinsics';
import { has } from './run';
import { isCustomResource } from './template';
import type {
  CfnTemplate,
  DeployedResource,
  LocalDeployerOptions,
  RequestLogEntry,
  ResourceStatus,
  RetainedEntry,
  StackResourceState,
  StackState,
  StackStatus,
} from './types';

export class StackRecord {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  private readonly baseStackId: string;
  private currentStackId: string;
  private generation = 0;
  /** Every request sent so far, in order. */
  readonly log: RequestLogEntry[] = [];
  /** Deletes skipped because of DeletionPolicy / UpdateReplacePolicy. */
  readonly retainedLog: RetainedEntry[] = [];
  /** The custom resources deployed (as the last settled operation left them). */
  state = new Map<string, DeployedResource>();
  /** The template last deployed successfully. */
  template: CfnTemplate | undefined;
  private stackStatus: StackStatus | undefined;
  private statusReason: string | undefined;
  private creationTime = 0;
  private lastUpdatedTime: number | undefined;
  /** What DescribeStackResources shows now. */
  private view = new Map<string, StackResourceState>();
  /** What GetTemplate answers now. */
  visibleTemplate: CfnTemplate = { Resources: {} };

  constructor(private readonly options: LocalDeployerOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.stackName = options.stackName ?? 'LocalStack';
    this.baseStackId =
      options.stackId ??
      `arn:${options.partition ?? 'aws'}:cloudformation:${this.region}:${this.accountId}:stack/${this.stackName}/00000000-0000-4000-8000-000000000000`;
    this.currentStackId = this.baseStackId;
  }

  get status(): StackStatus | undefined {
    return this.stackStatus;
  }

  get stackId(): string {
    return this.currentStackId;
  }

  now(): number {
    return this.options.clock?.now?.() ?? Date.now();
  }

  /** What CloudFormation would answer about this stack now. */
  stackState(): StackState | undefined {
    if (this.stackStatus === undefined) return undefined;
    return {
      stackId: this.currentStackId,
      stackName: this.stackName,
      region: this.region,
      accountId: this.accountId,
      status: this.stackStatus,
      ...(this.statusReason !== undefined ? { statusReason: this.statusReason } : {}),
      creationTime: this.creationTime,
      ...(this.lastUpdatedTime !== undefined ? { lastUpdatedTime: this.lastUpdatedTime } : {}),
      parameters: this.parameterValues(this.visibleTemplate),
      template: JSON.parse(JSON.stringify(this.visibleTemplate)) as CfnTemplate,
      resources: this.stackStatus === 'DELETE_COMPLETE' ? [] : [...this.view.values()].map((r) => ({ ...r })),
    };
  }

  private parameterValues(template: CfnTemplate): Record<string, string> {
    const given = this.options.parameters ?? {};
    const out: Record<string, string> = {};
    for (const [name, declared] of Object.entries(template.Parameters ?? {})) {
      const value = has(given, name) ? given[name] : declared.Default;
      if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : String(value);
    }
    return out;
  }

  publish(): void {
    const state = this.stackState();
    if (state && this.options.stacks) this.options.stacks.publish(state);
  }

  setStatus(status: StackStatus, reason?: string): void {
    this.stackStatus = status;
    this.statusReason = reason;
    this.publish();
  }

  /** An update starts now. */
  touch(): void {
    this.lastUpdatedTime = this.now();
  }

  mark(logicalId: string, resourceType: string, resourceStatus: ResourceStatus, physicalResourceId?: string): void {
    this.view.set(logicalId, {
      logicalResourceId: logicalId,
      resourceType,
      resourceStatus,
      timestamp: this.now(),
      ...(physicalResourceId !== undefined && physicalResourceId !== '' ? { physicalResourceId } : {}),
    });
    this.publish();
  }

  unlist(logicalId: string): void {
    if (this.view.delete(logicalId)) this.publish();
  }

  /** No resource listed any more (the stack is gone, or back to nothing). */
  clearView(): void {
    this.view.clear();
  }

  /** A resource as the view shows it in a settled stack: its status kept when its physical id did not change. */
  private settledEntry(id: string, deployed: DeployedResource): StackResourceState {
    const previous = this.view.get(id);
    const status =
      previous && previous.physicalResourceId === deployed.physicalResourceId && previous.resourceStatus.endsWith('_COMPLETE')
        ? previous.resourceStatus
        : 'UPDATE_COMPLETE';
    return {
      logicalResourceId: id,
      resourceType: deployed.type,
      physicalResourceId: deployed.physicalResourceId,
      resourceStatus: status,
      timestamp: previous?.timestamp ?? this.now(),
    };
  }

  /** The view of a settled stack: its custom resources as deployed, every other resource as a placeholder. */
  rebuildView(template: CfnTemplate | undefined, state: Map<string, DeployedResource>): void {
    const view = new Map<string, StackResourceState>();
    for (const [id, resource] of Object.entries(template?.Resources ?? {})) {
      const deployed = state.get(id);
      if (deployed) view.set(id, this.settledEntry(id, deployed));
      else if (!isCustomResource(resource)) view.set(id, this.view.get(id) ?? this.placeholder(id, resource.Type));
    }
    for (const [id, deployed] of state) {
      if (!view.has(id))
        view.set(id, {
          logicalResourceId: id,
          resourceType: deployed.type,
          physicalResourceId: deployed.physicalResourceId,
          resourceStatus: 'UPDATE_COMPLETE',
          timestamp: this.now(),
        });
    }
    this.view = view;
  }

  private placeholder(id: string, resourceType: string): StackResourceState {
    return {
      logicalResourceId: id,
      resourceType,
      physicalResourceId: placeholderRef(id),
      resourceStatus: 'CREATE_COMPLETE',
      timestamp: this.now(),
    };
  }

  /** Non-custom resources of a template appear as they would once CloudFormation created them. */
  listNonCustom(template: CfnTemplate): void {
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (!isCustomResource(resource) && !this.view.has(id)) this.view.set(id, this.placeholder(id, resource.Type));
    }
  }

  /** After a failed create rollback: only the custom resources whose Delete failed stay listed. */
  rebuildViewKeepingFailed(): void {
    for (const [id, entry] of [...this.view]) {
      if (entry.resourceStatus !== 'DELETE_FAILED' && isCustomResource({ Type: entry.resourceType })) this.view.delete(id);
    }
    this.publish();
  }

  /** Before a new create: a stack that was deleted (or is ROLLBACK_COMPLETE, deleted here first) is created anew with a new id. */
  prepareCreate(): void {
    if (this.stackStatus === 'ROLLBACK_COMPLETE') {
      this.setStatus('DELETE_IN_PROGRESS');
      this.view.clear();
      this.setStatus('DELETE_COMPLETE');
    }
    if (this.stackStatus === 'DELETE_COMPLETE') {
      this.generation += 1;
      const suffix = this.generation.toString(16).padStart(12, '0');
      this.currentStackId = this.baseStackId.replace(/[0-9a-f]{12}$/i, suffix);
      if (this.currentStackId === this.baseStackId) this.currentStackId = `${this.baseStackId}-${this.generation}`;
    }
    this.view = new Map();
    this.creationTime = this.now();
    this.lastUpdatedTime = undefined;
  }

  /** The stack holds `template` and `state` now, as a settled operation left them. */
  settle(template: CfnTemplate | undefined, state: Map<string, DeployedResource>): void {
    this.template = template;
    this.state = state;
  }
}
