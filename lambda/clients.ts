/**
 * SDK clients, created once and cached per service and region. Endpoints come from the SDK's own
 * standard variables (AWS_ENDPOINT_URL_CONNECT, AWS_ENDPOINT_URL_CHIME_SDK_VOICE), read when a client
 * is created.
 *
 * Retries (PhoneNumbersRetryStrategy). Connect's default quota is 2 requests/s with a burst of 5 per
 * API, and CloudFormation runs independent resources in parallel, each in its own Lambda execution
 * environment: with 100 numbers in a stack, 100 uncoordinated callers queue on one API and the last
 * waits ~50 s for its turn. What keeps that queue moving at the quota (bench/, docs/performance.md):
 * - throttling is retried for up to MAX_THROTTLED_ATTEMPTS attempts with full-jitter backoff capped
 *   low (MAX_THROTTLE_DELAY_FACTOR x base: 4 s, 2 s on average, about the 2.5 s an API's bucket takes
 *   to refill its burst of 5 at 2/s), so the quota is hardly ever left idle while callers wait. A
 *   high cap (the SDK's 20 s) leaves it idle at the end of each queue; a lower one multiplies the
 *   throttled calls for little gain (a simulation of 100 callers on one API: cap 4 s finishes within
 *   3% of the bound with ~14 attempts per call; cap 2 s, 2%, ~25; cap 20 s, 16%);
 * - no client-side adaptive rate limiter: the SDK's limiter is one per client (all of a service's
 *   APIs) and per execution environment, while quotas are per API and per account: it slowed calls to
 *   APIs that were not throttled and coordinated nothing between parallel invocations;
 * - transient errors (5xx, lost responses) keep exponential backoff from a 500 ms base, capped at
 *   MAX_RETRY_DELAY_FACTOR x base (20 s), for up to MAX_ATTEMPTS attempts.
 * Every delay is a multiple of the base delay, which tests and benchmarks lower with
 * the retryBaseDelayMs setting (./settings, read on every retry).
 */
import { ConnectClient } from '@aws-sdk/client-connect';
import { ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import type {
  InitializeHandler,
  InitializeHandlerArguments,
  HandlerExecutionContext,
  MetadataBearer,
  MiddlewareStack,
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
} from '@smithy/types';
import { remainingWorkMs } from './deadline';
import { readSetting, SETTINGS } from './settings';
import { log } from './logger';

/** Attempts of a call that fails with transient errors (5xx, no response). */
export const MAX_ATTEMPTS = 12;
/**
 * Attempts of a call that keeps being throttled: ~4 minutes at the default base (mean delay ~2 s),
 * room for a queue of ~480 callers on one 2/s API, inside the handler's 10-minute timeout.
 */
export const MAX_THROTTLED_ATTEMPTS = 120;
export const DEFAULT_RETRY_BASE_DELAY_MS = SETTINGS.retryBaseDelayMs.defaultMs;
/** The cap of one backoff after a transient error, as a multiple of the base: 20 s at the default base. */
export const MAX_RETRY_DELAY_FACTOR = 40;
/** The cap of one backoff after throttling, as a multiple of the base: 4 s at the default base. */
export const MAX_THROTTLE_DELAY_FACTOR = 8;
/**
 * Longest wait for one HTTP answer (the SDK has none by default: a call that hangs would hang until the
 * Lambda timeout, and a claim sent just before it would leak). The outcome of a timed-out call is
 * unknown; the callers that change numbers look for what it may have done (see resources/).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = SETTINGS.requestTimeoutMs.defaultMs;
const CONNECTION_TIMEOUT_MS = 5_000;

const requestTimeoutMs = (): number => readSetting('requestTimeoutMs');

/** Settings every client shares: retries (below) and timeouts. */
function clientSettings(region: string) {
  const requestTimeout = requestTimeoutMs();
  return {
    region,
    maxAttempts: MAX_ATTEMPTS,
    retryStrategy: new PhoneNumbersRetryStrategy(),
    requestHandler: { requestTimeout, connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, requestTimeout), throwOnRequestTimeout: true },
  };
}

/** Base of every backoff in the handler: SDK retries and the handler's own (e.g. ResourceInUse on release). */
export function retryBaseDelayMs(): number {
  return readSetting('retryBaseDelayMs');
}

/** Full jitter: a random delay in [0, min(cap, base * 2^retry)), cap = 40 * base. */
export function backoffDelayMs(retry: number, base = retryBaseDelayMs()): number {
  return Math.floor(Math.random() * Math.min(MAX_RETRY_DELAY_FACTOR * base, base * 2 ** retry));
}

/** Full jitter after throttling: a random delay in [0, min(cap, base * 2^retry)), cap = 8 * base. */
export function throttleDelayMs(retry: number, base = retryBaseDelayMs()): number {
  return Math.floor(Math.random() * Math.min(MAX_THROTTLE_DELAY_FACTOR * base, base * 2 ** retry));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class Token implements RetryToken {
  constructor(
    /** Retries so far (all causes). */
    private readonly count: number,
    private readonly delay: number,
    /** Retries so far after a transient error. */
    readonly transientRetries: number,
  ) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return this.delay;
  }
}

/**
 * Retries throttling patiently with short delays and transient errors with exponential backoff (see
 * the top of this file). No retry quota either: a shared client under a throttling storm would run
 * out of retry tokens and fail fast, which is what must not happen here. Stateless across calls.
 */
export class PhoneNumbersRetryStrategy implements RetryStrategyV2 {
  constructor(
    private readonly maxAttempts = MAX_ATTEMPTS,
    private readonly maxThrottledAttempts = MAX_THROTTLED_ATTEMPTS,
  ) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return new Token(0, 0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const retries = token.getRetryCount();
    const transientRetries = token instanceof Token ? token.transientRetries : retries;
    let next: Token;
    if (errorInfo.errorType === 'THROTTLING') {
      if (retries + 1 >= this.maxThrottledAttempts) throw new Error('No retry token available');
      next = new Token(retries + 1, throttleDelayMs(retries), transientRetries);
    } else if (errorInfo.errorType === 'TRANSIENT') {
      if (transientRetries + 1 >= this.maxAttempts || retries + 1 >= this.maxThrottledAttempts) throw new Error('No retry token available');
      next = new Token(retries + 1, backoffDelayMs(transientRetries), transientRetries + 1);
    } else {
      throw new Error('No retry token available');
    }
    // No retry that could not finish before the invocation's deadline: stop while cleanup is possible.
    if (next.getRetryDelay() + requestTimeoutMs() > remainingWorkMs())
      throw new Error('No retry token available: the invocation deadline is near');
    return next;
  }

  recordSuccess(): void {
    // Nothing to learn: no state is kept between calls.
  }
}

type CloudFormationModule = typeof import('@aws-sdk/client-cloudformation');
type CloudFormationClient = InstanceType<CloudFormationModule['CloudFormationClient']>;
type AnyClient = ConnectClient | ChimeSDKVoiceClient | CloudFormationClient;
let cache = new Map<string, AnyClient>();

/** Logs every AWS call once, with its final outcome (after retries). No inputs: nothing secret, nothing large. */
function addCallLogging(stack: MiddlewareStack<object, MetadataBearer>, service: string, region: string): void {
  stack.add(
    (next: InitializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<object>) => {
        const operation = context.commandName?.replace(/Command$/, '');
        const started = Date.now();
        try {
          const result = await next(args);
          const meta = (result.output as { $metadata?: { attempts?: number; requestId?: string } }).$metadata;
          log().info('AWS call succeeded', {
            awsService: service,
            region,
            operation,
            attempts: meta?.attempts,
            awsRequestId: meta?.requestId,
            ms: Date.now() - started,
          });
          return result;
        } catch (e) {
          const err = e as {
            name?: string;
            message?: string;
            $metadata?: { attempts?: number; httpStatusCode?: number; requestId?: string };
          };
          log().warn('AWS call failed', {
            awsService: service,
            region,
            operation,
            errorName: err.name,
            errorMessage: err.message,
            httpStatusCode: err.$metadata?.httpStatusCode,
            attempts: err.$metadata?.attempts,
            awsRequestId: err.$metadata?.requestId,
            ms: Date.now() - started,
          });
          throw e;
        }
      },
    { step: 'initialize', name: 'phoneNumbersCallLogging' },
  );
}

function cached<T extends AnyClient>(service: string, region: string, create: () => T): T {
  const key = `${service}:${region}`;
  let client = cache.get(key) as T | undefined;
  if (!client) {
    client = create();
    addCallLogging(client.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>, service, region);
    cache.set(key, client);
  }
  return client;
}

/** The Connect client of a region (the region of the ARN the call is about). */
export function connect(region: string): ConnectClient {
  return cached('connect', region, () => new ConnectClient(clientSettings(region)));
}

/** The Chime SDK Voice client of a region (the resource's Region property). */
export function chime(region: string): ChimeSDKVoiceClient {
  return cached('chime', region, () => new ChimeSDKVoiceClient(clientSettings(region)));
}

let cloudFormationModule: CloudFormationModule | undefined;

/**
 * The CloudFormation module, loaded on first use: most events never read their stack, so its load
 * time stays out of the cold start (esbuild keeps a required CommonJS module lazy).
 */
export function cloudFormationSdk(): CloudFormationModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cloudFormationModule ??= require('@aws-sdk/client-cloudformation') as CloudFormationModule;
  return cloudFormationModule;
}

/** The CloudFormation client of the stack's region (to read the stack's own status and template). */
export function cloudFormation(region: string): CloudFormationClient {
  const { CloudFormationClient } = cloudFormationSdk();
  return cached('cloudformation', region, () => new CloudFormationClient(clientSettings(region)));
}

/** Test hook: forget every cached client, so the next call reads endpoints and credentials again. */
export function resetClients(): void {
  for (const client of cache.values()) client.destroy();
  cache = new Map();
}
