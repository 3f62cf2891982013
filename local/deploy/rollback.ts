/**
 * Rollback of a failed create or update. A create rolls back by deleting, newest first, what it created.
 * An update rolls back with rollback Updates (old and new properties swapped) newest first, stopping at
 * the first failure (UPDATE_ROLLBACK_FAILED), then, in its cleanup phase, the Deletes of what it created
 * and of the new physical ids of replaced resources.
 */
import { DeployFailedError, type FailedRequest } from './errors';
import { skipDelete } from './cleanup';
import { RETAIN, type Attempt, type DeployRun, type Deployment, type Props } from './run';
import type { CfnTemplate, DeployedResource } from './types';

interface RollbackResult {
  rollbackFailures: FailedRequest[];
  cleanupFailures: FailedRequest[];
}

/** What a rollback deletes: a resource the failed operation created, or the new physical id of a replacement. */
interface Undone {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalResourceId: string;
  readonly properties: Props;
  readonly deletionPolicy?: string;
}

/** After a failed forward step: rolls the create or update back and rejects with DeployFailedError. */
export async function rollBack(d: Deployment, run: DeployRun, previousTemplate: CfnTemplate | undefined): Promise<never> {
  const first = run.attempts.find((a) => a.kind === 'createFailed' || a.kind === 'updateFailed') as Extract<Attempt, { reason: string }>;
  const requestType = first.kind === 'createFailed' ? 'Create' : 'Update';
  const failure = `The following resource(s) failed to ${requestType.toLowerCase()}: [${first.logicalId}]. `;
  const { rollbackFailures, cleanupFailures } =
    previousTemplate === undefined
      ? await rollbackCreate(d, run.template, run.attempts, failure)
      : await rollbackUpdate(d, previousTemplate, run.previous, run.attempts, failure);
  throw new DeployFailedError(first.logicalId, requestType, first.reason, rollbackFailures, d.record.status, cleanupFailures);
}

/** Whether a rollback deletes a resource the failed operation created, by its DeletionPolicy. */
function rollbackDeletes(d: Deployment, deletionPolicy: string | undefined): boolean {
  return deletionPolicy !== RETAIN || d.options.retainExceptOnCreate === true;
}

/** Deletes (or retains, by policy) one resource the failed operation created; returns the failure, if any. */
async function rollbackDelete(d: Deployment, undone: Undone, listed: boolean): Promise<FailedRequest | undefined> {
  if (!rollbackDeletes(d, undone.deletionPolicy)) {
    skipDelete(d, 'rollback', undone, 'DeletionPolicy', listed);
    return undefined;
  }
  return d.requests.delete('rollback', undone, { listed });
}

/** Rolls back a failed stack create: Delete, newest first, what it created. */
async function rollbackCreate(d: Deployment, template: CfnTemplate, attempts: readonly Attempt[], reason: string): Promise<RollbackResult> {
  const { record } = d;
  record.setStatus('ROLLBACK_IN_PROGRESS', `${reason}Rollback requested by user.`);
  const failures: FailedRequest[] = [];
  const left = new Map<string, DeployedResource>();
  for (const a of [...attempts].reverse()) {
    if (a.kind === 'create') {
      const failure = await rollbackDelete(d, a.after, true);
      if (failure) {
        failures.push(failure);
        left.set(a.logicalId, a.after);
      }
    } else if (a.kind === 'createFailed') {
      if (a.physicalResourceId === '') {
        record.unlist(a.logicalId); // nothing was sent: nothing to delete
        continue;
      }
      const failure = await rollbackDelete(d, a, true);
      if (failure) failures.push(failure);
    }
  }
  if (failures.length > 0) {
    // The resources whose Delete failed stay in the stack; destroy() tries them again.
    record.settle(template, left);
    record.rebuildViewKeepingFailed();
    record.setStatus('ROLLBACK_FAILED');
  } else {
    record.settle(undefined, new Map());
    record.clearView();
    record.setStatus('ROLLBACK_COMPLETE');
  }
  return { rollbackFailures: failures, cleanupFailures: [] };
}

/**
 * Rolls back a failed update: rollback Updates newest first (UPDATE_ROLLBACK_IN_PROGRESS), then the
 * Deletes of what it created (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS).
 */
async function rollbackUpdate(
  d: Deployment,
  previousTemplate: CfnTemplate,
  previous: Map<string, DeployedResource>,
  attempts: readonly Attempt[],
  reason: string,
): Promise<RollbackResult> {
  const { record } = d;
  record.visibleTemplate = previousTemplate;
  record.setStatus('UPDATE_ROLLBACK_IN_PROGRESS', reason);
  const newestFirst = [...attempts].reverse();
  const updateThenDelete = d.options.replacementRollback === 'update-then-delete';

  for (const a of newestFirst) {
    const failure = await rollbackUpdateStep(d, a, updateThenDelete);
    if (failure) {
      // CloudFormation stops the rollback at the first failure.
      record.settle(previousTemplate, previous);
      record.setStatus('UPDATE_ROLLBACK_FAILED', `The following resource(s) failed to update: [${failure.logicalId}]. `);
      return { rollbackFailures: [failure], cleanupFailures: [] };
    }
  }

  record.setStatus('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
  const cleanupFailures: FailedRequest[] = [];
  for (const a of newestFirst) {
    const failure = await rollbackCleanupStep(d, a, updateThenDelete);
    if (failure) cleanupFailures.push(failure);
  }
  record.settle(previousTemplate, previous);
  record.rebuildView(previousTemplate, previous);
  record.setStatus('UPDATE_ROLLBACK_COMPLETE');
  return { rollbackFailures: [], cleanupFailures };
}

/** A rollback Update of `logicalId` on `physicalResourceId`: back to `before`'s properties from `attempted`. */
async function updateBack(
  d: Deployment,
  logicalId: string,
  before: DeployedResource,
  physicalResourceId: string,
  attempted: Props,
): Promise<FailedRequest | undefined> {
  const event = d.requests.event('Update', logicalId, before.type, before.properties, physicalResourceId, attempted);
  const outcome = await d.requests.send('rollback', event);
  return outcome.status === 'FAILED' ? { logicalId, physicalResourceId, reason: outcome.reason ?? '' } : undefined;
}

/**
 * The rollback of one forward step of a failed update: a rollback Update (old and new properties
 * swapped) of a resource updated in place or whose Update was sent, and with 'update-then-delete' of the
 * new physical id of a replacement; the status of the resource back to its earlier physical id otherwise.
 */
async function rollbackUpdateStep(d: Deployment, a: Attempt, updateThenDelete: boolean): Promise<FailedRequest | undefined> {
  if (a.kind === 'update') return updateBack(d, a.logicalId, a.before, a.after.physicalResourceId, a.after.properties);
  if (a.kind === 'updateFailed' && a.sent) return updateBack(d, a.logicalId, a.before, a.before.physicalResourceId, a.properties);
  if (a.kind === 'updateFailed') {
    d.record.mark(a.logicalId, a.before.type, 'UPDATE_COMPLETE', a.before.physicalResourceId);
    return undefined;
  }
  if (a.kind !== 'replace') return undefined;
  const failure = updateThenDelete ? await updateBack(d, a.logicalId, a.before, a.after.physicalResourceId, a.after.properties) : undefined;
  d.record.mark(a.logicalId, a.before.type, 'UPDATE_COMPLETE', a.before.physicalResourceId);
  return failure;
}

/**
 * The cleanup of one forward step of a rolled-back update: Delete what it created (by DeletionPolicy) and
 * the new physical id of a replacement (the old one was never deleted).
 */
async function rollbackCleanupStep(d: Deployment, a: Attempt, updateThenDelete: boolean): Promise<FailedRequest | undefined> {
  if (a.kind === 'create') {
    const failure = await rollbackDelete(d, a.after, true);
    d.record.unlist(a.logicalId);
    return failure;
  }
  if (a.kind === 'createFailed') {
    const failure = a.physicalResourceId !== '' ? await rollbackDelete(d, a, true) : undefined;
    d.record.unlist(a.logicalId);
    return failure;
  }
  if (a.kind === 'replace') {
    const properties = updateThenDelete ? a.before.properties : a.after.properties;
    return rollbackDelete(d, { ...a.after, properties }, false);
  }
  return undefined;
}
