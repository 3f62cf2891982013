/**
 * The custom-resource handler of a stack (CDK Provider framework): `onEvent` applies a change and
 * returns at once; `isComplete` (polled by the framework's waiter, with the onEvent result merged into
 * the event) reports when the change has settled.
 *
 * Every event: resource type -> module; properties upgraded to the current FormatVersion; validated
 * with the same validators as synth (before any AWS call); then the module's create/update/delete.
 *
 * WHAT HAPPENS WHEN A CALL FAILS: the one ladder, owned here. A failure is "passing" when it may clear
 * by itself (./retry-later isPassingFailure: throttling, a 5xx, no answer or a timed-out call, a number
 * busy with another operation, Chime PhoneNumberErrors of a retryable kind); any other failure fails
 * the step at once and goes straight to rung 4. Every change is idempotent (deterministic client
 * tokens, state read first), so running it again is always safe.
 * 1. SDK retry, every AWS call (./clients PhoneNumbersRetryStrategy; not changed here): throttling is
 *    retried up to MAX_THROTTLED_ATTEMPTS (120) times with full-jitter backoff capped at 8 x the base
 *    delay (4 s at the default 500 ms: ~4 minutes in all); the SDK's transient errors (lost connections,
 *    timeouts, HTTP 500/502/503/504) up to MAX_ATTEMPTS (12) with backoff capped at 40 x base (20 s).
 *    No retry starts that could not finish before the invocation deadline (./deadline). Other errors,
 *    ResourceInUseException included, are not retried by the SDK.
 * 2. Retry within the invocation, where no later poll would run the step again:
 *    - a resource whose failures.onEvent is `rerun` (ClaimedPhoneNumber: an Update that replaces the
 *      number claims in onEvent, and its answer, the new number's ARN, exists only once claimed) runs
 *      the whole onEvent change again, ON_EVENT_RUNS in all, while the invocation has time;
 *    - ClaimedPhoneNumber's release retries ResourceInUseException up to MAX_RELEASE_ATTEMPTS when it
 *      undoes (a deadline's or a failed update's release); a Delete's release tries once and leaves
 *      the rest to rung 3.
 * 3. Defer to the next poll (the waiter polls isComplete until the completion deadline, ./deadline):
 *    - onEvent of a resource whose failures.onEvent is `defer` (PhoneNumberFlowBinding and
 *      VoiceConnectorNumbers Update and Delete) answers the physical id it would have answered and asks
 *      isComplete to run the same change again (./retry-later orRetryLater);
 *    - every Create, and a ClaimedPhoneNumber Delete, makes no call in onEvent at all: isComplete makes
 *      the change, so a failure there is always deferred (and a failed create still gets the rollback's
 *      Delete, which the framework answers itself for a create failed in onEvent);
 *    - in isComplete, a passing failure before the completion deadline answers "not complete" (here,
 *      `isComplete`); ClaimedPhoneNumber's settle also answers "not yet" on one itself.
 * 4. Give up and undo: a failure that is not passing, or any failure past the completion deadline,
 *    stands and fails the event, after the resource's failures.giveUp: `undo` (run here, best effort;
 *    a binding's Create puts the number's intent tags back), `in-step` (the resource's isComplete
 *    undoes what its step did: ClaimedPhoneNumber releases a number the failing event claimed, and at
 *    the deadline releases it or says the rollback puts it back), or `none` (CloudFormation's rollback,
 *    its Delete of the answered physical id, undoes it). A failed onEvent after rung 2 just fails.
 *
 * Example, ClaimPhoneNumber throttled. A Create claims in isComplete: rung 1 retries it for ~4 minutes;
 * still throttled, the claim looks for a number its event claimed all the same (its marker tag) and
 * answers that; otherwise the poll answers "not complete" (rung 3) and the next poll claims again with
 * the same client token, until the completion deadline (30 minutes); then the create fails under its
 * pending id and the rollback's Delete releases what the create's markers find (rung 4). An Update
 * that replaces the number claims in onEvent: rung 1, then rung 2 (three runs), then the Update fails
 * and CloudFormation rolls back to the old number.
 */
import type { Context } from 'aws-lambda';
import { errorMessage } from './aws-errors';
import { isPassingFailure, orRetryLater } from './retry-later';
import { backoffDelayMs, DEFAULT_REQUEST_TIMEOUT_MS, sleep } from './clients';
import { completionTimedOut, remainingWorkMs, startInvocation } from './deadline';
import { ResourceTypes } from './contract';
import { MAX_MESSAGE_LENGTH, PropertiesInvalidError, ResourceTypeUnknownError, truncate } from './errors';
import {
  ON_EVENT_DONE,
  type IsCompleteRequest,
  type IsCompleteResponse,
  type OnEventRequest,
  type OnEventFailurePolicy,
  type OnEventResponse,
  type ResourceHandler,
} from './events';
import { log, withEventLogger } from './logger';
import { checkSettings } from './settings';
import { claimedPhoneNumber } from './resources/claimed-phone-number';
import { phoneNumberFlowBinding } from './resources/phone-number-flow-binding';
import { voiceConnectorNumbers } from './resources/voice-connector-numbers';

type Raw = Record<string, unknown>;

type Entry = ResourceHandler<never>;

/** Resource type -> the module that serves it. */
export const RESOURCES: Readonly<Record<string, Entry>> = {
  [ResourceTypes.CLAIMED_PHONE_NUMBER]: claimedPhoneNumber as Entry,
  [ResourceTypes.PHONE_NUMBER_FLOW_BINDING]: phoneNumberFlowBinding as Entry,
  [ResourceTypes.VOICE_CONNECTOR_NUMBERS]: voiceConnectorNumbers as Entry,
};

/** Lines of stack trace kept on a thrown error: the response to CloudFormation must stay under 4096 bytes. */
const STACK_LINES = 4;
/** Longest kept stack line, and most UTF-8 bytes of a thrown error's message (non-ASCII text takes up to 3 bytes a character). */
const MAX_STACK_LINE_LENGTH = 200;
const MAX_MESSAGE_BYTES = 2000;

function entryFor(resourceType: string): Entry {
  const entry = Object.prototype.hasOwnProperty.call(RESOURCES, resourceType) ? RESOURCES[resourceType] : undefined;
  if (!entry) throw new ResourceTypeUnknownError(resourceType);
  return entry;
}

function withoutServiceToken(raw: Raw | undefined): Raw {
  const rest = { ...(raw ?? {}) };
  delete rest.ServiceToken;
  return rest;
}

/** Upgrades and validates the new properties (and upgrades the old ones of an Update). */
function propertiesOf(event: OnEventRequest, entry: Entry): { props: never; old: never | undefined } {
  const props = entry.upgrade(withoutServiceToken(event.ResourceProperties)) as never;
  const old = event.RequestType === 'Update' ? (entry.upgrade(withoutServiceToken(event.OldResourceProperties)) as never) : undefined;
  if (event.RequestType !== 'Delete') {
    const messages = entry.validate(props);
    if (messages.length > 0) throw new PropertiesInvalidError(event.LogicalResourceId, messages);
  }
  return { props, old };
}

/** A message cut to MAX_MESSAGE_LENGTH characters and MAX_MESSAGE_BYTES bytes (UTF-8). */
function shortMessage(message: string): string {
  let short = truncate(message, MAX_MESSAGE_LENGTH);
  while (Buffer.byteLength(short, 'utf8') > MAX_MESSAGE_BYTES) short = truncate(short, Math.floor(short.length * 0.9));
  return short;
}

/**
 * The error as CloudFormation will see it (message plus stack, in a response limited to 4096 bytes):
 * any error, the service's included (whose messages may echo the whole request), keeps a short
 * message and a few short stack frames.
 */
function trimmed(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const message = shortMessage(String(err.message));
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, STACK_LINES)
    .map((line) => truncate(line, MAX_STACK_LINE_LENGTH));
  try {
    if (message !== err.message) err.message = message;
    // One line for the message: the framework drops the stack's first line and keeps the rest.
    err.stack = [`${err.name}: ${message.replace(/\s*\n\s*/g, ' ')}`, ...frames].join('\n');
  } catch {
    return Object.assign(new Error(message), { name: err.name, cause: err });
  }
  return err;
}

function logKeys(event: OnEventRequest, phase: 'onEvent' | 'isComplete') {
  return {
    requestId: event.RequestId,
    requestType: event.RequestType,
    resourceType: event.ResourceType,
    logicalResourceId: event.LogicalResourceId,
    physicalResourceId: 'PhysicalResourceId' in event ? (event.PhysicalResourceId as string | undefined) : undefined,
    phase,
  };
}

/** Runs of a whole onEvent change after a passing failure that outlasted the SDK's own retries (rung 2, `rerun`). */
export const ON_EVENT_RUNS = 3;

/**
 * Runs `change` again (every change is idempotent: deterministic client tokens, state read first)
 * when it fails for a passing reason past the SDK's retries, while the invocation has time: a failed
 * onEvent fails the event, and in a rollback that leaves the stack in *_ROLLBACK_FAILED.
 */
async function withPassingFailuresRetried<T>(change: () => Promise<T>): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await change();
    } catch (err) {
      const delay = backoffDelayMs(run + 3);
      if (!isPassingFailure(err) || run >= ON_EVENT_RUNS || delay + 2 * DEFAULT_REQUEST_TIMEOUT_MS > remainingWorkMs()) throw err;
      log().warn('Passing failure past the SDK retries: running the change again', { run, error: err as Error });
      await sleep(delay);
    }
  }
}

/** Rung 2 or 3 of the ladder (top of this file), as the resource declares for onEvent. */
function withFailurePolicy(
  event: OnEventRequest,
  policy: OnEventFailurePolicy<never>,
  props: never,
  old: never | undefined,
  change: () => Promise<OnEventResponse>,
): Promise<OnEventResponse> {
  if (policy.kind === 'defer') return orRetryLater(event, policy.physicalId(event, props, old), change);
  return withPassingFailuresRetried(change);
}

export async function onEvent(event: OnEventRequest): Promise<OnEventResponse> {
  return withEventLogger(logKeys(event, 'onEvent'), async () => {
    try {
      const entry = entryFor(event.ResourceType);
      const { props, old } = propertiesOf(event, entry);
      log().info('Event received');
      const run = (): Promise<OnEventResponse> => {
        switch (event.RequestType) {
          case 'Create':
            return entry.create(event, props);
          case 'Update':
            return entry.update(event, props, old as never);
          case 'Delete':
            return entry.delete(event, props);
        }
      };
      const result = await withFailurePolicy(event, entry.failures.onEvent, props, old, run);
      log().info('Event handled', { physicalResourceId: result.PhysicalResourceId });
      return result;
    } catch (err) {
      log().error('Event failed', { error: err as Error });
      throw trimmed(err);
    }
  });
}

export async function isComplete(event: IsCompleteRequest): Promise<IsCompleteResponse> {
  return withEventLogger(logKeys(event, 'isComplete'), async () => {
    let giveUp: (() => Promise<void>) | undefined;
    try {
      const entry = entryFor(event.ResourceType);
      const { props, old } = propertiesOf(event, entry);
      const policy = entry.failures.giveUp;
      if (policy.kind === 'undo') giveUp = () => policy.undo(event, props, old);
      const result = await entry.isComplete(event, props, old);
      log().info('Completion checked', { isComplete: result.IsComplete });
      return result;
    } catch (err) {
      if (isPassingFailure(err) && !completionTimedOut(event)) {
        // Rung 3: the waiter polls again (every 20 s for 45 minutes): throttling while polling is expected
        // with many resources, and a 5xx, a lost answer or a busy number passes. Failing here instead would,
        // in a rollback, leave the stack in *_ROLLBACK_FAILED. Past the completion deadline the failure
        // stands (./deadline), while the waiter still has time for the rollback.
        log().warn('Passing failure while checking completion: will check again', { error: err as Error });
        return { IsComplete: false };
      }
      // Rung 4: the resource's undo, best effort; the original failure is what CloudFormation must see.
      if (giveUp)
        await giveUp().catch((cleanup: unknown) => log().error('Could not clean up after giving up', { error: errorMessage(cleanup) }));
      log().error('Completion check failed', { error: err as Error });
      throw trimmed(err);
    }
  });
}

export { ON_EVENT_DONE } from './events';

/**
 * The Lambda entry point (`index.handler`): ONE function serves the Provider's onEvent and isComplete,
 * so a stack holds one handler function however many phone-number resources it declares.
 */
export async function handler(
  event: OnEventRequest | IsCompleteRequest,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<(OnEventResponse & { [ON_EVENT_DONE]: true; CdkPhoneNumbersStartedAt: number }) | IsCompleteResponse> {
  startInvocation(context);
  // A mistyped or malformed setting fails the event before any AWS call, rather than running with a default.
  checkSettings();
  if ((event as unknown as Record<string, unknown>)[ON_EVENT_DONE] === true) return isComplete(event as IsCompleteRequest);
  const startedAt = Date.now();
  const result = await onEvent(event as OnEventRequest);
  return { ...result, [ON_EVENT_DONE]: true, CdkPhoneNumbersStartedAt: startedAt };
}
