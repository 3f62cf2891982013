/**
 * The HTTP front: one node:http server on 127.0.0.1 for both services, told apart by the SigV4 signing
 * name in the credential scope (`connect` / `chime`). Per request: authenticate, route (from the model),
 * decode the input, throttle, apply faults, validate against the model, run the handler, answer in the
 * service's wire format, and log the call.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseAuthorization } from './auth';
import { CHIME_HANDLERS } from './chime';
import { serveCloudFormation, StackRegistry } from './cloudformation';
import { systemClock } from './clock';
import { CONNECT_HANDLERS } from './connect';
import type { Handler, OperationContext } from './context';
import { ServiceError, errorBody, unknownOperation, validationError } from './errors';
import { FaultRegistry } from './faults';
import type { RouteMatch, ServiceName } from './model';
import { matchRoute, serviceForPath } from './model';
import { RateLimiter } from './rate-limit';
import { modelUnder, resolveReadings } from './readings';
import { DAY_MS, EmulatorState } from './state';
import type { CallLogEntry, Clock, Emulator, EmulatorOptions, Fault } from './types';
import { coerceQueryValue, validateInput } from './validation';

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_COOLDOWN_MS = 180 * DAY_MS;
/** Active phone numbers per account and region (the churn limit is 200% of it). */
export const DEFAULT_PHONE_NUMBER_QUOTA = 100;
/** Numbers per instance or traffic distribution group by default (docs/service-facts.md). */
export const DEFAULT_PHONE_NUMBERS_PER_TARGET = 5;

const HANDLERS: Record<ServiceName, Record<string, Handler>> = { connect: CONNECT_HANDLERS, chime: CHIME_HANDLERS };

/** A call's log entry before its answer is known. */
type LogEntryBase = Omit<CallLogEntry, 'seq' | 'status' | 'output' | 'errorName'>;

interface Reply {
  status: number;
  body?: Record<string, unknown>;
  errorName?: string;
  drop?: boolean;
  /** Never answered (a 'hang' fault): the socket stays open until the caller gives up or the emulator stops. */
  hang?: boolean;
}

function parseQuery(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!raw) return out;
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(rawKey);
      value = decodeURIComponent(rawValue);
    } catch {
      key = rawKey;
      value = rawValue;
    }
    (out[key] ??= []).push(value);
  }
  return out;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Path labels, modelled query members and body members, merged. Throws a validation error for bad JSON / query values. */
function decodeInput(service: ServiceName, match: RouteMatch, query: Record<string, string[]>, body: Buffer): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const members = match.route.model.input;
  const queryMembers = Object.entries(members).filter(([, m]) => m.httpQuery !== undefined);
  const hasPayloadMembers = Object.values(members).some((m) => !m.httpLabel && m.httpQuery === undefined);
  if (hasPayloadMembers && body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw validationError(service, 'The request body is not valid JSON.');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw validationError(service, 'The request body must be a JSON object.');
    }
    for (const [name, m] of Object.entries(members)) {
      if (m.httpLabel || m.httpQuery !== undefined) continue;
      const v = (parsed as Record<string, unknown>)[name];
      if (v !== undefined && v !== null) input[name] = v;
    }
  }
  for (const [name, m] of queryMembers) {
    const values = query[m.httpQuery as string];
    if (!values || values.length === 0) continue;
    const coerced = coerceQueryValue(m, values);
    if ('error' in coerced) throw validationError(service, coerced.error);
    input[name] = coerced.value;
  }
  Object.assign(input, match.labels);
  return input;
}

/** The path, query and path segments of a request URL. */
function splitUrl(url: string): { rawPath: string; query: Record<string, string[]>; segments: string[] } {
  const qIndex = url.indexOf('?');
  const rawPath = qIndex < 0 ? url : url.slice(0, qIndex);
  return {
    rawPath,
    query: parseQuery(qIndex < 0 ? '' : url.slice(qIndex + 1)),
    segments: rawPath.split('/').filter((s) => s.length > 0),
  };
}

type Authorization = ReturnType<typeof parseAuthorization>;

/** The service the request is signed for, when it is one the emulator serves. */
function signedService(auth: Authorization): ServiceName | undefined {
  const name = auth.ok ? auth.scope.service : auth.service;
  return name === 'connect' || name === 'chime' ? name : undefined;
}

/** An unsigned, badly signed or wrongly scoped request: each service's 403. */
function authenticationError(service: ServiceName, auth: Authorization): ServiceError {
  const reason = auth.ok ? `Credential should be scoped to a valid service: '${auth.scope.service}'` : auth.reason;
  return service === 'chime' ? new ServiceError('ForbiddenException', 403, reason) : new ServiceError('AccessDeniedException', 403, reason);
}

const throttlingError = (service: ServiceName): ServiceError =>
  new ServiceError(service === 'chime' ? 'ThrottledClientException' : 'ThrottlingException', 429, 'Rate exceeded');

/** The error an injected 'error' fault answers (ResourceInUseException carries the number, as Connect's does). */
function injectedError(fault: Extract<Fault, { kind: 'error' }>, input: Record<string, unknown>): ServiceError {
  const extra =
    fault.errorName === 'ResourceInUseException' ? { ResourceType: 'PHONE_NUMBER', ResourceId: String(input.PhoneNumberId ?? '') } : {};
  return new ServiceError(fault.errorName, fault.status, fault.message ?? `Injected ${fault.errorName}`, extra);
}

const errorReply = (service: ServiceName, err: ServiceError): Reply => ({
  status: err.status,
  body: errorBody(service, err),
  errorName: err.errorName,
});

/** Runs the operation's handler; anything but a ServiceError it throws is the service's own 500. */
function runOperation(service: ServiceName, match: RouteMatch, input: Record<string, unknown>, ctx: OperationContext): Reply {
  try {
    return { status: match.route.model.http.code, body: HANDLERS[service][match.route.operation](ctx, input) };
  } catch (e) {
    if (e instanceof ServiceError) return errorReply(service, e);
    const message = `Emulator failure: ${String(e)}`;
    return errorReply(
      service,
      service === 'chime'
        ? new ServiceError('ServiceFailureException', 500, message)
        : new ServiceError('InternalServiceException', 500, message),
    );
  }
}

/** Moves a manual clock on (a 'hang' fault with advanceClockMs); the system clock cannot be. */
function advanceClock(clock: Clock, ms: number): void {
  if ('advance' in clock && typeof clock.advance === 'function') (clock as { advance(by: number): void }).advance(ms);
}

/** Non-negative numbers for every latency and quota option; a clear error naming the option and the value otherwise. */
export function checkEmulatorOptions(options: EmulatorOptions): void {
  const durations = ['asyncDelayMs', 'claimDelayMs', 'moveDelayMs', 'releaseDelayMs', 'tokenTtlMs', 'cooldownMs', 'churnWindowMs'] as const;
  for (const name of durations) {
    const v = options[name];
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v) || v < 0)) {
      throw new Error(`emulator option ${name} must be a number of milliseconds >= 0, got ${String(v)}`);
    }
  }
  for (const name of ['phoneNumbersPerTarget', 'phoneNumberQuota'] as const) {
    const v = options[name];
    if (v !== undefined && (!Number.isInteger(v) || v < 0))
      throw new Error(`emulator option ${name} must be a whole number >= 0, got ${String(v)}`);
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  if (options.maxPageSize !== undefined && !(Number.isInteger(options.maxPageSize) && options.maxPageSize > 0))
    throw new Error(`invalid maxPageSize: ${options.maxPageSize} (give a whole number of at least 1, or leave it out for no cap)`);
  checkEmulatorOptions(options);
  const readings = resolveReadings(options.readings);
  const asyncDelayMs = options.asyncDelayMs ?? 0;
  const clock = options.clock ?? systemClock;
  const defaultAccountId = options.defaultAccountId ?? DEFAULT_ACCOUNT_ID;
  const newState = () =>
    new EmulatorState({
      clock,
      defaultAccountId,
      cooldownMs: options.cooldownMs ?? DEFAULT_COOLDOWN_MS,
      churnWindowMs: options.churnWindowMs ?? DEFAULT_COOLDOWN_MS,
      importedNumberRelease: options.importedNumberRelease ?? 'return-to-source',
    });
  let state = newState();
  const faults = new FaultRegistry();
  const stacks = new StackRegistry();
  const limiter = new RateLimiter({
    connectRate: options.connectRate,
    chimeRate: options.chimeRate,
    rateOverrides: options.rateOverrides,
    rateScale: options.rateScale,
    clock: options.rateClock ?? (options.ratesUseClock ? clock : systemClock),
  });
  let log: CallLogEntry[] = [];
  let seq = 0;

  /** The account an access key belongs to (options.accounts), the default account for any other key. */
  const accountOf = (accessKeyId: string): string => options.accounts?.[accessKeyId] ?? defaultAccountId;

  /** The context of one operation on valid input, after every due state change has been applied. */
  function operationContext(accountId: string, region: string, consumedFaults: Array<Fault['kind']>): OperationContext {
    state.settle();
    return {
      accountId,
      region,
      state,
      rs: state.region(accountId, region),
      now: clock.now(),
      faults,
      asyncDelayMs,
      claimDelayMs: options.claimDelayMs ?? asyncDelayMs,
      moveDelayMs: options.moveDelayMs ?? asyncDelayMs,
      tokenTtlMs: options.tokenTtlMs ?? Infinity,
      readings,
      releaseDelayMs: options.releaseDelayMs ?? 0,
      phoneNumbersPerTarget: options.phoneNumbersPerTarget ?? DEFAULT_PHONE_NUMBERS_PER_TARGET,
      phoneNumberQuota: options.phoneNumberQuota ?? DEFAULT_PHONE_NUMBER_QUOTA,
      cooldownMs: options.cooldownMs ?? DEFAULT_COOLDOWN_MS,
      maxPageSize: options.maxPageSize ?? Infinity,
      consumedFaults,
    };
  }

  /** Validates the input against the model, then runs the operation. */
  function answer(
    service: ServiceName,
    match: RouteMatch,
    input: Record<string, unknown>,
    accountId: string,
    region: string,
    consumedFaults: Array<Fault['kind']>,
  ): Reply {
    const problem = validateInput(modelUnder(readings, match.route.model), input);
    if (problem !== undefined) return errorReply(service, validationError(service, problem));
    return runOperation(service, match, input, operationContext(accountId, region, consumedFaults));
  }

  async function handle(req: http.IncomingMessage): Promise<{ reply: Reply; entry: LogEntryBase }> {
    const body = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const { rawPath, query, segments } = splitUrl(req.url ?? '/');
    const auth = parseAuthorization(req.headers);
    const knownService = signedService(auth);
    const service: ServiceName = knownService ?? serviceForPath(segments);
    const match = matchRoute(service, method, segments, query);
    const operation = match?.route.operation ?? 'Unknown';
    const consumedFaults: Array<Fault['kind']> = [];
    const entryBase = { service, operation, input: {} as Record<string, unknown> };
    const lastFault = () => (consumedFaults.length ? { fault: consumedFaults[consumedFaults.length - 1] } : {});
    const fail = (err: ServiceError, extra: Partial<typeof entryBase> & { accountId?: string; region?: string } = {}) => ({
      reply: errorReply(service, err),
      entry: { ...entryBase, ...extra, ...lastFault() },
    });

    if (!auth.ok || !knownService) return fail(authenticationError(service, auth));
    const accountId = accountOf(auth.scope.accessKeyId);
    const region = auth.scope.region;
    const scoped = { accountId, region };
    if (!match) return fail(unknownOperation(method, rawPath), scoped);

    let input: Record<string, unknown>;
    try {
      input = decodeInput(service, match, query, body);
    } catch (e) {
      if (e instanceof ServiceError) return fail(e, scoped);
      throw e;
    }
    const withInput = { ...scoped, input };

    if (!limiter.tryTake(accountId, region, service, operation)) return fail(throttlingError(service), withInput);

    // Each fault is taken when its moment comes (a delay's sleep lets other calls take the later ones).
    const take = <K extends Fault['kind']>(kind: K) => {
      const fault = faults.take(kind, operation);
      if (fault) consumedFaults.push(kind);
      return fault;
    };
    const errorFault = take('error');
    if (errorFault) return fail(injectedError(errorFault, input), withInput);
    const delayFault = take('delay');
    if (delayFault) await sleep(delayFault.ms);
    const dropFault = take('dropAfterApply');
    const hangFault = take('hang');

    // A hang that does not apply never reaches the operation; every other call is answered (then maybe dropped or hung).
    const reply: Reply = hangFault?.apply === false ? { status: 0 } : answer(service, match, input, accountId, region, consumedFaults);
    if (dropFault) reply.drop = true;
    if (hangFault) {
      if (hangFault.advanceClockMs) advanceClock(clock, hangFault.advanceClockMs);
      reply.hang = true;
    }
    return { reply, entry: { ...entryBase, ...withInput, ...lastFault() } };
  }

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    // CloudFormation (signing name `cloudformation`): the stacks the local deployer publishes.
    const cfnAuth = parseAuthorization(req.headers);
    if (cfnAuth.ok && cfnAuth.scope.service === 'cloudformation') {
      const accountId = accountOf(cfnAuth.scope.accessKeyId);
      serveCloudFormation(req, res, stacks, faults, { accountId, region: cfnAuth.scope.region }).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    handle(req)
      .then(({ reply, entry }) => {
        log.push({
          seq: ++seq,
          ...entry,
          status: reply.status,
          ...(reply.body !== undefined ? { output: reply.body } : {}),
          ...(reply.status >= 400 && reply.errorName ? { errorName: reply.errorName } : {}),
        });
        if (reply.drop) {
          req.socket.destroy();
          return;
        }
        if (reply.hang) return;
        const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
        const headers: http.OutgoingHttpHeaders = {
          'x-amzn-RequestId': randomUUID(),
          Date: new Date().toUTCString(),
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        };
        if (reply.errorName) headers['x-amzn-ErrorType'] = reply.errorName;
        res.writeHead(reply.status, headers);
        res.end(payload);
      })
      .catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, {
            'Content-Type': 'application/json',
            'x-amzn-ErrorType': 'InternalServiceException',
            'x-amzn-RequestId': randomUUID(),
          });
          res.end(JSON.stringify({ Message: `Emulator failure: ${String(e)}` }));
        }
      });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop(): Promise<void> {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
      return stopped;
    },
    seedAvailableNumbers: (seed) => state.seedAvailableNumbers(seed),
    seedInstance: (seed) => state.seedInstance(seed),
    seedTrafficDistributionGroup: (seed) => state.seedTrafficDistributionGroup(seed),
    seedContactFlow: (seed) => state.seedContactFlow(seed),
    seedVoiceConnector: (seed) => state.seedVoiceConnector(seed),
    seedChimeNumber: (seed) => state.seedChimeNumber(seed),
    seedClaimedNumber: (seed) => state.seedClaimedNumber(seed),
    seedSourceNumber: (seed) => state.seedSourceNumber(seed),
    injectFault: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    calls: () => log.map((e) => ({ ...e })),
    clearCalls: () => {
      log = [];
    },
    snapshot: (scope) => state.snapshot(scope),
    stacks,
    reset: () => {
      state = newState();
      faults.clear();
      log = [];
      stacks.reset();
    },
  };
}
