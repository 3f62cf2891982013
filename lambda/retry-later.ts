/**
 * A change that fails for a passing reason (throttling past the SDK's retries, a 5xx, a timed-out call,
 * a number with an operation in progress, a Chime PhoneNumberErrors entry of a retryable kind) is not a
 * reason to fail the event: least of all in a rollback, where a failed request leaves the stack
 * UPDATE_ROLLBACK_FAILED. onEvent answers with the physical id it would have returned and asks isComplete
 * (polled by the Provider's waiter) to run the same, idempotent, change again, until it succeeds or the
 * completion deadline (./deadline) passes; then the event fails with the last error.
 *
 * Applied by the dispatcher (./index, rung 3 of its failure ladder) to the resources whose failure
 * policy is `defer` (the binding and voice-connector modules), whose changes are idempotent: each run
 * reads where things are and does only what is left.
 */
import { errorMessage, isTransient } from './aws-errors';
import { NumbersHeldBySiblingError, VoiceConnectorAssociationFailedError } from './errors';
import type { IsCompleteRequest, OnEventResponse } from './events';
import { log } from './logger';

/** Key of the onEvent result (merged by the framework into the event isComplete receives). */
export const RETRY_LATER_KEY = 'CdkPhoneNumbersRetryLater';

/** Chime SDK Voice PhoneNumberErrors codes that may clear by themselves. */
const RETRYABLE_CHIME_CODES = new Set(['Conflict', 'Throttled', 'Throttling', 'ServiceFailure', 'ServiceUnavailable']);

/**
 * A failure that may pass by itself: an AWS call's passing failure (../aws-errors isTransient), or
 * Chime PhoneNumberErrors entries all of a kind that may clear, or numbers another resource of the
 * stack is about to release (NumbersHeldBySiblingError).
 */
export function isPassingFailure(err: unknown): boolean {
  // Another resource of the stack releases the numbers in the same operation.
  if (err instanceof NumbersHeldBySiblingError) return true;
  if (err instanceof VoiceConnectorAssociationFailedError)
    return err.failures.length > 0 && err.failures.every((f) => RETRYABLE_CHIME_CODES.has(f.code));
  return isTransient(err);
}

/**
 * Key of the onEvent result carrying the physical id of the REQUEST (Update, Delete): the framework
 * merges the result into the event isComplete receives, so its PhysicalResourceId is then the answered
 * one, and a change run again must see the one it was asked about.
 */
export const REQUEST_PHYSICAL_ID_KEY = 'CdkPhoneNumbersRequestPhysicalId';

/** Runs onEvent's change; a transient failure becomes `physicalId` plus a request to run it again in isComplete. */
export async function orRetryLater(e: object, physicalId: string, change: () => Promise<OnEventResponse>): Promise<OnEventResponse> {
  try {
    return await change();
  } catch (err) {
    if (!isPassingFailure(err)) throw err;
    log().warn('The change failed for a passing reason: isComplete will run it again', { error: errorMessage(err) });
    const retry: OnEventResponse & Record<string, string> = {
      PhysicalResourceId: physicalId,
      [RETRY_LATER_KEY]: errorMessage(err).slice(0, 200),
      ...('PhysicalResourceId' in e && typeof e.PhysicalResourceId === 'string' ? { [REQUEST_PHYSICAL_ID_KEY]: e.PhysicalResourceId } : {}),
    };
    return retry;
  }
}

/**
 * For a Create: make no change in onEvent, only answer the physical id and have isComplete make it. A
 * Create whose onEvent fails (a Lambda timeout included, after a change was applied) gets the
 * framework's failed-create marker and no Delete, so nothing would undo what it did; a Create that
 * fails in isComplete answers with its real physical id, and CloudFormation's rollback sends the
 * Delete that undoes it.
 */
export function deferred(physicalId: string): OnEventResponse {
  const response: OnEventResponse & Record<string, string> = { PhysicalResourceId: physicalId, [RETRY_LATER_KEY]: 'made by isComplete' };
  return response;
}

/** Whether onEvent asked isComplete to run its change again. */
export function retryRequested(e: IsCompleteRequest): boolean {
  return typeof (e as unknown as Record<string, unknown>)[RETRY_LATER_KEY] === 'string';
}

/** The event as onEvent received it (its PhysicalResourceId the request's, not the answer's), to run its change again. */
export function asRequested<T>(e: IsCompleteRequest): T {
  const requested = (e as unknown as Record<string, unknown>)[REQUEST_PHYSICAL_ID_KEY];
  return (typeof requested === 'string' ? { ...e, PhysicalResourceId: requested } : e) as unknown as T;
}
