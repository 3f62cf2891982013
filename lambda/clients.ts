/**
 * SDK clients, created once and cached per service and region. Endpoints come from the SDK's own
 * standard variables (AWS_ENDPOINT_URL_CONNECT, AWS_ENDPOINT_URL_CHIME_SDK_VOICE), read when a client
 * is created.
 *
 * Retries: adaptive (client-side rate limiting after throttling) with MAX_ATTEMPTS attempts and
 * full-jitter exponential backoff from a base delay, capped. Connect's default quota is 2 requests/s
 * with a burst of 5 per API, and CloudFormation runs independent resources in parallel: with 100
 * numbers in a stack, a call can wait ~50 s for its turn. 12 attempts from a 500 ms base (each delay capped at 40 times the base: 20 s)
 * wait up to ~130 s (about half that on average) before giving up. The base delay can be lowered for
 * tests with PHONE_NUMBERS_RETRY_BASE_DELAY_MS (read on every retry).
 */
import { ConnectClient } from '@aws-sdk/client-connect';
import { ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import { DefaultRateLimiter } from '@smithy/core/retry';
import type { InitializeHandler, InitializeHandlerArguments, HandlerExecutionContext, MetadataBearer, MiddlewareStack, RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { remainingWorkMs } from './deadline';
import { log } from './logger';

export const MAX_ATTEMPTS = 12;
export const DEFAULT_RETRY_BASE_DELAY_MS = 500;
/** The cap of one backoff, as a multiple of the base: 20 s at the default base. */
export const MAX_RETRY_DELAY_FACTOR = 40;
export const RETRY_BASE_DELAY_ENV = 'PHONE_NUMBERS_RETRY_BASE_DELAY_MS';
/**
 * Longest wait for one HTTP answer (the SDK has none by default: a call that hangs would hang until the
 * Lambda timeout, and a claim sent just before it would leak). The outcome of a timed-out call is
 * unknown; the callers that change numbers look for what it may have done (see resources/).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
export const REQUEST_TIMEOUT_ENV = 'PHONE_NUMBERS_REQUEST_TIMEOUT_MS';
const CONNECTION_TIMEOUT_MS = 5_000;

function requestTimeoutMs(): number {
  const parsed = Number(process.env[REQUEST_TIMEOUT_ENV]);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : DEFAULT_REQUEST_TIMEOUT_MS;
}

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
  const raw = process.env[RETRY_BASE_DELAY_ENV];
  const parsed = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : DEFAULT_RETRY_BASE_DELAY_MS;
}

/** Full jitter: a random delay in [0, min(cap, base * 2^retry)), cap = 40 * base. */
export function backoffDelayMs(retry: number, base = retryBaseDelayMs()): number {
  return Math.floor(Math.random() * Math.min(MAX_RETRY_DELAY_FACTOR * base, base * 2 ** retry));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class Token implements RetryToken {
  constructor(private readonly count: number, private readonly delay: number) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return this.delay;
  }
}

/**
 * Like the SDK's adaptive strategy, without its retry quota (a shared client under a throttling
 * storm would run out of retry tokens and fail fast, which is what must not happen here) and with
 * an overridable base delay.
 */
export class PhoneNumbersRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  // The slowest rate the client falls back to after throttling scales with the base delay (the SDK's
  // 0.5 requests/s at the default base), so that tests with a tiny base never wait on the limiter.
  private readonly rateLimiter = new DefaultRateLimiter({
    minFillRate: 0.5 * (DEFAULT_RETRY_BASE_DELAY_MS / Math.max(retryBaseDelayMs(), 1)),
  });

  constructor(private readonly maxAttempts = MAX_ATTEMPTS) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    await this.rateLimiter.getSendToken();
    return new Token(0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    this.rateLimiter.updateClientSendingRate(errorInfo);
    const retryable = errorInfo.errorType === 'THROTTLING' || errorInfo.errorType === 'TRANSIENT';
    const attempts = token.getRetryCount() + 1;
    if (!retryable || attempts >= this.maxAttempts) throw new Error('No retry token available');
    const delay = backoffDelayMs(token.getRetryCount());
    // No retry that could not finish before the invocation's deadline: stop while cleanup is possible.
    if (delay + requestTimeoutMs() > remainingWorkMs()) throw new Error('No retry token available: the invocation deadline is near');
    await this.rateLimiter.getSendToken();
    return new Token(attempts, delay);
  }

  recordSuccess(): void {
    this.rateLimiter.updateClientSendingRate({} as RetryErrorInfo);
  }
}

type CloudFormationModule = typeof import('@aws-sdk/client-cloudformation');
type CloudFormationClient = InstanceType<CloudFormationModule['CloudFormationClient']>;
type AnyClient = ConnectClient | ChimeSDKVoiceClient | CloudFormationClient;
let cache = new Map<string, AnyClient>();

/** Logs every AWS call once, with its final outcome (after retries). No inputs: nothing secret, nothing large. */
function addCallLogging(stack: MiddlewareStack<object, MetadataBearer>, service: string, region: string): void {
  stack.add(
    (next: InitializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => async (args: InitializeHandlerArguments<object>) => {
      const operation = context.commandName?.replace(/Command$/, '');
      const started = Date.now();
      try {
        const result = await next(args);
        const meta = (result.output as { $metadata?: { attempts?: number; requestId?: string } }).$metadata;
        log().info('AWS call succeeded', { awsService: service, region, operation, attempts: meta?.attempts, awsRequestId: meta?.requestId, ms: Date.now() - started });
        return result;
      } catch (e) {
        const err = e as { name?: string; message?: string; $metadata?: { attempts?: number; httpStatusCode?: number; requestId?: string } };
        log().warn('AWS call failed', {
          awsService: service, region, operation, errorName: err.name, errorMessage: err.message, httpStatusCode: err.$metadata?.httpStatusCode,
          attempts: err.$metadata?.attempts, awsRequestId: err.$metadata?.requestId, ms: Date.now() - started,
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
  return cached('connect', region, () =>
    new ConnectClient(clientSettings(region)),
  );
}

/** The Chime SDK Voice client of a region (the resource's Region property). */
export function chime(region: string): ChimeSDKVoiceClient {
  return cached('chime', region, () =>
    new ChimeSDKVoiceClient(clientSettings(region)),
  );
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
  return cached('cloudformation', region, () =>
    new CloudFormationClient(clientSettings(region)),
  );
}

/** Test hook: forget every cached client, so the next call reads endpoints and credentials again. */
export function resetClients(): void {
  for (const client of cache.values()) client.destroy();
  cache = new Map();
}
