/**
 * CloudFormation's lifecycle for the custom resources of a template, in process: create, update
 * (with replacement and cleanup), rollback on failure, and stack deletion. Only resources whose Type
 * starts with `Custom::` (or is AWS::CloudFormation::CustomResource) are run, through the Provider
 * framework (./provider.ts) to the handler; every other resource is taken as already there, and
 * references to it resolve to placeholders.
 *
 * Stack create: Create in dependency order. On a failure: Delete, in reverse order, everything created
 * (the failed resource included: the framework answers that Delete itself when the Create failed in
 * onEvent), and the deployer is left as before.
 *
 * Stack update: in dependency order, Create new resources and Update those whose resolved properties
 * (ServiceToken aside; it may not change) differ from the last deployed ones. An Update that returns a
 * new physical id is a replacement. Then the cleanup phase, in reverse dependency order of the previous
 * template: Delete the old physical id of every replaced resource with its old properties (unless its
 * UpdateReplacePolicy is Retain) and every resource removed from the template (unless its DeletionPolicy
 * is Retain). A failed cleanup Delete is recorded, not thrown: CloudFormation still completes the update.
 *
 * Update rollback: a rollback Update (old and new properties swapped) for the failed resource and every
 * resource updated in place, in reverse order; then Delete, in reverse order, the resources created in
 * this update and the new physical ids of replaced resources (the old ones were never deleted, so they
 * are what the stack holds again). The deployer is left as before.
 *
 * Stack delete (destroy): Delete every resource in reverse dependency order, skipping DeletionPolicy
 * Retain. A failed Delete leaves that resource, and those it depends on, deployed.
 */
import type { Stack } from 'aws-cdk-lib';
import { DeployFailedError, DestroyFailedError, TemplateError, type FailedRequest } from './errors';
import { jsonEqual, resolveProperties, type ResolveContext } from './intrinsics';
import { defaultRequestId, normalizeHandler, sendRequest, type ProviderOutcome } from './provider';
import { runGraph } from './schedule';
import { customDependencies, customResourceOrder, isCustomResource, loadTemplate } from './template';
import type {
  CfnTemplate, CustomResourceEvent, DeployedResource, DeployResult, Json, LocalDeployerOptions, Phase, RequestLogEntry,
  RequestType, ResourceOutputs, RetainedEntry,
} from './types';

const RETAIN = 'Retain';
const DEFAULT_MAX_POLLS = 100;

type Props = Record<string, Json>;

/** One resource handled in the forward phase of a deploy, in the order they finished. */
type Attempt =
  | { readonly kind: 'create'; readonly logicalId: string; readonly after: DeployedResource }
  | { readonly kind: 'update' | 'replace'; readonly logicalId: string; readonly before: DeployedResource; readonly after: DeployedResource }
  | { readonly kind: 'createFailed'; readonly logicalId: string; readonly type: string; readonly physicalResourceId: string; readonly properties: Props; readonly reason: string }
  | { readonly kind: 'updateFailed'; readonly logicalId: string; readonly before: DeployedResource; readonly properties: Props; readonly reason: string };

const withoutServiceToken = (props: Props): Props => Object.fromEntries(Object.entries(props).filter(([key]) => key !== 'ServiceToken'));

export class LocalDeployer {
  private readonly functions: ReturnType<typeof normalizeHandler>;
  private readonly region: string;
  private readonly accountId: string;
  private readonly stackName: string;
  private readonly stackId: string;
  private readonly log: RequestLogEntry[] = [];
  private readonly retainedLog: RetainedEntry[] = [];
  private state = new Map<string, DeployedResource>();
  private template: CfnTemplate | undefined;
  private busy = false;

  constructor(private readonly options: LocalDeployerOptions) {
    this.functions = normalizeHandler(options.handler, options.singleFunctionIsComplete ?? true);
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.stackName = options.stackName ?? 'LocalStack';
    this.stackId =
      options.stackId ?? `arn:${options.partition ?? 'aws'}:cloudformation:${this.region}:${this.accountId}:stack/${this.stackName}/00000000-0000-4000-8000-000000000000`;
  }

  /** Every request sent so far, in order. */
  get requests(): readonly RequestLogEntry[] {
    return this.log;
  }

  /** Deletes CloudFormation skipped because of DeletionPolicy / UpdateReplacePolicy Retain. */
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
    }
  }

  private async deployTemplate(template: CfnTemplate): Promise<DeployResult> {
    this.validate(template);
    const previousTemplate = this.template;
    const previous = new Map(this.state);
    const phase: Phase = previousTemplate ? 'update' : 'create';
    const order = customResourceOrder(template);
    const deps = customDependencies(template);
    const current = new Map(previous);
    const attempts: Attempt[] = [];
    const unchanged: string[] = [];
    const ctx = this.resolveContext(template, current);

    const apply = async (logicalId: string): Promise<boolean> => {
      const resource = template.Resources[logicalId];
      const before = previous.get(logicalId);
      const policies = { deletionPolicy: resource.DeletionPolicy, updateReplacePolicy: resource.UpdateReplacePolicy };
      let properties: Props;
      try {
        properties = resolveProperties(resource.Properties, ctx);
        if (typeof properties.ServiceToken !== 'string' || properties.ServiceToken === '') {
          throw new TemplateError(`${logicalId} has no ServiceToken`);
        }
        if (before && properties.ServiceToken !== before.properties.ServiceToken) {
          throw new Error('Modifying service token is not allowed.');
        }
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        attempts.push(
          before
            ? { kind: 'updateFailed', logicalId, before, properties: before.properties, reason }
            : { kind: 'createFailed', logicalId, type: resource.Type, physicalResourceId: '', properties: {}, reason },
        );
        return false;
      }

      if (!before) {
        const outcome = await this.send(phase, this.event('Create', logicalId, resource.Type, properties));
        if (outcome.status === 'FAILED') {
          attempts.push({ kind: 'createFailed', logicalId, type: resource.Type, physicalResourceId: outcome.physicalResourceId, properties, reason: outcome.reason ?? '' });
          return false;
        }
        const after: DeployedResource = { logicalId, type: resource.Type, physicalResourceId: outcome.physicalResourceId, data: outcome.data, properties, ...policies };
        current.set(logicalId, after);
        attempts.push({ kind: 'create', logicalId, after });
        return true;
      }

      if (jsonEqual(withoutServiceToken(before.properties), withoutServiceToken(properties))) {
        current.set(logicalId, { ...before, ...policies });
        unchanged.push(logicalId);
        return true;
      }

      const outcome = await this.send(phase, this.event('Update', logicalId, resource.Type, properties, before.physicalResourceId, before.properties));
      if (outcome.status === 'FAILED') {
        attempts.push({ kind: 'updateFailed', logicalId, before, properties, reason: outcome.reason ?? '' });
        return false;
      }
      const after: DeployedResource = { ...before, ...policies, physicalResourceId: outcome.physicalResourceId, data: outcome.data, properties };
      current.set(logicalId, after);
      attempts.push({ kind: outcome.physicalResourceId === before.physicalResourceId ? 'update' : 'replace', logicalId, before, after });
      return true;
    };

    const run = await runGraph(order, (id) => deps.get(id) ?? [], apply, { concurrency: this.concurrency, stopOnFailure: true });

    if (run.failed.length > 0) {
      const rollbackFailures = await this.rollback(attempts);
      this.state = previous;
      const first = attempts.find((a) => a.kind === 'createFailed' || a.kind === 'updateFailed') as Extract<Attempt, { reason: string }>;
      throw new DeployFailedError(first.logicalId, first.kind === 'createFailed' ? 'Create' : 'Update', first.reason, rollbackFailures);
    }

    // Cleanup: old physical ids of replaced resources, and resources no longer in the template.
    const cleanup = new Map<string, { resource: DeployedResource; retainedBy?: RetainedEntry['policy'] }>();
    for (const a of attempts) {
      if (a.kind === 'replace') {
        cleanup.set(a.logicalId, { resource: a.before, retainedBy: a.after.updateReplacePolicy === RETAIN ? 'UpdateReplacePolicy' : undefined });
      }
    }
    const deleted: string[] = [];
    for (const [id, resource] of previous) {
      if (!Object.prototype.hasOwnProperty.call(template.Resources, id)) {
        cleanup.set(id, { resource, retainedBy: resource.deletionPolicy === RETAIN ? 'DeletionPolicy' : undefined });
        current.delete(id);
        deleted.push(id);
      }
    }
    const cleanupFailures: DeployResult['cleanupFailures'] = [];
    if (cleanup.size > 0 && previousTemplate) {
      const previousDeps = customDependencies(previousTemplate);
      const previousOrder = customResourceOrder(previousTemplate).filter((id) => cleanup.has(id));
      await runGraph(
        [...previousOrder].reverse(),
        (id) => previousOrder.filter((other) => previousDeps.get(other)?.has(id)),
        async (id) => {
          const { resource, retainedBy } = cleanup.get(id)!;
          if (retainedBy) {
            this.retainedLog.push({ phase: 'cleanup', logicalId: id, physicalResourceId: resource.physicalResourceId, policy: retainedBy });
            return true;
          }
          const outcome = await this.send('cleanup', this.event('Delete', id, resource.type, resource.properties, resource.physicalResourceId));
          if (outcome.status === 'FAILED') cleanupFailures.push({ logicalId: id, physicalResourceId: resource.physicalResourceId, reason: outcome.reason ?? '' });
          return true; // a failed cleanup does not hold back the others
        },
        { concurrency: this.concurrency, stopOnFailure: false },
      );
    }

    this.state = current;
    this.template = template;
    const ids = (kind: Attempt['kind']) => attempts.filter((a) => a.kind === kind).map((a) => a.logicalId);
    return {
      operation: phase === 'create' ? 'create' : 'update',
      created: ids('create'),
      updated: [...ids('update'), ...ids('replace')].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      replaced: ids('replace'),
      unchanged,
      deleted,
      cleanupFailures,
    };
  }

  /** Undoes a failed deploy's attempts, newest first; returns what could not be undone. */
  private async rollback(attempts: readonly Attempt[]): Promise<FailedRequest[]> {
    const failures: FailedRequest[] = [];
    const newestFirst = [...attempts].reverse();
    const note = (logicalId: string, outcome: ProviderOutcome, physicalResourceId: string) => {
      if (outcome.status === 'FAILED') failures.push({ logicalId, physicalResourceId, reason: outcome.reason ?? '' });
    };

    // Rollback Updates: back to the previous properties, old and new swapped.
    for (const a of newestFirst) {
      if (a.kind === 'update' || a.kind === 'updateFailed') {
        const { before } = a;
        const attempted = 'after' in a ? a.after.properties : a.properties;
        if (jsonEqual(attempted, before.properties)) continue; // nothing was sent (e.g. an unresolvable property)
        const physicalResourceId = 'after' in a ? a.after.physicalResourceId : before.physicalResourceId;
        const outcome = await this.send('rollback', this.event('Update', a.logicalId, before.type, before.properties, physicalResourceId, attempted));
        note(a.logicalId, outcome, physicalResourceId);
      }
    }
    // Deletes: what this deploy created, and the new physical ids of replaced resources.
    for (const a of newestFirst) {
      if (a.kind === 'create' || a.kind === 'replace') {
        const { after } = a;
        const outcome = await this.send('rollback', this.event('Delete', a.logicalId, after.type, after.properties, after.physicalResourceId));
        note(a.logicalId, outcome, after.physicalResourceId);
      } else if (a.kind === 'createFailed' && a.physicalResourceId !== '') {
        const outcome = await this.send('rollback', this.event('Delete', a.logicalId, a.type, a.properties, a.physicalResourceId));
        note(a.logicalId, outcome, a.physicalResourceId);
      }
    }
    return failures;
  }

  // ---- destroy ----------------------------------------------------------------------------------

  private async destroyAll(): Promise<void> {
    const template = this.template;
    if (!template || this.state.size === 0) {
      this.template = undefined;
      return;
    }
    const deps = customDependencies(template);
    const order = customResourceOrder(template).filter((id) => this.state.has(id));
    const failures: FailedRequest[] = [];
    const run = await runGraph(
      [...order].reverse(),
      (id) => order.filter((other) => deps.get(other)?.has(id)),
      async (id) => {
        const resource = this.state.get(id)!;
        if (resource.deletionPolicy === RETAIN) {
          this.retainedLog.push({ phase: 'destroy', logicalId: id, physicalResourceId: resource.physicalResourceId, policy: 'DeletionPolicy' });
          this.state.delete(id);
          return true;
        }
        const outcome = await this.send('destroy', this.event('Delete', id, resource.type, resource.properties, resource.physicalResourceId));
        if (outcome.status === 'FAILED') {
          failures.push({ logicalId: id, physicalResourceId: resource.physicalResourceId, reason: outcome.reason ?? '' });
          return false;
        }
        this.state.delete(id);
        return true;
      },
      { concurrency: this.concurrency, stopOnFailure: false },
    );
    if (run.failed.length > 0) throw new DestroyFailedError(failures);
    this.template = undefined;
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
      stackId: this.stackId,
      parameters: this.options.parameters ?? {},
      deployed: (id) => deployed.get(id),
    };
  }

  private event(
    requestType: RequestType, logicalId: string, resourceType: string, properties: Props, physicalResourceId?: string, oldProperties?: Props,
  ): CustomResourceEvent {
    const requestId = (this.options.newRequestId ?? defaultRequestId)();
    return {
      RequestType: requestType,
      ServiceToken: String(properties.ServiceToken ?? ''),
      ResponseURL: `https://cloudformation-custom-resource-response-${this.region.replace(/-/g, '')}.s3.amazonaws.com/local-deploy/${requestId}`,
      StackId: this.stackId,
      RequestId: requestId,
      LogicalResourceId: logicalId,
      ResourceType: resourceType,
      ResourceProperties: properties,
      ...(physicalResourceId !== undefined ? { PhysicalResourceId: physicalResourceId } : {}),
      ...(oldProperties !== undefined ? { OldResourceProperties: oldProperties } : {}),
    };
  }

  private async send(phase: Phase, event: CustomResourceEvent): Promise<ProviderOutcome> {
    const progress = {
      phase, logicalId: event.LogicalResourceId, resourceType: event.ResourceType, requestType: event.RequestType,
      physicalResourceId: event.PhysicalResourceId,
    };
    this.options.onRequest?.({ stage: 'start', ...progress });
    const outcome = await sendRequest(this.functions, event, {
      maxPolls: this.options.maxPolls ?? DEFAULT_MAX_POLLS,
      pollIntervalMs: this.options.pollIntervalMs ?? 0,
      clock: this.options.clock,
      functionName: this.options.functionName ?? 'local-provider-handler',
    });
    this.log.push({
      phase,
      logicalId: event.LogicalResourceId,
      resourceType: event.ResourceType,
      requestType: event.RequestType,
      physicalResourceId: event.PhysicalResourceId,
      resourceProperties: event.ResourceProperties,
      oldResourceProperties: event.OldResourceProperties,
      answeredBy: outcome.answeredBy,
      status: outcome.status,
      responsePhysicalResourceId: outcome.physicalResourceId,
      data: outcome.status === 'SUCCESS' ? outcome.data : undefined,
      reason: outcome.reason,
      polls: outcome.polls,
    });
    this.options.onRequest?.({ stage: 'end', ...progress, status: outcome.status, reason: outcome.reason });
    return outcome;
  }
}
