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
 *
 * "Newest first" above is the order at concurrency 1; with `concurrency` N, every phase runs independent
 * resources in parallel, forward phases in dependency order, cleanup, delete and rollbacks in reverse.
 * What the documentation does not settle is an option, each reading documented there (./types.ts):
 * templateDuringRollback, replacementRollback, replacementRollbackPolicy, concurrency.
 */
import type { Stack } from 'aws-cdk-lib';
import { destroyAll } from './cleanup';
import { deployTemplate } from './forward';
import { RequestSender } from './requests';
import type { Deployment } from './run';
import { StackRecord } from './stack-record';
import { loadTemplate } from './template';
import type {
  CfnTemplate,
  DeployedResource,
  DeployResult,
  LocalDeployerOptions,
  RequestLogEntry,
  ResourceOutputs,
  RetainedEntry,
  StackState,
  StackStatus,
} from './types';

/**
 * The front of the local deployer. The parts: the stack record (./stack-record.ts), the forward deploy
 * (./forward.ts), rollback (./rollback.ts), cleanup and stack delete (./cleanup.ts), request sending
 * (./requests.ts); what they share (./run.ts).
 */
export class LocalDeployer {
  private readonly record: StackRecord;
  private readonly deployment: Deployment;
  private busy = false;

  constructor(options: LocalDeployerOptions) {
    this.record = new StackRecord(options);
    this.deployment = {
      options,
      record: this.record,
      requests: new RequestSender(options, this.record),
      concurrency: options.concurrency ?? 1,
    };
  }

  /** The stack's CloudFormation status; undefined before the first deploy. */
  get status(): StackStatus | undefined {
    return this.record.status;
  }

  /** The stack id of the current (or last) stack; a stack created again after a delete gets a new one. */
  get stackId(): string {
    return this.record.stackId;
  }

  /** Every request sent so far, in order. */
  get requests(): readonly RequestLogEntry[] {
    return this.record.log;
  }

  /** Deletes CloudFormation skipped because of DeletionPolicy / UpdateReplacePolicy. */
  get retained(): readonly RetainedEntry[] {
    return this.record.retainedLog;
  }

  clearRequests(): void {
    this.record.log.length = 0;
    this.record.retainedLog.length = 0;
  }

  /** The template last deployed successfully; undefined before the first deploy and after destroy. */
  get deployedTemplate(): CfnTemplate | undefined {
    return this.record.template;
  }

  /** The custom resources currently deployed. */
  resources(): DeployedResource[] {
    return [...this.record.state.values()];
  }

  /** The physical id and Data (the attributes Fn::GetAtt reads) of a deployed custom resource. */
  outputs(logicalId: string): ResourceOutputs {
    const resource = this.record.state.get(logicalId);
    if (!resource) throw new Error(`${logicalId} is not deployed (deployed: ${[...this.record.state.keys()].join(', ') || 'none'})`);
    return { physicalResourceId: resource.physicalResourceId, data: resource.data };
  }

  /** What CloudFormation would answer about this stack now (the state published to `stacks`). */
  stackState(): StackState | undefined {
    return this.record.stackState();
  }

  /** Creates the stack on the first call, updates it on later ones. Rejects with DeployFailedError after a rollback. */
  async deploy(source: Stack | CfnTemplate | string): Promise<DeployResult> {
    return this.exclusive(() => deployTemplate(this.deployment, loadTemplate(source)));
  }

  /** Deletes the stack's custom resources. Rejects with DestroyFailedError when some could not be deleted. */
  async destroy(): Promise<void> {
    return this.exclusive(() => destroyAll(this.deployment));
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
}
