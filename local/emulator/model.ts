/**
 * The vendored service-model extract (model/phone-number-api.json) and the routing table built from it.
 */
import rawModel from './model/phone-number-api.json';

export type ServiceName = 'connect' | 'chime';

/** One member (or nested shape) of the extract. */
export interface MemberShape {
  readonly shape?: string;
  readonly type: 'string' | 'integer' | 'long' | 'boolean' | 'enum' | 'list' | 'map' | 'structure' | 'timestamp' | string;
  readonly required?: boolean;
  readonly length?: { readonly min?: number; readonly max?: number };
  readonly range?: { readonly min?: number; readonly max?: number };
  readonly pattern?: string;
  readonly values?: readonly string[];
  readonly member?: MemberShape;
  readonly key?: MemberShape;
  readonly value?: MemberShape;
  readonly members?: Record<string, MemberShape>;
  readonly httpLabel?: boolean;
  readonly httpQuery?: string;
  readonly idempotencyToken?: boolean;
}

export interface ModelError {
  readonly name: string;
  readonly fault: 'client' | 'server';
  readonly status: number;
  readonly members: readonly string[];
}

export interface OperationModel {
  readonly http: { readonly method: string; readonly uri: string; readonly code: number };
  readonly input: Record<string, MemberShape>;
  readonly output: Record<string, MemberShape>;
  readonly errors: readonly ModelError[];
}

interface RawModel {
  readonly services: Record<string, { readonly operations: Record<string, OperationModel> }>;
}

const model = rawModel as unknown as RawModel;

/** Model service key -> SigV4 signing name used on the wire. */
const SIGNING_NAMES: Record<string, ServiceName> = { connect: 'connect', 'chime-sdk-voice': 'chime' };

export interface Route {
  readonly service: ServiceName;
  readonly operation: string;
  readonly method: string;
  /** Path segments; `{Label}` entries are labels. */
  readonly segments: ReadonlyArray<{ literal: string } | { label: string }>;
  /** Query literals that must be present, e.g. operation=associate-phone-numbers. */
  readonly queryLiterals: Record<string, string>;
  readonly model: OperationModel;
}

function parseRoute(service: ServiceName, operation: string, op: OperationModel): Route {
  const [pathPart, queryPart] = op.http.uri.split('?');
  const segments = pathPart
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = /^\{([^}]+?)\+?\}$/.exec(s);
      return m ? { label: m[1] } : { literal: s };
    });
  const queryLiterals: Record<string, string> = {};
  if (queryPart) {
    for (const pair of queryPart.split('&')) {
      const [k, v] = pair.split('=');
      queryLiterals[k] = v ?? '';
    }
  }
  return { service, operation, method: op.http.method, segments, queryLiterals, model: op };
}

export const ROUTES: readonly Route[] = Object.entries(model.services).flatMap(([svc, def]) =>
  Object.entries(def.operations).map(([name, op]) => parseRoute(SIGNING_NAMES[svc], name, op)),
);

export function operationModel(service: ServiceName, operation: string): OperationModel | undefined {
  return ROUTES.find((r) => r.service === service && r.operation === operation)?.model;
}

export interface RouteMatch {
  readonly route: Route;
  readonly labels: Record<string, string>;
}

/**
 * Finds the operation for a request. `rawSegments` are the still percent-encoded path segments; each
 * is decoded separately so an encoded ARN (`arn%3Aaws%3A...%2F...`) stays one label.
 * With `service` undefined both services are searched (used to answer unsigned requests in the right format).
 */
export function matchRoute(
  service: ServiceName | undefined,
  method: string,
  rawSegments: readonly string[],
  query: Record<string, string[]>,
): RouteMatch | undefined {
  let best: { match: RouteMatch; score: number } | undefined;
  for (const route of ROUTES) {
    if (service && route.service !== service) continue;
    if (route.method !== method) continue;
    if (route.segments.length !== rawSegments.length) continue;
    const labels: Record<string, string> = {};
    let score = 0;
    let ok = true;
    for (let i = 0; i < route.segments.length && ok; i++) {
      const seg = route.segments[i];
      let decoded: string;
      try {
        decoded = decodeURIComponent(rawSegments[i]);
      } catch {
        ok = false;
        break;
      }
      if ('literal' in seg) {
        if (seg.literal !== decoded) ok = false;
        else score += 2;
      } else {
        if (decoded.length === 0) ok = false;
        labels[seg.label] = decoded;
      }
    }
    if (!ok) continue;
    for (const [k, v] of Object.entries(route.queryLiterals)) {
      if (!(query[k] ?? []).includes(v)) ok = false;
      else score += 1;
    }
    if (!ok) continue;
    if (!best || score > best.score) best = { match: { route, labels }, score };
  }
  return best?.match;
}

/** Which service owns this path, judged by its first segment (for requests whose signature gives no service). */
export function serviceForPath(rawSegments: readonly string[]): ServiceName {
  const first = rawSegments[0] ?? '';
  return first === 'voice-connectors' || first === 'phone-numbers' || first === 'voice-connector-groups' ? 'chime' : 'connect';
}
