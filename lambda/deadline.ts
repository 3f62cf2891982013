/**
 * Time limits the handler keeps, so that it stops while it can still clean up:
 * - the completion deadline of an event (isComplete), well before the Provider framework's waiter
 *   gives up (45 minutes, lib/private/provider.ts): past it, the event undoes what it did and fails;
 * - the invocation deadline (the Lambda context's remaining time): no SDK retry is started that could
 *   not finish before it (see ./clients).
 */
import type { IsCompleteRequest } from './events';

export const COMPLETION_TIMEOUT_ENV = 'PHONE_NUMBERS_COMPLETION_TIMEOUT_MS';
/** 30 minutes: leaves 15 of the waiter's 45 for the undo (a claim still IN_PROGRESS cannot be released). */
export const DEFAULT_COMPLETION_TIMEOUT_MS = 30 * 60_000;
/** Time kept back from the Lambda timeout for the work after a failed call (recovery, cleanup, the response). */
export const INVOCATION_RESERVE_MS = 30_000;

function envMs(name: string, fallback: number): number {
  const raw = process.env[name];
  const parsed = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

export const completionTimeoutMs = (): number => envMs(COMPLETION_TIMEOUT_ENV, DEFAULT_COMPLETION_TIMEOUT_MS);

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
 * How long one invocation waits for an asynchronous change it made to settle (./settle-wait): a
 * ClaimedPhoneNumber create's claim (IN_PROGRESS to CLAIMED) and a Delete's release (until the number is
 * gone). Checks every SETTLE_POLL_ENV ms for at most SETTLE_WAIT_ENV ms, never past the invocation
 * deadline; 0 turns the wait off (a create's poll then checks once, a release is left to later polls).
 */
export const SETTLE_WAIT_ENV = 'PHONE_NUMBERS_SETTLE_WAIT_MS';
export const SETTLE_POLL_ENV = 'PHONE_NUMBERS_SETTLE_POLL_MS';
export const DEFAULT_SETTLE_WAIT_MS = 3 * 60_000;
export const DEFAULT_SETTLE_POLL_MS = 5_000;
export const settleWaitMs = (): number => Math.min(envMs(SETTLE_WAIT_ENV, DEFAULT_SETTLE_WAIT_MS), remainingWorkMs());
export const settlePollMs = (): number => envMs(SETTLE_POLL_ENV, DEFAULT_SETTLE_POLL_MS);
