/**
 * CloudFormation's lifecycle for the custom resources of a template, in process: create, update
 * (with replacement and cleanup), rollback on failure, and stack deletion, with the stack's status
 * tracked through every phase and published (`stacks`) for the handler to read over CloudFormation's
 * API. Only resources whose Type starts with `Custom::` (or is AWS::CloudFormation::CustomResource) are
 * run, through the Provider framework (./provider.ts) to the handler; every other resource is taken as
 * already there, and references to it resolve to placeholders.
 *
 * Stack create (CREATE_IN_PROGRESS -> CREATE_COMPLETE): Create in dependency order. On a failure
 * (ROLLBACK_IN_PROGRESS -> ROLLBACK_COMPLETE, or ROLLBACK_FAILED when a Delete fails): Delete, newest
 * first, everything this operation created (the failed resource included: the framework answers that
 * Delete itself when the Create failed in onEvent), except DeletionPolicy Retain (unless the
 * retainExceptOnCreate stack option is set); RetainExceptOnCreate and Delete are deleted. A deploy after
 * ROLLBACK_COMPLETE deletes the empty stack first and creates a new one (a new stack id), as the CDK CLI does.
 *
 * Stack update (UPDATE_IN_PROGRESS -> UPDATE_COMPLETE_CLEANUP_IN_PROGRESS -> UPDATE_COMPLETE): in
 * dependency order, Create new resources and Update those whose resolved properties (ServiceToken aside;
 * it may not change) differ from the last deployed ones. An Update that returns a new physical id is a
 * replacement. Then the cleanup phase, in reverse dependency order of the previous template: Delete the
 * old physical id of every replaced resource with its old properties (unless its UpdateReplacePolicy is
 * Retain) and every resource removed from the template (unless its DeletionPolicy is Retain or
 * RetainExceptOnCreate). A failed cleanup Delete is recorded, not thrown: CloudFormation still completes.
 *
 * Update rollback (UPDATE_ROLLBACK_IN_PROGRESS -> UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS ->
 * UPDATE_ROLLBACK_COMPLETE): a rollback Update (old and new properties swapped, on the same physical id)
 * for the failed resource and every resource updated in place, newest first (and, with
 * replacementRollback 'update-then-delete', for the new physical id of every replacement). A failed
 * rollback Update stops there: UPDATE_ROLLBACK_FAILED. Then, in the cleanup phase, Delete, newest first,
 * the resources created in this update (DeletionPolicy as on create rollback) and the new physical ids of
 * replaced resources (the old ones were never deleted, so they are what the stack holds again). The
 * deployer is left as before the update.
 *
 * Stack delete (DELETE_IN_PROGRESS -> DELETE_COMPLETE, or DELETE_FAILED): Delete every resource in
 * reverse dependency order, skipping DeletionPolicy Retain and RetainExceptOnCreate. A failed Delete
 * leaves that resource, and those it depends on, deployed.
 *
 * Deploys are refused in ROLLBACK_FAILED, UPDATE_ROLLBACK_FAILED and DELETE_FAILED, as CloudFormation
 * refuses updates there: destroy() the stack first.
 */
import type { Stack } from 'aws-cdk-lib';
import { DeployFailedError, DestroyFailedError, StackStatusError, TemplateError, type FailedRequest } from './errors';
import { jsonEqual, placeholderRef, resolveProperties, type ResolveContext } from './intrinsics';
import { defaultRequestId, normalizeHandler, sendRequest, type ProviderOutcome } from './provider';
import { runGraph } from './schedule';
import { customDependencies, customResourceOrder, isCustomResource, loadTemplate } from './template';
import type {
  CfnTemplate,
  CustomResourceEvent,
  DeployedResource,
  DeployResult,
  Json,
  LocalDeployerOptions,
  Phase,
  RequestLogEntry,
  RequestType,
  ResourceOutputs,
  ResourceStatus,
  RetainedEntry,
  StackResourceState,
  StackState,
  StackStatus,
  TemplateResource,
} from './types';

const RETAIN = 'Retain';
const RETAIN_EXCEPT_ON_CREATE = 'RetainExceptOnCreate';
const DELETION_POLICIES = ['Delete', RETAIN, RETAIN_EXCEPT_ON_CREATE, 'Snapshot'];
const UPDATE_REPLACE_POLICIES = ['Delete', RETAIN, 'Snapshot'];
/** The status a resource shows while its request runs. */
const IN_PROGRESS: Readonly<Record<RequestType, ResourceStatus>> = {
  Create: 'CREATE_IN_PROGRESS',
  Update: 'UPDATE_IN_PROGRESS',
  Delete: 'DELETE_IN_PROGRESS',
};
/** Statuses CloudFormation refuses an update in; the stack has to be deleted (or the rollback continued) first. */
const BLOCKING_STATUSES: ReadonlySet<StackStatus> = new Set([
  'ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'DELETE_FAILED',
  'CREATE_FAILED',
]);

type Props = Record<string, Json>;

/** One resource handled in the forward phase of a deploy, in the order they finished. */
type Attempt =
  | { readonly kind: 'create'; readonly logicalId: string; readonly after: DeployedResource }
  | { readonly kind: 'update' | 'replace'; readonly logicalId: string; readonly before: DeployedResource; readonly after: DeployedResource }
  | {
      readonly kind: 'createFailed';
      readonly logicalId: string;
      readonly type: string;
      readonly physicalResourceId: string;
      readonly properties: Props;
      readonly reason: string;
      readonly deletionPolicy?: string;
    }
  | {
      readonly kind: 'updateFailed';
      readonly logicalId: string;
      readonly before: DeployedResource;
      readonly properties: Props;
      readonly reason: string;
      readonly sent: boolean;
    };

/** One deploy in progress: what it started from, and what it has done so far. */
interface DeployRun {
  readonly template: CfnTemplate;
  readonly phase: Phase;
  /** The custom resources deployed before this deploy. */
  readonly previous: Map<string, DeployedResource>;
  /** The custom resources as this deploy leaves them so far (what Ref and Fn::GetAtt of later resources read). */
  readonly current: Map<string, DeployedResource>;
  readonly attempts: Attempt[];
  readonly unchanged: string[];
  readonly ctx: ResolveContext;
}

/** A Delete of the cleanup phase: an old physical id of a replaced resource, or a resource gone from the template. */
interface CleanupEntry {
  readonly resource: DeployedResource;
  /** The policy that keeps the physical resource; no Delete is sent then. */
  readonly retainedBy?: RetainedEntry['policy'];
  readonly replaced: boolean;
}

const policiesOf = (resource: TemplateResource): Pick<DeployedResource, 'deletionPolicy' | 'updateReplacePolicy'> => ({
  deletionPolicy: resource.DeletionPolicy,
  updateReplacePolicy: resource.UpdateReplacePolicy,
});

const withoutServiceToken = (props: Props): Props => Object.fromEntries(Object.entries(props).filter(([key]) => key !== 'ServiceToken'));

const has = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/** Whether a stack delete or a removal from the template keeps the physical resource. */
const retainedOnDelete = (deletionPolicy: string | undefined): boolean =>
  deletionPolicy === RETAIN || deletionPolicy === RETAIN_EXCEPT_ON_CREATE;

export class LocalDeployer {
  private readonly functions: ReturnType<typeof normalizeHandler>;
  private readonly region: string;
  private readonly accountId: string;
  private readonly stackName: string;
  private readonly baseStackId: string;
  private currentStackId: string;
  private generation = 0;
  private readonly log: RequestLogEntry[] = [];
  private readonly retainedLog: RetainedEntry[] = [];
  private state = new Map<string, DeployedResource>();
  private template: CfnTemplate | undefined;
  private busy = false;
  private stackStatus: StackStatus | undefined;
  private statusReason: string | undefined;
  private creationTime = 0;
  private lastUpdatedTime: number | undefined;
  /** What DescribeStackResources shows now. */
  private view = new Map<string, StackResourceState>();
  /** What GetTemplate answers now. */
  private visibleTemplate: CfnTemplate = { Resources: {} };

  constructor(private readonly options: LocalDeployerOptions) {
    this.functions = normalizeHandler(options.handler, options.singleFunctionIsComplete ?? true);
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.stackName = options.stackName ?? 'LocalStack';
    this.baseStackId =
      options.stackId ??
      `arn:${options.partition ?? 'aws'}:cloudformation:${this.region}:${this.accountId}:stack/${this.stackName}/00000000-0000-4000-8000-000000000000`;
    this.currentStackId = this.baseStackId;
  }

  /** The stack's CloudFormation status; undefined before the first deploy. */
  get status(): StackStatus | undefined {
    return this.stackStatus;
  }

  /** The stack id of the current (or last) stack; a stack created again after a delete gets a new one. */
  get stackId(): string {
    return this.currentStackId;
  }

  /** Every request sent so far, in order. */
  get requests(): readonly RequestLogEntry[] {
    return this.log;
  }

  /** Deletes CloudFormation skipped because of DeletionPolicy / UpdateReplacePolicy. */
  get retained(): readonly RetainedEntry[] {
    return this.retainedLog;
  }

  clearRequests(): void {
    this.log.length = 0;
    this.retainedLog.length = 0;
  }

  /** The template last deployed successfully; undefined before the first deploy and after destroy. */
  get deployedTemplate(): CfnTemplate | undefined {
    return this.template;
  }

  /** The custom resources currently deployed. */
  resources(): DeployedResource[] {
    return [...this.state.values()];
  }

  /** The physical id and Data (the attributes Fn::GetAtt reads) of a deployed custom resource. */
  outputs(logicalId: string): ResourceOutputs {
    const resource = this.state.get(logicalId);
    if (!resource) throw new Error(`${logicalId} is not deployed (deployed: ${[...this.state.keys()].join(', ') || 'none'})`);
    return { physicalResourceId: resource.physicalResourceId, data: resource.data };
  }

  /** What CloudFormation would answer about this stack now (the state published to `stacks`). */
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

  /** Creates the stack on the first call, updates it on later ones. Rejects with DeployFailedError after a rollback. */
  async deploy(source: Stack | CfnTemplate | string): Promise<DeployResult> {
    return this.exclusive(() => this.deployTemplate(loadTemplate(source)));
  }

  /** Deletes the stack's custom resources. Rejects with DestroyFailedError when some could not be deleted. */
  async destroy(): Promise<void> {
    return this.exclusive(() => this.destroyAll());
  }

  private async exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.busy) throw new Error('LocalDeployer: another deploy or destroy is in progress');
    this.busy = true;
    try {
      return await operation();
    } finally {
      this.busy = false;
    }
  }

  // ---- stack state ------------------------------------------------------------------------------

  private now(): number {
    return this.options.clock?.now?.() ?? Date.now();
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

  private publish(): void {
    const state = this.stackState();
    if (state && this.options.stacks) this.options.stacks.publish(state);
  }

  private setStatus(status: StackStatus, reason?: string): void {
    this.stackStatus = status;
    this.statusReason = reason;
    this.publish();
  }

  private mark(logicalId: string, resourceType: string, resourceStatus: ResourceStatus, physicalResourceId?: string): void {
    this.view.set(logicalId, {
      logicalResourceId: logicalId,
      resourceType,
      resourceStatus,
      timestamp: this.now(),
      ...(physicalResourceId !== undefined && physicalResourceId !== '' ? { physicalResourceId } : {}),
    });
    this.publish();
  }

  private unlist(logicalId: string): void {
    if (this.view.delete(logicalId)) this.publish();
  }

  /** The view of a settled stack: its custom resources as deployed, every other resource as a placeholder. */
  private rebuildView(template: CfnTemplate | undefined, state: Map<string, DeployedResource>): void {
    const view = new Map<string, StackResourceState>();
    if (template) {
      for (const [id, resource] of Object.entries(template.Resources)) {
        const deployed = state.get(id);
        const previous = this.view.get(id);
        if (deployed) {
          const status =
            previous && previous.physicalResourceId === deployed.physicalResourceId && previous.resourceStatus.endsWith('_COMPLETE')
              ? previous.resourceStatus
              : 'UPDATE_COMPLETE';
          view.set(id, {
            logicalResourceId: id,
            resourceType: deployed.type,
            physicalResourceId: deployed.physicalResourceId,
            resourceStatus: status,
            timestamp: previous?.timestamp ?? this.now(),
          });
        } else if (!isCustomResource(resource)) {
          view.set(
            id,
            previous ?? {
              logicalResourceId: id,
              resourceType: resource.Type,
              physicalResourceId: placeholderRef(id),
              resourceStatus: 'CREATE_COMPLETE',
              timestamp: this.now(),
            },
          );
        }
      }
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

  /** Non-custom resources of a template appear as they would once CloudFormation created them. */
  private listNonCustom(template: CfnTemplate): void {
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (!isCustomResource(resource) && !this.view.has(id)) {
        this.view.set(id, {
          logicalResourceId: id,
          resourceType: resource.Type,
          physicalResourceId: placeholderRef(id),
          resourceStatus: 'CREATE_COMPLETE',
          timestamp: this.now(),
        });
      }
    }
  }

  /** Before a new create: a stack that was deleted (or is ROLLBACK_COMPLETE, deleted here first) is created anew with a new id. */
  private prepareCreate(): void {
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

  // ---- deploy -----------------------------------------------------------------------------------

  private validate(template: CfnTemplate): void {
    for (const [id, resource] of Object.entries(template.Resources)) {
      const before = this.state.get(id);
      if (before && before.type !== resource.Type) {
        throw new TemplateError(`Update of resource type is not permitted: ${id} was ${before.type}, is now ${resource.Type}`);
      }
      if (isCustomResource(resource) && resource.Condition !== undefined) {
        throw new TemplateError(`${id} has a Condition; conditions are not supported by the local deployer`);
      }
      if (resource.DeletionPolicy !== undefined && !DELETION_POLICIES.includes(resource.DeletionPolicy)) {
        throw new TemplateError(
          `${id} has DeletionPolicy ${JSON.stringify(resource.DeletionPolicy)}; expected one of ${DELETION_POLICIES.join(', ')}`,
        );
      }
      if (resource.UpdateReplacePolicy !== undefined && !UPDATE_REPLACE_POLICIES.includes(resource.UpdateReplacePolicy)) {
        throw new TemplateError(
          `${id} has UpdateReplacePolicy ${JSON.stringify(resource.UpdateReplacePolicy)}; expected one of ${UPDATE_REPLACE_POLICIES.join(', ')}`,
        );
      }
    }
  }

  private async deployTemplate(template: CfnTemplate): Promise<DeployResult> {
    this.validate(template);
    if (this.stackStatus !== undefined && BLOCKING_STATUSES.has(this.stackStatus)) {
      throw new StackStatusError(this.currentStackId, this.stackStatus, 'Delete the stack (destroy()) and deploy again.');
    }
    const previousTemplate = this.template;
    const creating = previousTemplate === undefined;
    if (creating) this.prepareCreate();
    else this.lastUpdatedTime = this.now();
    const previous = new Map(this.state);
    const current = new Map(previous);
    const run: DeployRun = {
      template,
      phase: creating ? 'create' : 'update',
      previous,
      current,
      attempts: [],
      unchanged: [],
      // After prepareCreate: a stack created anew resolves AWS::StackId to its new id.
      ctx: this.resolveContext(template, current),
    };
    const order = customResourceOrder(template);
    const deps = customDependencies(template);

    this.visibleTemplate = template;
    this.listNonCustom(template);
    this.setStatus(creating ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS', 'User Initiated');

    const forward = await runGraph(
      order,
      (id) => deps.get(id) ?? [],
      (id) => this.applyResource(run, id),
      {
        concurrency: this.concurrency,
        stopOnFailure: true,
      },
    );
    if (forward.failed.length > 0) return this.rollBack(run, previousTemplate);

    const { cleanup, deleted } = this.cleanupPlan(run);
    const cleanupFailures = previousTemplate ? await this.cleanupPhase(previousTemplate, cleanup) : [];

    this.state = current;
    this.template = template;
    this.rebuildView(template, current);
    this.setStatus(creating ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE');
    const ids = (kind: Attempt['kind']) => run.attempts.filter((a) => a.kind === kind).map((a) => a.logicalId);
    return {
      operation: creating ? 'create' : 'update',
      created: ids('create'),
      updated: [...ids('update'), ...ids('replace')].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      replaced: ids('replace'),
      unchanged: run.unchanged,
      deleted,
      cleanupFailures,
    };
  }

  /**
   * The forward step for one custom resource: Create it if it is new, Update it if its properties
   * (ServiceToken aside) changed, else leave it. False when it failed; the failure is in run.attempts.
   */
  private async applyResource(run: DeployRun, logicalId: string): Promise<boolean> {
    const resource = run.template.Resources[logicalId];
    const before = run.previous.get(logicalId);
    const properties = this.propertiesToSend(run, logicalId, before);
    if (properties === undefined) return false;
    if (!before) return this.createResource(run, logicalId, properties);
    if (jsonEqual(withoutServiceToken(before.properties), withoutServiceToken(properties))) {
      run.current.set(logicalId, { ...before, ...policiesOf(resource) });
      run.unchanged.push(logicalId);
      return true;
    }
    return this.updateResource(run, logicalId, before, properties);
  }

  /**
   * A resource's properties resolved for its request, or undefined when they cannot be sent (an intrinsic
   * that does not resolve, no ServiceToken, a changed ServiceToken): the resource is then marked failed
   * and the failure recorded, with no request sent.
   */
  private propertiesToSend(run: DeployRun, logicalId: string, before: DeployedResource | undefined): Props | undefined {
    const resource = run.template.Resources[logicalId];
    try {
      const properties = resolveProperties(resource.Properties, run.ctx);
      if (typeof properties.ServiceToken !== 'string' || properties.ServiceToken === '') {
        throw new TemplateError(`${logicalId} has no ServiceToken`);
      }
      if (before && properties.ServiceToken !== before.properties.ServiceToken) {
        throw new Error('Modifying service token is not allowed.');
      }
      return properties;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (before) {
        this.mark(logicalId, resource.Type, 'UPDATE_FAILED', before.physicalResourceId);
        run.attempts.push({ kind: 'updateFailed', logicalId, before, properties: before.properties, reason, sent: false });
      } else {
        this.mark(logicalId, resource.Type, 'CREATE_FAILED');
        run.attempts.push({
          kind: 'createFailed',
          logicalId,
          type: resource.Type,
          physicalResourceId: '',
          properties: {},
          reason,
          deletionPolicy: resource.DeletionPolicy,
        });
      }
      return undefined;
    }
  }

  private async createResource(run: DeployRun, logicalId: string, properties: Props): Promise<boolean> {
    const resource = run.template.Resources[logicalId];
    const outcome = await this.send(run.phase, this.event('Create', logicalId, resource.Type, properties));
    if (outcome.status === 'FAILED') {
      run.attempts.push({
        kind: 'createFailed',
        logicalId,
        type: resource.Type,
        physicalResourceId: outcome.physicalResourceId,
        properties,
        reason: outcome.reason ?? '',
        deletionPolicy: resource.DeletionPolicy,
      });
      return false;
    }
    const after: DeployedResource = {
      logicalId,
      type: resource.Type,
      physicalResourceId: outcome.physicalResourceId,
      data: outcome.data,
      properties,
      ...policiesOf(resource),
    };
    run.current.set(logicalId, after);
    run.attempts.push({ kind: 'create', logicalId, after });
    return true;
  }

  /** An Update; a new physical id in the answer makes it a replacement (the old id is deleted in the cleanup phase). */
  private async updateResource(run: DeployRun, logicalId: string, before: DeployedResource, properties: Props): Promise<boolean> {
    const resource = run.template.Resources[logicalId];
    const event = this.event('Update', logicalId, resource.Type, properties, before.physicalResourceId, before.properties);
    const outcome = await this.send(run.phase, event);
    if (outcome.status === 'FAILED') {
      run.attempts.push({ kind: 'updateFailed', logicalId, before, properties, reason: outcome.reason ?? '', sent: true });
      return false;
    }
    const after: DeployedResource = {
      ...before,
      ...policiesOf(resource),
      physicalResourceId: outcome.physicalResourceId,
      data: outcome.data,
      properties,
    };
    run.current.set(logicalId, after);
    run.attempts.push({ kind: outcome.physicalResourceId === before.physicalResourceId ? 'update' : 'replace', logicalId, before, after });
    return true;
  }

  /** After a failed forward step: rolls the create or update back and rejects with DeployFailedError. */
  private async rollBack(run: DeployRun, previousTemplate: CfnTemplate | undefined): Promise<never> {
    const first = run.attempts.find((a) => a.kind === 'createFailed' || a.kind === 'updateFailed') as Extract<Attempt, { reason: string }>;
    const requestType = first.kind === 'createFailed' ? 'Create' : 'Update';
    const failure = `The following resource(s) failed to ${requestType.toLowerCase()}: [${first.logicalId}]. `;
    const { rollbackFailures, cleanupFailures } =
      previousTemplate === undefined
        ? await this.rollbackCreate(run.template, run.attempts, failure)
        : await this.rollbackUpdate(previousTemplate, run.previous, run.attempts, failure);
    throw new DeployFailedError(first.logicalId, requestType, first.reason, rollbackFailures, this.stackStatus, cleanupFailures);
  }

  /**
   * What the cleanup phase deletes: the old physical id of every replaced resource, and every resource
   * no longer in the template (taken out of run.current here), each with the policy that retains it, if any.
   */
  private cleanupPlan(run: DeployRun): { cleanup: Map<string, CleanupEntry>; deleted: string[] } {
    const cleanup = new Map<string, CleanupEntry>();
    for (const a of run.attempts) {
      if (a.kind === 'replace') {
        cleanup.set(a.logicalId, {
          resource: a.before,
          retainedBy: a.after.updateReplacePolicy === RETAIN ? 'UpdateReplacePolicy' : undefined,
          replaced: true,
        });
      }
    }
    const deleted: string[] = [];
    for (const [id, resource] of run.previous) {
      if (!has(run.template.Resources, id)) {
        cleanup.set(id, {
          resource,
          retainedBy: retainedOnDelete(resource.deletionPolicy) ? 'DeletionPolicy' : undefined,
          replaced: false,
        });
        run.current.delete(id);
        deleted.push(id);
      }
    }
    return { cleanup, deleted };
  }

  /**
   * The cleanup phase of an update (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS): the planned Deletes, in reverse
   * dependency order of the previous template. Failures are returned, not thrown: CloudFormation still completes.
   */
  private async cleanupPhase(
    previousTemplate: CfnTemplate,
    cleanup: ReadonlyMap<string, CleanupEntry>,
  ): Promise<DeployResult['cleanupFailures']> {
    this.setStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    const failures: DeployResult['cleanupFailures'] = [];
    if (cleanup.size === 0) return failures;
    const previousDeps = customDependencies(previousTemplate);
    const previousOrder = customResourceOrder(previousTemplate).filter((id) => cleanup.has(id));
    await runGraph(
      [...previousOrder].reverse(),
      (id) => previousOrder.filter((other) => previousDeps.get(other)?.has(id)),
      async (id) => {
        const failure = await this.cleanUp(id, cleanup.get(id)!);
        if (failure) failures.push(failure);
        return true; // a failed cleanup does not hold back the others
      },
      { concurrency: this.concurrency, stopOnFailure: false },
    );
    return failures;
  }

  /** One cleanup Delete (or its skip, by policy); returns the failure, if any. */
  private async cleanUp(
    id: string,
    { resource, retainedBy, replaced }: CleanupEntry,
  ): Promise<DeployResult['cleanupFailures'][number] | undefined> {
    if (retainedBy) {
      this.retainedLog.push({ phase: 'cleanup', logicalId: id, physicalResourceId: resource.physicalResourceId, policy: retainedBy });
      if (!replaced) {
        this.mark(id, resource.type, 'DELETE_SKIPPED', resource.physicalResourceId);
        this.unlist(id);
      }
      return undefined;
    }
    const event = this.event('Delete', id, resource.type, resource.properties, resource.physicalResourceId);
    const outcome = await this.send('cleanup', event, { listed: !replaced });
    if (!replaced) this.unlist(id); // CloudFormation drops it from the stack even when its Delete failed
    if (outcome.status !== 'FAILED') return undefined;
    return { logicalId: id, physicalResourceId: resource.physicalResourceId, reason: outcome.reason ?? '' };
  }

  /** Whether a rollback deletes a resource the failed operation created, by its DeletionPolicy. */
  private rollbackDeletes(deletionPolicy: string | undefined): boolean {
    return deletionPolicy !== RETAIN || this.options.retainExceptOnCreate === true;
  }

  /** Deletes (or retains, by policy) one resource the failed operation created; returns the failure, if any. */
  private async rollbackDelete(
    logicalId: string,
    type: string,
    physicalResourceId: string,
    properties: Props,
    deletionPolicy: string | undefined,
    listed: boolean,
  ): Promise<FailedRequest | undefined> {
    if (!this.rollbackDeletes(deletionPolicy)) {
      this.retainedLog.push({ phase: 'rollback', logicalId, physicalResourceId, policy: 'DeletionPolicy' });
      if (listed) {
        this.mark(logicalId, type, 'DELETE_SKIPPED', physicalResourceId);
        this.unlist(logicalId);
      }
      return undefined;
    }
    const outcome = await this.send('rollback', this.event('Delete', logicalId, type, properties, physicalResourceId), { listed });
    return outcome.status === 'FAILED' ? { logicalId, physicalResourceId, reason: outcome.reason ?? '' } : undefined;
  }

  /** Rolls back a failed stack create: Delete, newest first, what it created. */
  private async rollbackCreate(
    template: CfnTemplate,
    attempts: readonly Attempt[],
    reason: string,
  ): Promise<{ rollbackFailures: FailedRequest[]; cleanupFailures: FailedRequest[] }> {
    this.setStatus('ROLLBACK_IN_PROGRESS', `${reason}Rollback requested by user.`);
    const failures: FailedRequest[] = [];
    const left = new Map<string, DeployedResource>();
    for (const a of [...attempts].reverse()) {
      if (a.kind === 'create') {
        const failure = await this.rollbackDelete(
          a.logicalId,
          a.after.type,
          a.after.physicalResourceId,
          a.after.properties,
          a.after.deletionPolicy,
          true,
        );
        if (failure) {
          failures.push(failure);
          left.set(a.logicalId, a.after);
        }
      } else if (a.kind === 'createFailed') {
        if (a.physicalResourceId === '') {
          this.unlist(a.logicalId); // nothing was sent: nothing to delete
          continue;
        }
        const failure = await this.rollbackDelete(a.logicalId, a.type, a.physicalResourceId, a.properties, a.deletionPolicy, true);
        if (failure) failures.push(failure);
      }
    }
    if (failures.length > 0) {
      // The resources whose Delete failed stay in the stack; destroy() tries them again.
      this.state = left;
      this.template = template;
      this.rebuildViewKeepingFailed();
      this.setStatus('ROLLBACK_FAILED');
    } else {
      this.state = new Map();
      this.template = undefined;
      this.view.clear();
      this.setStatus('ROLLBACK_COMPLETE');
    }
    return { rollbackFailures: failures, cleanupFailures: [] };
  }

  private rebuildViewKeepingFailed(): void {
    for (const [id, entry] of [...this.view]) {
      if (entry.resourceStatus !== 'DELETE_FAILED' && isCustomResource({ Type: entry.resourceType })) this.view.delete(id);
    }
    this.publish();
  }

  /**
   * Rolls back a failed update: rollback Updates newest first (UPDATE_ROLLBACK_IN_PROGRESS), then the
   * Deletes of what it created (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS).
   */
  private async rollbackUpdate(
    previousTemplate: CfnTemplate,
    previous: Map<string, DeployedResource>,
    attempts: readonly Attempt[],
    reason: string,
  ): Promise<{ rollbackFailures: FailedRequest[]; cleanupFailures: FailedRequest[] }> {
    this.visibleTemplate = previousTemplate;
    this.setStatus('UPDATE_ROLLBACK_IN_PROGRESS', reason);
    const newestFirst = [...attempts].reverse();
    const updateThenDelete = this.options.replacementRollback === 'update-then-delete';

    for (const a of newestFirst) {
      const failure = await this.rollbackUpdateStep(a, updateThenDelete);
      if (failure) {
        // CloudFormation stops the rollback at the first failure.
        this.state = previous;
        this.template = previousTemplate;
        this.setStatus('UPDATE_ROLLBACK_FAILED', `The following resource(s) failed to update: [${failure.logicalId}]. `);
        return { rollbackFailures: [failure], cleanupFailures: [] };
      }
    }

    this.setStatus('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    const cleanupFailures: FailedRequest[] = [];
    for (const a of newestFirst) {
      const failure = await this.rollbackCleanupStep(a, updateThenDelete);
      if (failure) cleanupFailures.push(failure);
    }
    this.state = previous;
    this.template = previousTemplate;
    this.rebuildView(previousTemplate, previous);
    this.setStatus('UPDATE_ROLLBACK_COMPLETE');
    return { rollbackFailures: [], cleanupFailures };
  }

  /**
   * The rollback of one forward step of a failed update: a rollback Update (old and new properties
   * swapped) of a resource updated in place or whose Update was sent, and with 'update-then-delete' of the
   * new physical id of a replacement; the status of the resource back to its earlier physical id otherwise.
   */
  private async rollbackUpdateStep(a: Attempt, updateThenDelete: boolean): Promise<FailedRequest | undefined> {
    if (a.kind === 'update' || (a.kind === 'updateFailed' && a.sent)) {
      const attempted = 'after' in a ? a.after.properties : a.properties;
      const physicalResourceId = 'after' in a ? a.after.physicalResourceId : a.before.physicalResourceId;
      const event = this.event('Update', a.logicalId, a.before.type, a.before.properties, physicalResourceId, attempted);
      const outcome = await this.send('rollback', event);
      return outcome.status === 'FAILED' ? { logicalId: a.logicalId, physicalResourceId, reason: outcome.reason ?? '' } : undefined;
    }
    if (a.kind === 'updateFailed') {
      this.mark(a.logicalId, a.before.type, 'UPDATE_COMPLETE', a.before.physicalResourceId);
      return undefined;
    }
    if (a.kind !== 'replace') return undefined;
    let failure: FailedRequest | undefined;
    if (updateThenDelete) {
      const event = this.event('Update', a.logicalId, a.before.type, a.before.properties, a.after.physicalResourceId, a.after.properties);
      const outcome = await this.send('rollback', event);
      if (outcome.status === 'FAILED') {
        failure = { logicalId: a.logicalId, physicalResourceId: a.after.physicalResourceId, reason: outcome.reason ?? '' };
      }
    }
    this.mark(a.logicalId, a.before.type, 'UPDATE_COMPLETE', a.before.physicalResourceId);
    return failure;
  }

  /**
   * The cleanup of one forward step of a rolled-back update: Delete what it created (by DeletionPolicy) and
   * the new physical id of a replacement (the old one was never deleted).
   */
  private async rollbackCleanupStep(a: Attempt, updateThenDelete: boolean): Promise<FailedRequest | undefined> {
    if (a.kind === 'create') {
      const { logicalId, after } = a;
      const failure = await this.rollbackDelete(
        logicalId,
        after.type,
        after.physicalResourceId,
        after.properties,
        after.deletionPolicy,
        true,
      );
      this.unlist(logicalId);
      return failure;
    }
    if (a.kind === 'createFailed') {
      const failure =
        a.physicalResourceId !== ''
          ? await this.rollbackDelete(a.logicalId, a.type, a.physicalResourceId, a.properties, a.deletionPolicy, true)
          : undefined;
      this.unlist(a.logicalId);
      return failure;
    }
    if (a.kind === 'replace') {
      const properties = updateThenDelete ? a.before.properties : a.after.properties;
      return this.rollbackDelete(a.logicalId, a.after.type, a.after.physicalResourceId, properties, a.after.deletionPolicy, false);
    }
    return undefined;
  }

  // ---- destroy ----------------------------------------------------------------------------------

  private async destroyAll(): Promise<void> {
    if (this.stackStatus === undefined || this.stackStatus === 'DELETE_COMPLETE') return;
    const template = this.template;
    this.setStatus('DELETE_IN_PROGRESS', 'User Initiated');
    const failures: FailedRequest[] = [];
    if (template && this.state.size > 0) {
      this.visibleTemplate = template;
      const deps = customDependencies(template);
      const order = customResourceOrder(template).filter((id) => this.state.has(id));
      await runGraph(
        [...order].reverse(),
        (id) => order.filter((other) => deps.get(other)?.has(id)),
        async (id) => {
          const resource = this.state.get(id)!;
          if (retainedOnDelete(resource.deletionPolicy)) {
            this.retainedLog.push({
              phase: 'destroy',
              logicalId: id,
              physicalResourceId: resource.physicalResourceId,
              policy: 'DeletionPolicy',
            });
            this.state.delete(id);
            this.mark(id, resource.type, 'DELETE_SKIPPED', resource.physicalResourceId);
            this.unlist(id);
            return true;
          }
          const outcome = await this.send(
            'destroy',
            this.event('Delete', id, resource.type, resource.properties, resource.physicalResourceId),
          );
          if (outcome.status === 'FAILED') {
            failures.push({ logicalId: id, physicalResourceId: resource.physicalResourceId, reason: outcome.reason ?? '' });
            return false;
          }
          this.state.delete(id);
          return true;
        },
        { concurrency: this.concurrency, stopOnFailure: false },
      );
    }
    if (failures.length > 0) {
      this.setStatus('DELETE_FAILED', `The following resource(s) failed to delete: [${failures.map((f) => f.logicalId).join(', ')}]. `);
      throw new DestroyFailedError(failures);
    }
    this.template = undefined;
    this.state = new Map();
    this.view.clear();
    this.setStatus('DELETE_COMPLETE');
  }

  // ---- requests ---------------------------------------------------------------------------------

  private get concurrency(): number {
    return this.options.concurrency ?? 1;
  }

  private resolveContext(template: CfnTemplate, deployed: Map<string, DeployedResource>): ResolveContext {
    return {
      template,
      region: this.region,
      accountId: this.accountId,
      partition: this.options.partition ?? 'aws',
      urlSuffix: this.options.urlSuffix ?? 'amazonaws.com',
      stackName: this.stackName,
      stackId: this.currentStackId,
      parameters: this.options.parameters ?? {},
      deployed: (id) => deployed.get(id),
    };
  }

  private event(
    requestType: RequestType,
    logicalId: string,
    resourceType: string,
    properties: Props,
    physicalResourceId?: string,
    oldProperties?: Props,
  ): CustomResourceEvent {
    const requestId = (this.options.newRequestId ?? defaultRequestId)();
    return {
      RequestType: requestType,
      ServiceToken: String(properties.ServiceToken ?? ''),
      ResponseURL: `https://cloudformation-custom-resource-response-${this.region.replace(/-/g, '')}.s3.amazonaws.com/local-deploy/${requestId}`,
      StackId: this.currentStackId,
      RequestId: requestId,
      LogicalResourceId: logicalId,
      ResourceType: resourceType,
      ResourceProperties: properties,
      ...(physicalResourceId !== undefined ? { PhysicalResourceId: physicalResourceId } : {}),
      ...(oldProperties !== undefined ? { OldResourceProperties: oldProperties } : {}),
    };
  }

  /** The resource's status once its request is answered (a deleted resource leaves the stack's list). */
  private markOutcome(event: CustomResourceEvent, outcome: ProviderOutcome): void {
    const { LogicalResourceId: logicalId, ResourceType: type, RequestType: requestType } = event;
    const ok = outcome.status === 'SUCCESS';
    if (requestType === 'Create') {
      this.mark(logicalId, type, ok ? 'CREATE_COMPLETE' : 'CREATE_FAILED', outcome.physicalResourceId);
    } else if (requestType === 'Update') {
      this.mark(logicalId, type, ok ? 'UPDATE_COMPLETE' : 'UPDATE_FAILED', ok ? outcome.physicalResourceId : event.PhysicalResourceId);
    } else if (ok) {
      this.mark(logicalId, type, 'DELETE_COMPLETE', event.PhysicalResourceId);
      this.unlist(logicalId);
    } else {
      this.mark(logicalId, type, 'DELETE_FAILED', event.PhysicalResourceId);
    }
  }

  /**
   * Sends one request through the Provider framework, with the resource's status shown in the stack
   * (unless `listed` is false: the Delete of a replaced resource's other physical id leaves the logical
   * resource as it is).
   */
  private async send(phase: Phase, event: CustomResourceEvent, { listed = true }: { listed?: boolean } = {}): Promise<ProviderOutcome> {
    const { LogicalResourceId: logicalId, ResourceType: type, RequestType: requestType } = event;
    if (listed) this.mark(logicalId, type, IN_PROGRESS[requestType], event.PhysicalResourceId);
    const stackStatus = this.stackStatus!;
    const progress = {
      phase,
      logicalId,
      resourceType: type,
      requestType,
      ...(event.PhysicalResourceId !== undefined ? { physicalResourceId: event.PhysicalResourceId } : {}),
    };
    await this.options.onRequest?.({ stage: 'start', ...progress });
    const onPoll = this.options.onPoll;
    const outcome = await sendRequest(this.functions, event, {
      maxPolls: this.options.maxPolls,
      pollIntervalMs: this.options.pollIntervalMs ?? 0,
      totalTimeoutMs: this.options.totalTimeoutMs,
      functionTimeoutMs: this.options.functionTimeoutMs,
      clock: this.options.clock,
      functionName: this.options.functionName ?? 'local-provider-handler',
      region: this.region,
      accountId: this.accountId,
      ...(onPoll ? { beforePoll: (poll: number, physicalResourceId: string) => onPoll({ ...progress, physicalResourceId, poll }) } : {}),
    });
    this.log.push({
      phase,
      logicalId,
      resourceType: type,
      requestType,
      physicalResourceId: event.PhysicalResourceId,
      resourceProperties: event.ResourceProperties,
      oldResourceProperties: event.OldResourceProperties,
      answeredBy: outcome.answeredBy,
      status: outcome.status,
      responsePhysicalResourceId: outcome.physicalResourceId,
      data: outcome.status === 'SUCCESS' ? outcome.data : undefined,
      reason: outcome.reason,
      polls: outcome.polls,
      stackStatus,
    });
    if (listed) this.markOutcome(event, outcome);
    await this.options.onRequest?.({
      stage: 'end',
      ...progress,
      status: outcome.status,
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    });
    return outcome;
  }
}
