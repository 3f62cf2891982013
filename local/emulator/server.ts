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
import { DAY_MS, EmulatorState } from './state';
import type { CallLogEntry, Emulator, EmulatorOptions, Fault } from './types';
import { coerceQueryValue, validateInput } from './validation';

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_COOLDOWN_MS = 180 * DAY_MS;
export const DEFAULT_PHONE_NUMBER_QUOTA = 100;

const HANDLERS: Record<ServiceName, Record<string, Handler>> = { connect: CONNECT_HANDLERS, chime: CHIME_HANDLERS };

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
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw validationError(service, 'The request body must be a JSON object.');
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

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? systemClock;
  const defaultAccountId = options.defaultAccountId ?? DEFAULT_ACCOUNT_ID;
  const newState = () => new EmulatorState({
    clock,
    defaultAccountId,
    cooldownMs: options.cooldownMs ?? DEFAULT_COOLDOWN_MS,
    churnWindowMs: options.churnWindowMs ?? DEFAULT_COOLDOWN_MS,
  });
  let state = newState();
  const faults = new FaultRegistry();
  const stacks = new StackRegistry();
  const limiter = new RateLimiter({
    connectRate: options.connectRate,
    chimeRate: options.chimeRate,
    rateOverrides: options.rateOverrides,
    rateScale: options.rateScale,
    clock: options.ratesUseClock ? clock : systemClock,
  });
  let log: CallLogEntry[] = [];
  let seq = 0;

  async function handle(req: http.IncomingMessage): Promise<{ reply: Reply; entry: Omit<CallLogEntry, 'seq' | 'status' | 'output' | 'errorName'> }> {
    const body = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const qIndex = url.indexOf('?');
    const rawPath = qIndex < 0 ? url : url.slice(0, qIndex);
    const query = parseQuery(qIndex < 0 ? '' : url.slice(qIndex + 1));
    const segments = rawPath.split('/').filter((s) => s.length > 0);
    const auth = parseAuthorization(req.headers);
    const signedService = auth.ok ? auth.scope.service : auth.service;
    const knownService = signedService === 'connect' || signedService === 'chime' ? (signedService as ServiceName) : undefined;
    const service: ServiceName = knownService ?? serviceForPath(segments);
    const match = matchRoute(service, method, segments, query);
    const operation = match?.route.operation ?? 'Unknown';
    const consumedFaults: Array<Fault['kind']> = [];
    const entryBase = { service, operation, input: {} as Record<string, unknown> };

    const fail = (err: ServiceError, extra: Partial<typeof entryBase> & { accountId?: string; region?: string } = {}) => ({
      reply: { status: err.status, body: errorBody(service, err), errorName: err.errorName } as Reply,
      entry: { ...entryBase, ...extra, ...(consumedFaults.length ? { fault: consumedFaults[consumedFaults.length - 1] } : {}) },
    });

    if (!auth.ok || !knownService) {
      const reason = auth.ok ? `Credential should be scoped to a valid service: '${auth.scope.service}'` : auth.reason;
      const err = service === 'chime'
        ? new ServiceError('ForbiddenException', 403, reason)
        : new ServiceError('AccessDeniedException', 403, reason);
      return fail(err);
    }
    const accountId = options.accounts?.[auth.scope.accessKeyId] ?? defaultAccountId;
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

    if (!limiter.tryTake(accountId, region, service, operation)) {
      return fail(service === 'chime' ? new ServiceError('ThrottledClientException', 429, 'Rate exceeded') : new ServiceError('ThrottlingException', 429, 'Rate exceeded'), withInput);
    }

    const errorFault = faults.take('error', operation);
    if (errorFault) {
      consumedFaults.push('error');
      const err = new ServiceError(errorFault.errorName, errorFault.status, errorFault.message ?? `Injected ${errorFault.errorName}`,
        errorFault.errorName === 'ResourceInUseException' ? { ResourceType: 'PHONE_NUMBER', ResourceId: String(input.PhoneNumberId ?? '') } : {});
      return fail(err, withInput);
    }
    const delayFault = faults.take('delay', operation);
    if (delayFault) {
      consumedFaults.push('delay');
      await sleep(delayFault.ms);
    }
    const dropFault = faults.take('dropAfterApply', operation);
    if (dropFault) consumedFaults.push('dropAfterApply');
    const hangFault = faults.take('hang', operation);
    if (hangFault) consumedFaults.push('hang');

    let reply: Reply;
    const problem = validateInput(match.route.model, input);
    if (hangFault && hangFault.apply === false) {
      reply = { status: 0 };
    } else if (problem !== undefined) {
      const err = validationError(service, problem);
      reply = { status: err.status, body: errorBody(service, err), errorName: err.errorName };
    } else {
      state.settle();
      const ctx: OperationContext = {
        accountId, region, state, rs: state.region(accountId, region), now: clock.now(), faults,
        asyncDelayMs: options.asyncDelayMs ?? 0,
        phoneNumberQuota: options.phoneNumberQuota ?? DEFAULT_PHONE_NUMBER_QUOTA,
        cooldownMs: options.cooldownMs ?? DEFAULT_COOLDOWN_MS,
        consumedFaults,
      };
      try {
        const out = HANDLERS[service][operation](ctx, input);
        reply = { status: match.route.model.http.code, body: out };
      } catch (e) {
        const err = e instanceof ServiceError ? e
          : service === 'chime' ? new ServiceError('ServiceFailureException', 500, `Emulator failure: ${String(e)}`)
            : new ServiceError('InternalServiceException', 500, `Emulator failure: ${String(e)}`);
        reply = { status: err.status, body: errorBody(service, err), errorName: err.errorName };
      }
    }
    if (dropFault) reply.drop = true;
    if (hangFault) {
      if (hangFault.advanceClockMs && 'advance' in clock && typeof clock.advance === 'function') (clock as { advance(ms: number): void }).advance(hangFault.advanceClockMs);
      reply.hang = true;
    }
    return {
      reply,
      entry: { ...entryBase, ...withInput, ...(consumedFaults.length ? { fault: consumedFaults[consumedFaults.length - 1] } : {}) },
    };
  }

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    // CloudFormation (signing name `cloudformation`): the stacks the local deployer publishes.
    const cfnAuth = parseAuthorization(req.headers);
    if (cfnAuth.ok && cfnAuth.scope.service === 'cloudformation') {
      const accountId = options.accounts?.[cfnAuth.scope.accessKeyId] ?? defaultAccountId;
      serveCloudFormation(req, res, stacks, faults, { accountId, region: cfnAuth.scope.region }).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    handle(req).then(({ reply, entry }) => {
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
        'Date': new Date().toUTCString(),
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(payload),
      };
      if (reply.errorName) headers['x-amzn-ErrorType'] = reply.errorName;
      res.writeHead(reply.status, headers);
      res.end(payload);
    }).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'InternalServiceException', 'x-amzn-RequestId': randomUUID() });
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
