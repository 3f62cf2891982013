/**
 * Time limits the handler keeps, so that it stops while it can still clean up:
 * - the completion deadline of an event (isComplete), well before the Provider framework's waiter
 *   gives up (45 minutes, lib/private/provider.ts): past it, the event undoes what it did and fails;
 * - the invocation deadline (the Lambda context's remaining time): no SDK retry is started that could
 *   not finish before it (see ./clients).
 */
import type { IsCompleteRequest } from './events';
import { readSetting, SETTINGS } from './settings';

/** 30 minutes: leaves 15 of the waiter's 45 for the undo (a claim still IN_PROGRESS cannot be released). */
export const DEFAULT_COMPLETION_TIMEOUT_MS = SETTINGS.completionTimeoutMs.defaultMs;
/** Time kept back from the Lambda timeout for the work after a failed call (recovery, cleanup, the response). */
export const INVOCATION_RESERVE_MS = 30_000;

export const completionTimeoutMs = (): number => readSetting('completionTimeoutMs');

/** Tells whether the event has been running (since its onEvent) for longer than the completion timeout. */
export function completionTimedOut(e: IsCompleteRequest): boolean {
  const startedAt = e.CdkPhoneNumbersStartedAt;
  return typeof startedAt === 'number' && Date.now() - startedAt > completionTimeoutMs();
}

let invocationDeadline: number | undefined;

/** Called at the start of each invocation with the Lambda context (absent outside Lambda). */
export function startInvocation(context: { getRemainingTimeInMillis?: () => number } | undefined): void {
  const remaining = context?.getRemainingTimeInMillis?.();
  invocationDeadline = typeof remaining === 'number' && Number.isFinite(remaining) ? Date.now() + remaining : undefined;
}

/** Milliseconds left for new work in this invocation (Infinity outside Lambda). */
export function remainingWorkMs(): number {
  return invocationDeadline === undefined ? Number.POSITIVE_INFINITY : invocationDeadline - INVOCATION_RESERVE_MS - Date.now();
}

/**
 * How long one invocation waits for an asynchronous change it made to settle (./resources/claimed-phone-number/settle-wait): a
 * ClaimedPhoneNumber create's claim (IN_PROGRESS to CLAIMED) and a Delete's release (until the number is
 * gone). Checks every settlePollMs for at most settleWaitMs (./settings), never past the invocation
 * deadline; 0 turns the wait off (a create's poll then checks once, a release is left to later polls).
 */
export const DEFAULT_SETTLE_WAIT_MS = SETTINGS.settleWaitMs.defaultMs;
export const DEFAULT_SETTLE_POLL_MS = SETTINGS.settlePollMs.defaultMs;
export const settleWaitMs = (): number => Math.min(readSetting('settleWaitMs'), remainingWorkMs());
export const settlePollMs = (): number => readSetting('settlePollMs');
