/**
 * Cleanup: the Deletes CloudFormation sends once the forward phase is done (an update's cleanup phase:
 * old physical ids of replaced resources, resources gone from the template) and those of a stack delete,
 * each in reverse dependency order, skipped where a resource policy retains the physical resource.
 */
import { DestroyFailedError, type FailedRequest } from './errors';
import { RETAIN, has, retainedOnDelete, type CleanupEntry, type DeployRun, type Deployment } from './run';
import { runGraph } from './schedule';
import { customDependents, customResourceOrder } from './template';
import type { CfnTemplate, DeployResult, Phase } from './types';

/**
 * What the cleanup phase deletes: the old physical id of every replaced resource, and every resource
 * no longer in the template (taken out of run.current here), each with the policy that retains it, if any.
 */
export function cleanupPlan(run: DeployRun): { cleanup: Map<string, CleanupEntry>; deleted: string[] } {
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
 * Runs `task` over `ids` (custom resources of `template`, in the order given when several are ready),
 * dependents first: a resource only once every resource among `ids` that depends on it, directly or not,
 * is done; up to the deployment's concurrency. The given order must put dependents first.
 */
export async function dependentsFirst(
  d: Deployment,
  template: CfnTemplate,
  ids: readonly string[],
  task: (id: string) => Promise<boolean>,
  stopOnFailure = false,
): Promise<void> {
  const dependents = customDependents(template);
  await runGraph(ids, (id) => dependents.get(id) ?? [], task, { concurrency: d.concurrency, stopOnFailure });
}

/** `task` over the custom resources of `template` among `ids`, in reverse dependency order (see dependentsFirst). */
export async function inReverseOrder(
  d: Deployment,
  template: CfnTemplate,
  ids: { has(id: string): boolean },
  task: (id: string) => Promise<boolean>,
): Promise<void> {
  const order = customResourceOrder(template).filter((id) => ids.has(id));
  await dependentsFirst(d, template, [...order].reverse(), task);
}

/**
 * The cleanup phase of an update (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS): the planned Deletes, in reverse
 * dependency order of the previous template. Failures are returned, not thrown: CloudFormation still completes.
 */
export async function cleanupPhase(
  d: Deployment,
  previousTemplate: CfnTemplate,
  cleanup: ReadonlyMap<string, CleanupEntry>,
): Promise<DeployResult['cleanupFailures']> {
  d.record.setStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  const failures: DeployResult['cleanupFailures'] = [];
  if (cleanup.size === 0) return failures;
  await inReverseOrder(d, previousTemplate, cleanup, async (id) => {
    const failure = await cleanUp(d, id, cleanup.get(id)!);
    if (failure) failures.push(failure);
    return true; // a failed cleanup does not hold back the others
  });
  return failures;
}

/** A Delete skipped by a policy: logged, and the resource shown DELETE_SKIPPED then gone when `listed`. */
export function skipDelete(
  d: Deployment,
  phase: Phase,
  resource: { logicalId: string; type: string; physicalResourceId: string },
  policy: CleanupEntry['retainedBy'] & string,
  listed: boolean,
): void {
  const { logicalId, physicalResourceId } = resource;
  d.record.retainedLog.push({ phase, logicalId, physicalResourceId, policy });
  if (listed) {
    d.record.mark(logicalId, resource.type, 'DELETE_SKIPPED', physicalResourceId);
    d.record.unlist(logicalId);
  }
}

/** One cleanup Delete (or its skip, by policy); returns the failure, if any. */
async function cleanUp(
  d: Deployment,
  id: string,
  { resource, retainedBy, replaced }: CleanupEntry,
): Promise<DeployResult['cleanupFailures'][number] | undefined> {
  if (retainedBy) {
    skipDelete(d, 'cleanup', { ...resource, logicalId: id }, retainedBy, !replaced);
    return undefined;
  }
  const failure = await d.requests.delete('cleanup', { ...resource, logicalId: id }, { listed: !replaced });
  if (!replaced) d.record.unlist(id); // CloudFormation drops it from the stack even when its Delete failed
  return failure;
}

/** The stack delete: every resource in reverse dependency order, skipping DeletionPolicy Retain and RetainExceptOnCreate. */
export async function destroyAll(d: Deployment): Promise<void> {
  const { record } = d;
  if (record.status === undefined || record.status === 'DELETE_COMPLETE') return;
  const template = record.template;
  record.setStatus('DELETE_IN_PROGRESS', 'User Initiated');
  const failures: FailedRequest[] = [];
  if (template && record.state.size > 0) {
    record.visibleTemplate = template;
    await inReverseOrder(d, template, record.state, async (id) => {
      const resource = record.state.get(id)!;
      if (retainedOnDelete(resource.deletionPolicy)) {
        skipDelete(d, 'destroy', { ...resource, logicalId: id }, 'DeletionPolicy', true);
        record.state.delete(id);
        return true;
      }
      const failure = await d.requests.delete('destroy', { ...resource, logicalId: id });
      if (failure) {
        failures.push(failure);
        return false;
      }
      record.state.delete(id);
      return true;
    });
  }
  if (failures.length > 0) {
    record.setStatus('DELETE_FAILED', `The following resource(s) failed to delete: [${failures.map((f) => f.logicalId).join(', ')}]. `);
    throw new DestroyFailedError(failures);
  }
  record.settle(undefined, new Map());
  record.clearView();
  record.setStatus('DELETE_COMPLETE');
}
