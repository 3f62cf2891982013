/**
 * Which resource type made which AWS call: the emulator's call log says what was called, not for
 * whom, and a fleet's invocations run interleaved. Every invocation runs inside an AsyncLocalStorage
 * context naming its resource type and phase (onEvent / isComplete); `http.request` (what the SDK's
 * NodeHttpHandler sends with, looked up when a container's first client connects) is wrapped to note
 * each request's operation, found from its signing scope, method and path with the emulator's own
 * route table, and its answer (429 = throttled).
 *
 * Install before the handler containers are started; uninstall when the run ends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
// The module object itself: a namespace import's members are read-only getters.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import http = require('node:http');
import { ON_EVENT_DONE } from '../lambda/events';
import { matchRoute, type ServiceName } from '../local/emulator/model';

export interface CallContext {
  readonly resourceType: string;
  readonly requestType: string;
  readonly phase: 'onEvent' | 'isComplete';
}

/** resource type -> `service:Operation` -> calls answered and throttled. */
export type CallsByType = Record<string, Record<string, { answered: number; throttled: number }>>;

/** `service:Operation` of a request the SDK is about to send, or undefined when it is not recognized. */
export function operationOf(headers: Record<string, unknown>, method: string, pathAndQuery: string, body?: string): string | undefined {
  const auth = String(headers.authorization ?? headers.Authorization ?? '');
  const service = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(auth)?.[1];
  if (service === 'cloudformation') {
    const action = body === undefined ? undefined : new URLSearchParams(body).get('Action');
    return `cloudformation:${action ?? 'Unknown'}`;
  }
  if (service !== 'connect' && service !== 'chime') return undefined;
  const q = pathAndQuery.indexOf('?');
  const rawPath = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : pathAndQuery.slice(q + 1))) (query[k] ??= []).push(v);
  const match = matchRoute(
    service as ServiceName,
    method.toUpperCase(),
    rawPath.split('/').filter((s) => s.length > 0),
    query,
  );
  return `${service}:${match?.route.operation ?? 'Unknown'}`;
}

export class CallAttribution {
  private readonly storage = new AsyncLocalStorage<CallContext>();
  private original: typeof http.request | undefined;
  /** Calls made in each context, keyed `ResourceType` (and, by `byPhase`, `ResourceType/RequestType/phase`). */
  readonly calls: CallsByType = {};
  readonly byPhase: CallsByType = {};

  /** Runs `fn` (one invocation) with its calls counted for `event`'s resource type. */
  run<T>(event: unknown, fn: () => Promise<T>): Promise<T> {
    const e = (event ?? {}) as Record<string, unknown>;
    const context: CallContext = {
      resourceType: String(e.ResourceType ?? 'unknown'),
      requestType: String(e.RequestType ?? 'unknown'),
      phase: ON_EVENT_DONE in e || 'IsComplete' in e ? 'isComplete' : 'onEvent',
    };
    return this.storage.run(context, fn);
  }

  install(): void {
    if (this.original) throw new Error('CallAttribution is installed already');
    const original = http.request;
    this.original = original;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const wrapped = function (this: unknown, ...args: unknown[]): http.ClientRequest {
      const req = (original as (...a: unknown[]) => http.ClientRequest).apply(this, args);
      const context = self.storage.getStore();
      const options = args[0];
      if (!context || typeof options !== 'object' || options === null || options instanceof URL) return req;
      const o = options as { headers?: Record<string, unknown>; method?: string; path?: string };
      let body: string | undefined;
      const end = req.end.bind(req) as (...a: unknown[]) => http.ClientRequest;
      (req as unknown as { end: (...a: unknown[]) => http.ClientRequest }).end = (...a: unknown[]) => {
        if (typeof a[0] === 'string' || Buffer.isBuffer(a[0])) body = String(a[0]);
        return end(...a);
      };
      req.once('response', (res: http.IncomingMessage) => {
        const api = operationOf(o.headers ?? {}, o.method ?? 'GET', o.path ?? '/', body);
        if (api !== undefined) self.note(context, api, res.statusCode === 429);
      });
      return req;
    };
    (http as { request: unknown }).request = wrapped;
  }

  uninstall(): void {
    if (this.original) (http as { request: unknown }).request = this.original;
    this.original = undefined;
  }

  /** Forgets the counts (between the phases of a run). */
  clear(): void {
    for (const k of Object.keys(this.calls)) delete this.calls[k];
    for (const k of Object.keys(this.byPhase)) delete this.byPhase[k];
  }

  private note(c: CallContext, api: string, throttled: boolean): void {
    for (const [into, key] of [
      [this.calls, c.resourceType],
      [this.byPhase, `${c.resourceType}/${c.requestType}/${c.phase}`],
    ] as const) {
      const entry = ((into[key] ??= {})[api] ??= { answered: 0, throttled: 0 });
      if (throttled) entry.throttled++;
      else entry.answered++;
    }
  }
}

/** A deep copy of the counts (a snapshot of one phase). */
export function copyCalls(c: CallsByType): CallsByType {
  return JSON.parse(JSON.stringify(c)) as CallsByType;
}
