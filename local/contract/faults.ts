/**
 * The faults the contract suite injects, and at which calls: each fault at the nth call of an operation
 * (Fault.skip = n - 1), chosen by what the call is (a read or a change, of which service); a replayed
 * event at the nth invocation of the handler.
 */
import { MAX_ATTEMPTS, MAX_THROTTLED_ATTEMPTS } from '../../lambda/clients';
import type { Fault } from '../emulator';

/** The handler's SDK attempts per call (lambda/clients.ts MAX_ATTEMPTS): a fault lasting this long outlives the retries. */
export const PAST_RETRIES = MAX_ATTEMPTS;
/** Throttling gets its own, longer retry budget in the handler (lambda/clients.ts): a throttle fault must outlast it. */
export const PAST_THROTTLED_RETRIES = MAX_THROTTLED_ATTEMPTS;
/**
 * A Lambda timeout: the call is applied, never answered, and the clock jumps past the 10-minute function
 * timeout meanwhile, so the invocation dies there (as when a call outlives the handler's own time checks).
 */
export const PAST_FUNCTION_TIMEOUT_MS = 11 * 60_000;

export type FaultName = 'throttle' | '500' | 'resource-in-use' | 'partial-errors' | 'response-lost' | 'lambda-timeout' | 'replay';

/** One AWS call of a clean run: its operation, which occurrence of it, and its input. */
export interface RecordedCall {
  readonly service: 'connect' | 'chime' | 'cloudformation';
  readonly operation: string;
  /** 1-based occurrence of this operation in the run. */
  readonly occurrence: number;
  readonly input: Record<string, unknown>;
  /** The logical id of the resource whose invocation made the call. */
  readonly resource?: string;
  /** The deployer's phase of the request the call was made for ('create', 'update', 'cleanup', 'rollback'). */
  readonly phase?: string;
}

export interface PlannedFault {
  readonly name: FaultName;
  /** e.g. 'ClaimPhoneNumber#1', or 'invocation#3' for a replay. */
  readonly at: string;
  /** Armed in the emulator before the step's deploy. */
  readonly inject?: Fault;
  /** The handler invocation (1-based, in the step's deploy) delivered a second time. */
  readonly replayInvocation?: number;
}

const CONNECT_CHANGES = new Set([
  'ClaimPhoneNumber',
  'ReleasePhoneNumber',
  'UpdatePhoneNumber',
  'UpdatePhoneNumberMetadata',
  'AssociatePhoneNumberContactFlow',
  'DisassociatePhoneNumberContactFlow',
  'TagResource',
  'UntagResource',
]);
const CHIME_CHANGES = new Set(['AssociatePhoneNumbersWithVoiceConnector', 'DisassociatePhoneNumbersFromVoiceConnector']);

/** The faults to try at one call. */
export function faultsAt(call: RecordedCall): PlannedFault[] {
  const { service, operation } = call;
  const skip = call.occurrence - 1;
  const at = `${call.resource ? `${call.resource.replace(/[0-9A-F]{8}$/, '')} ` : ''}${operation}#${call.occurrence}`;
  const out: PlannedFault[] = [];
  const add = (name: FaultName, inject: Fault) => out.push({ name, at, inject });
  if (service === 'cloudformation') {
    add('throttle', {
      kind: 'error',
      operation,
      errorName: 'Throttling',
      status: 400,
      message: 'Rate exceeded',
      times: PAST_THROTTLED_RETRIES,
      skip,
    });
    add('500', {
      kind: 'error',
      operation,
      errorName: 'InternalFailure',
      status: 500,
      message: 'Internal failure',
      times: PAST_RETRIES,
      skip,
    });
    return out;
  }
  const change = service === 'connect' ? CONNECT_CHANGES.has(operation) : CHIME_CHANGES.has(operation);
  add(
    'throttle',
    service === 'connect'
      ? {
          kind: 'error',
          operation,
          errorName: 'ThrottlingException',
          status: 429,
          message: 'Rate exceeded',
          times: PAST_THROTTLED_RETRIES,
          skip,
        }
      : {
          kind: 'error',
          operation,
          errorName: 'ThrottledClientException',
          status: 429,
          message: 'Rate exceeded',
          times: PAST_RETRIES,
          skip,
        },
  );
  if (!change) return out;
  // A Lambda killed during a rollback or cleanup request fails that request whatever the handler does
  // (the framework answers FAILED, CloudFormation does not ask again): only forward requests are tried.
  if (call.phase === undefined || call.phase === 'create' || call.phase === 'update') {
    add('lambda-timeout', { kind: 'hang', operation, apply: true, advanceClockMs: PAST_FUNCTION_TIMEOUT_MS, skip });
  }
  add(
    '500',
    service === 'connect'
      ? {
          kind: 'error',
          operation,
          errorName: 'InternalServiceException',
          status: 500,
          message: 'Internal service error',
          times: PAST_RETRIES,
          skip,
        }
      : {
          kind: 'error',
          operation,
          errorName: 'ServiceFailureException',
          status: 500,
          message: 'Service failure',
          times: PAST_RETRIES,
          skip,
        },
  );
  add('response-lost', { kind: 'dropAfterApply', operation, skip });
  if (service === 'connect') {
    add('resource-in-use', {
      kind: 'error',
      operation,
      errorName: 'ResourceInUseException',
      status: 409,
      message: 'The phone number is in use',
      times: PAST_RETRIES,
      skip,
    });
  } else {
    const numbers = (call.input.E164PhoneNumbers as string[] | undefined) ?? [];
    if (numbers.length > 0) {
      add('partial-errors', {
        kind: 'phoneNumberError',
        operation,
        phoneNumber: numbers[0],
        errorCode: 'Conflict',
        message: 'Injected partial failure',
        skip,
      });
    }
  }
  return out;
}

/** A replay of each handler invocation of the step. */
export function replays(invocations: number): PlannedFault[] {
  return Array.from({ length: invocations }, (_, i) => ({ name: 'replay' as const, at: `invocation#${i + 1}`, replayInvocation: i + 1 }));
}
