/**
 * The custom-resource handler of a stack (CDK Provider framework): `onEvent` applies a change and
 * returns at once; `isComplete` (polled by the framework's waiter, with the onEvent result merged into
 * the event) reports when the change has settled.
 *
 * Every event: resource type -> module; properties upgraded to the current FormatVersion; validated
 * with the same validators as synth (before any AWS call); then the module's create/update/delete.
 */
import type { Context } from 'aws-lambda';
import { isPassingFailure } from './retry-later';
import { backoffDelayMs, DEFAULT_REQUEST_TIMEOUT_MS, sleep } from './clients';
import { completionTimedOut, remainingWorkMs, startInvocation } from './deadline';
import { ResourceTypes } from './contract';
import { MAX_MESSAGE_LENGTH, PropertiesInvalidError, ResourceTypeUnknownError, truncate } from './errors';
import {
  ON_EVENT_DONE,
  type IsCompleteRequest,
  type IsCompleteResponse,
  type OnEventRequest,
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

/** Runs of a whole onEvent change after a passing failure that outlasted the SDK's own retries. */
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
      const result = await withPassingFailuresRetried(run);
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
    try {
      const entry = entryFor(event.ResourceType);
      const { props, old } = propertiesOf(event, entry);
      const result = await entry.isComplete(event, props, old);
      log().info('Completion checked', { isComplete: result.IsComplete });
      return result;
    } catch (err) {
      if (isPassingFailure(err) && !completionTimedOut(event)) {
        // The waiter polls again (every 20 s for 45 minutes): throttling while polling is expected with
        // many resources, and a 5xx, a lost answer or a busy number passes. Failing here instead would,
        // in a rollback, leave the stack in *_ROLLBACK_FAILED. Past the completion deadline the failure
        // stands (./deadline), while the waiter still has time for the rollback.
        log().warn('Passing failure while checking completion: will check again', { error: err as Error });
        return { IsComplete: false };
      }
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
