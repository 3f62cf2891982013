/**
 * Rollback of a failed create or update. A create rolls back by deleting, newest first, what it created.
 * An update rolls back with rollback Updates (old and new properties swapped) newest first, stopping at
 * the first failure (UPDATE_ROLLBACK_FAILED), then, in its cleanup phase, the Deletes of what it created
 * and of the new physical ids of replaced resources. Each in reverse dependency order, up to the
 * deployment's concurrency (one at a time: newest first); the readings of what CloudFormation does there
 * that the documentation does not settle are options (templateDuringRollback, replacementRollback,
 * replacementRollbackPolicy).
 */
import { DeployFailedError, type FailedRequest } from './errors';
import { dependentsFirst, skipDelete } from './cleanup';
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
    previousTemplate === undefined ? await rollbackCreate(d, run, failure) : await rollbackUpdate(d, run, previousTemplate, failure);
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

/**
 * Deletes (or retains, by the policy replacementRollbackPolicy names) the new physical id of a replaced
 * resource; the logical resource keeps its earlier physical id.
 */
async function rollbackReplacement(d: Deployment, undone: Undone & { updateReplacePolicy?: string }): Promise<FailedRequest | undefined> {
  if ((d.options.replacementRollbackPolicy ?? 'DeletionPolicy') === 'DeletionPolicy') return rollbackDelete(d, undone, false);
  if (undone.updateReplacePolicy === RETAIN) {
    skipDelete(d, 'rollback', undone, 'UpdateReplacePolicy', false);
    return undefined;
  }
  return d.requests.delete('rollback', undone, { listed: false });
}

/**
 * Runs `step` over the attempts of a failed operation, dependents first (newest first at concurrency 1),
 * up to the deployment's concurrency; its failures, in the order they came. With `stopOnFailure`, nothing
 * starts after the first failure (what has started finishes).
 */
async function undoEach(
  d: Deployment,
  run: DeployRun,
  step: (a: Attempt) => Promise<FailedRequest | undefined>,
  stopOnFailure: boolean,
): Promise<FailedRequest[]> {
  const byId = new Map(run.attempts.map((a) => [a.logicalId, a]));
  const failures: FailedRequest[] = [];
  const newestFirst = [...run.attempts].reverse().map((a) => a.logicalId);
  await dependentsFirst(
    d,
    run.template,
    newestFirst,
    async (id) => {
      const failure = await step(byId.get(id)!);
      if (failure) failures.push(failure);
      return !(failure && stopOnFailure); // a failed Delete does not hold back the others
    },
    stopOnFailure,
  );
  return failures;
}

/** Rolls back a failed stack create: Delete, dependents first, what it created. */
async function rollbackCreate(d: Deployment, run: DeployRun, reason: string): Promise<RollbackResult> {
  const { record } = d;
  record.setStatus('ROLLBACK_IN_PROGRESS', `${reason}Rollback requested by user.`);
  const left = new Map<string, DeployedResource>();
  const failures = await undoEach(
    d,
    run,
    async (a) => {
      if (a.kind === 'create') {
        const failure = await rollbackDelete(d, a.after, true);
        if (failure) left.set(a.logicalId, a.after);
        return failure;
      }
      if (a.kind !== 'createFailed') return undefined;
      if (a.physicalResourceId !== '') return rollbackDelete(d, a, true);
      record.unlist(a.logicalId); // nothing was sent: nothing to delete
      return undefined;
    },
    false,
  );
  if (failures.length > 0) {
    // The resources whose Delete failed stay in the stack; destroy() tries them again.
    record.settle(run.template, left);
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
 * Rolls back a failed update: rollback Updates, dependents first (UPDATE_ROLLBACK_IN_PROGRESS), then the
 * Deletes of what it created (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS). GetTemplate serves the
 * template templateDuringRollback names until the rollback ends, the previous one after.
 */
async function rollbackUpdate(d: Deployment, run: DeployRun, previousTemplate: CfnTemplate, reason: string): Promise<RollbackResult> {
  const { record } = d;
  const previous = run.previous;
  record.visibleTemplate = d.options.templateDuringRollback === 'current' ? run.template : previousTemplate;
  record.setStatus('UPDATE_ROLLBACK_IN_PROGRESS', reason);
  const updateThenDelete = d.options.replacementRollback === 'update-then-delete';

  const rollbackFailures = await undoEach(d, run, (a) => rollbackUpdateStep(d, a, updateThenDelete), true);
  if (rollbackFailures.length > 0) {
    // CloudFormation stops the rollback at the first failure.
    record.settle(previousTemplate, previous);
    record.visibleTemplate = previousTemplate;
    const failed = rollbackFailures.map((f) => f.logicalId).join(', ');
    record.setStatus('UPDATE_ROLLBACK_FAILED', `The following resource(s) failed to update: [${failed}]. `);
    return { rollbackFailures, cleanupFailures: [] };
  }

  record.setStatus('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
  const cleanupFailures = await undoEach(d, run, (a) => rollbackCleanupStep(d, a, updateThenDelete), false);
  record.settle(previousTemplate, previous);
  record.visibleTemplate = previousTemplate;
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
    return rollbackReplacement(d, { ...a.after, properties });
  }
  return undefined;
}
