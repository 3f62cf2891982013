/**
 * The CDK Provider framework, in process: how one CloudFormation request becomes an onEvent call and
 * isComplete polls, and what response CloudFormation gets back. Mirrors
 * aws-cdk-lib/custom-resources/lib/provider-framework/runtime (framework.ts, cfn-response.ts):
 *
 * - payloads cross a Lambda boundary, so the handler sees (and returns) JSON copies;
 * - Create's default physical id is the RequestId; Update and Delete default to the request's id;
 *   a Delete that returns another id fails;
 * - isComplete gets `{ ...event, ...onEventResult, PhysicalResourceId }`, first at once, then every
 *   poll interval; "Data" with IsComplete false fails; the final Data is onEvent's merged with
 *   isComplete's; after maxPolls the framework answers FAILED "Operation timed out";
 * - a failure answers FAILED with the error's message, "Logs: /aws/lambda/<function>" and its stack
 *   (includeStackTraces), under the request's physical id — or, for a Create that failed in onEvent,
 *   under a marker id, so that the Delete CloudFormation sends next is answered by the framework
 *   itself, never reaching the handler;
 * - CloudFormation rejects a response body over 4096 bytes ("Response object is too long.").
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { bundleEnvironment, invokeWithTimeout, LambdaFunction, LambdaTimeoutError, lambdaTimeoutMessage } from '../lambda-host';
import type { Isolation } from '../lambda-host';
import type {
  AdvanceableClock,
  CustomResourceEvent,
  HandlerLike,
  IsCompleteEvent,
  Json,
  LambdaContext,
  ProviderHandlers,
  SingleFunctionHandler,
} from './types';

export const CREATE_FAILED_PHYSICAL_ID_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';
export const MISSING_PHYSICAL_ID_MARKER = 'AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID';
/** CloudFormation's limit on a custom resource response body. */
export const MAX_RESPONSE_BYTES = 4096;
export const TIMED_OUT_REASON = 'Operation timed out';
/** lib/private/provider.ts HANDLER_TIMEOUT. */
export const DEFAULT_FUNCTION_TIMEOUT_MS = 10 * 60_000;
/** lib/private/provider.ts TOTAL_TIMEOUT. */
export const DEFAULT_TOTAL_TIMEOUT_MS = 45 * 60_000;
/** lib/private/provider.ts QUERY_INTERVAL (the deployer's own default poll interval is 0: tests pass the clock). */
export const PROVIDER_QUERY_INTERVAL_MS = 20_000;
/** isComplete calls per request when there is no poll interval to divide the total timeout by. */
export const DEFAULT_MAX_POLLS_WITHOUT_INTERVAL = 100;

export { lambdaTimeoutMessage };
export const RESPONSE_TOO_LONG_REASON = 'Response object is too long.';

type Invoke = (payload: unknown, context: LambdaContext) => Promise<unknown>;

interface Functions {
  readonly onEvent: Invoke;
  readonly isComplete?: Invoke;
}

/** Accepts `{ onEvent, isComplete? }` (preferred) or one function serving both phases. */
export function normalizeHandler(handler: HandlerLike, singleFunctionIsComplete = true): Functions {
  if (typeof handler === 'function') {
    const fn = handler as SingleFunctionHandler;
    const invoke: Invoke = async (payload, context) => fn(payload as CustomResourceEvent, context);
    return { onEvent: invoke, isComplete: singleFunctionIsComplete ? invoke : undefined };
  }
  const h = handler as ProviderHandlers;
  if (typeof h.onEvent !== 'function') throw new TypeError('handler: expected a function or an object with an onEvent function');
  const isComplete = h.isComplete;
  return {
    onEvent: async (payload, context) => h.onEvent(payload as CustomResourceEvent, context),
    isComplete:
      typeof isComplete === 'function' ? async (payload, context) => isComplete.call(h, payload as IsCompleteEvent, context) : undefined,
  };
}

/** A bundle's worker idle this long (real time) is ended, as Lambda reclaims idle environments; the next invocation starts afresh. */
export const BUNDLE_IDLE_MS = 5_000;

/**
 * Loads a CommonJS handler bundle (e.g. dist/handler/index.js) afresh into a Lambda function of its own
 * (local/lambda-host): its first execution environment is started now, so that module-level state (SDK
 * clients, endpoints read from the environment) is created now and a bad bundle fails here. By default
 * the environment is a worker thread, ended at an invocation's timeout (nothing runs on past it);
 * 'in-process' evaluates the bundle in this realm. With `entry` (the export the template's `Handler`
 * names, e.g. 'handler' for 'index.handler'), that one function serves both phases, as in Lambda;
 * without it, named `onEvent` / `isComplete` exports are preferred over a single `handler` export.
 */
export function loadHandlerBundle(file: string, entry?: string, isolation: Isolation = 'worker'): HandlerLike {
  const resolved = require.resolve(path.resolve(file));
  // An idle worker is ended (its memory freed); an in-process copy lives as long as the handler.
  const fn = new LambdaFunction(() => bundleEnvironment(resolved, isolation), isolation === 'worker' ? BUNDLE_IDLE_MS : undefined);
  fn.prewarm(1);
  const { exports: names, functions } = fn.exports;
  const exported = new Set(functions);
  const call =
    (name: string) =>
    async (event: CustomResourceEvent | IsCompleteEvent, context?: LambdaContext): Promise<never> =>
      fn.invoke(name, event, context) as Promise<never>;
  if (entry !== undefined) {
    if (!exported.has(entry)) throw new TypeError(`${file} does not export a function '${entry}'`);
    return call(entry) as SingleFunctionHandler;
  }
  if (exported.has('onEvent')) return { onEvent: call('onEvent'), isComplete: exported.has('isComplete') ? call('isComplete') : undefined };
  if (exported.has('handler')) return call('handler') as SingleFunctionHandler;
  throw new TypeError(`${file} exports neither onEvent nor handler (exports: ${names.join(', ') || 'none'})`);
}

export interface ProviderOptions {
  /** A cap on isComplete calls; undefined: only the total timeout limits them (100 when pollIntervalMs is 0). */
  readonly maxPolls?: number;
  readonly pollIntervalMs: number;
  /** @default DEFAULT_TOTAL_TIMEOUT_MS */
  readonly totalTimeoutMs?: number;
  /** @default DEFAULT_FUNCTION_TIMEOUT_MS */
  readonly functionTimeoutMs?: number;
  readonly clock?: AdvanceableClock;
  readonly functionName: string;
  readonly region?: string;
  readonly accountId?: string;
  /** Awaited before each isComplete call (`poll` from 1), with the physical id it receives. */
  readonly beforePoll?: (poll: number, physicalResourceId: string) => unknown;
}

export interface ProviderOutcome {
  readonly status: 'SUCCESS' | 'FAILED';
  /** The physical id of the response. */
  readonly physicalResourceId: string;
  readonly data: Record<string, Json>;
  readonly reason?: string;
  readonly polls: number;
  readonly answeredBy: 'handler' | 'framework';
}

/** What the user function threw, as the framework rebuilds it from the Lambda error payload. */
class UserFunctionError extends Error {}

const copy = <T>(value: T): T => (value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T));

async function invokeUserFunction(fn: Invoke, payload: unknown, options: ProviderOptions): Promise<Record<string, unknown>> {
  const functionName = options.functionName;
  try {
    const timeoutMs = options.functionTimeoutMs ?? DEFAULT_FUNCTION_TIMEOUT_MS;
    const invocation = { functionName, region: options.region, accountId: options.accountId, timeoutMs, clock: options.clock };
    return (copy(await invokeWithTimeout(fn as Parameters<typeof invokeWithTimeout>[0], copy(payload), invocation)) ?? {}) as Record<
      string,
      unknown
    >;
  } catch (err) {
    // The Lambda runtime reports errorMessage and trace (the stack's lines); the framework rebuilds an
    // Error whose stack is the message, the log group, and the trace without its first line. A timeout
    // has no trace.
    const errorMessage = err instanceof Error ? err.message || 'error' : String(err);
    const trace =
      err instanceof Error && !(err instanceof LambdaTimeoutError) && typeof err.stack === 'string' ? err.stack.split('\n') : [];
    const message = [errorMessage, '', `Logs: /aws/lambda/${functionName}`, ''].join('\n');
    const e = new UserFunctionError(message);
    e.stack = [message, ...trace.slice(1)].join('\n');
    throw e;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function failureReason(err: unknown): string {
  if (err instanceof UserFunctionError) return err.stack ?? err.message;
  // The framework's own errors: their stack would be this file's; the first line carries the message.
  return err instanceof Error ? `Error: ${err.message}` : String(err);
}

/** The response CloudFormation reads, checked against its size limit. */
function respond(
  event: CustomResourceEvent,
  status: 'SUCCESS' | 'FAILED',
  physicalResourceId: string | undefined,
  data: Record<string, Json>,
  reason: string | undefined,
  polls: number,
  answeredBy: 'handler' | 'framework',
  noEcho?: boolean,
): ProviderOutcome {
  const id = physicalResourceId || MISSING_PHYSICAL_ID_MARKER;
  const body = JSON.stringify({
    Status: status,
    Reason: reason ?? status,
    StackId: event.StackId,
    RequestId: event.RequestId,
    PhysicalResourceId: id,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: noEcho ? true : undefined,
    Data: data,
  });
  if (Buffer.byteLength(body, 'utf8') > MAX_RESPONSE_BYTES) {
    return { status: 'FAILED', physicalResourceId: id, data: {}, reason: RESPONSE_TOO_LONG_REASON, polls, answeredBy };
  }
  return { status, physicalResourceId: id, data: status === 'SUCCESS' ? data : {}, reason, polls, answeredBy };
}

/** The deployer's hook before an isComplete call (ProviderOptions.beforePoll), if any. */
const beforePoll = (options: ProviderOptions, poll: number, physicalResourceId: string): unknown =>
  options.beforePoll?.(poll, physicalResourceId);

/** onEvent's answer merged into the event, as isComplete receives it, or the response when onEvent failed. */
type OnEventOutcome = { readonly resourceEvent: IsCompleteEvent; readonly noEcho: boolean } | { readonly failed: ProviderOutcome };

/** onEvent (framework.ts onEvent + createResponseEvent). */
async function onEventPhase(functions: Functions, event: CustomResourceEvent, options: ProviderOptions): Promise<OnEventOutcome> {
  try {
    const result = await invokeUserFunction(functions.onEvent, event, options);
    const noEcho = result.NoEcho === true;
    const defaultId = event.RequestType === 'Create' ? event.RequestId : event.PhysicalResourceId;
    const physicalResourceId = (typeof result.PhysicalResourceId === 'string' && result.PhysicalResourceId) || defaultId;
    if (event.RequestType === 'Delete' && physicalResourceId !== event.PhysicalResourceId) {
      throw new Error(
        `DELETE: cannot change the physical resource ID from "${event.PhysicalResourceId}" to "${String(result.PhysicalResourceId)}" during deletion`,
      );
    }
    return { resourceEvent: { ...event, ...result, PhysicalResourceId: physicalResourceId as string } as IsCompleteEvent, noEcho };
  } catch (err) {
    const id = event.PhysicalResourceId || (event.RequestType === 'Create' ? CREATE_FAILED_PHYSICAL_ID_MARKER : undefined);
    return { failed: respond(event, 'FAILED', id, {}, failureReason(err), 0, 'handler') };
  }
}

/**
 * The waiter: isComplete at once, then every poll interval, until complete or out of attempts (the Step
 * Functions retry count is floor(totalTimeout / queryInterval)); then onTimeout answers.
 */
async function waitForCompletion(
  isComplete: NonNullable<Functions['isComplete']>,
  event: CustomResourceEvent,
  resourceEvent: IsCompleteEvent,
  noEcho: boolean,
  options: ProviderOptions,
): Promise<ProviderOutcome> {
  const onEventData = (resourceEvent.Data ?? {}) as Record<string, Json>;
  const maxPolls = pollLimit(options);
  for (let poll = 1; poll <= maxPolls; poll++) {
    if (poll > 1) {
      if (options.clock) options.clock.advance(options.pollIntervalMs);
      else if (options.pollIntervalMs > 0) await sleep(options.pollIntervalMs);
    }
    await beforePoll(options, poll, resourceEvent.PhysicalResourceId);
    try {
      const result = await invokeUserFunction(isComplete, resourceEvent, options);
      const data = (result.Data ?? undefined) as Record<string, Json> | undefined;
      if (!result.IsComplete) {
        if (data && Object.keys(data).length > 0) throw new Error('"Data" is not allowed if "IsComplete" is "False"');
        continue;
      }
      const response = { ...resourceEvent, ...result, Data: { ...onEventData, ...(data ?? {}) } } as IsCompleteEvent;
      return respond(
        event,
        'SUCCESS',
        response.PhysicalResourceId,
        response.Data as Record<string, Json>,
        undefined,
        poll,
        'handler',
        noEcho,
      );
    } catch (err) {
      return respond(event, 'FAILED', resourceEvent.PhysicalResourceId, {}, failureReason(err), poll, 'handler');
    }
  }
  return respond(event, 'FAILED', resourceEvent.PhysicalResourceId, {}, TIMED_OUT_REASON, maxPolls, 'framework');
}

/** Sends one CloudFormation request through the Provider framework to the handler. */
export async function sendRequest(functions: Functions, event: CustomResourceEvent, options: ProviderOptions): Promise<ProviderOutcome> {
  if (event.RequestType === 'Delete' && event.PhysicalResourceId === CREATE_FAILED_PHYSICAL_ID_MARKER) {
    return respond(event, 'SUCCESS', event.PhysicalResourceId, {}, undefined, 0, 'framework');
  }
  const onEvent = await onEventPhase(functions, event, options);
  if ('failed' in onEvent) return onEvent.failed;
  const { resourceEvent, noEcho } = onEvent;
  if (!functions.isComplete) {
    const onEventData = (resourceEvent.Data ?? {}) as Record<string, Json>;
    return respond(event, 'SUCCESS', resourceEvent.PhysicalResourceId, onEventData, undefined, 0, 'handler', noEcho);
  }
  return waitForCompletion(functions.isComplete, event, resourceEvent, noEcho, options);
}

/** isComplete calls the waiter makes at most for one request. */
export function pollLimit(options: Pick<ProviderOptions, 'maxPolls' | 'pollIntervalMs' | 'totalTimeoutMs'>): number {
  if (options.pollIntervalMs <= 0) return options.maxPolls ?? DEFAULT_MAX_POLLS_WITHOUT_INTERVAL;
  const byTimeout = 1 + Math.floor((options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS) / options.pollIntervalMs);
  return Math.min(byTimeout, options.maxPolls ?? Infinity);
}

export const defaultRequestId = (): string => randomUUID();
