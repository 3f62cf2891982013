/** What an operation handler gets. */
import type { FaultRegistry } from './faults';
import type { EmulatorState, RegionState } from './state';
import type { Fault } from './types';

export interface OperationContext {
  readonly accountId: string;
  readonly region: string;
  readonly state: EmulatorState;
  /** The account's state in the request's region. */
  readonly rs: RegionState;
  readonly now: number;
  readonly faults: FaultRegistry;
  readonly asyncDelayMs: number;
  readonly releaseDelayMs: number;
  readonly phoneNumbersPerTarget: number;
  readonly phoneNumberQuota: number;
  readonly cooldownMs: number;
  /** Cap on a ListPhoneNumbersV2 page (EmulatorOptions.maxPageSize). */
  readonly maxPageSize: number;
  /** Faults consumed while handling (reported in the call log). */
  readonly consumedFaults: Array<Fault['kind']>;
}

/** A handler's result: the JSON body, or undefined for an empty body. */
export type OperationResult = Record<string, unknown> | undefined;

export type Handler = (ctx: OperationContext, input: Record<string, unknown>) => OperationResult;

/** Opaque pagination tokens: the sort key of the last item returned. */
export function encodeToken(operation: string, after: string): string {
  return Buffer.from(JSON.stringify({ o: operation, a: after }), 'utf8').toString('base64');
}

export function decodeToken(operation: string, token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown; a?: unknown };
    return parsed.o === operation && typeof parsed.a === 'string' ? parsed.a : undefined;
  } catch {
    return undefined;
  }
}

/** Sorted page after `after` (exclusive) of at most `max` items. */
export function page<T>(items: readonly T[], key: (t: T) => string, after: string | undefined, max: number): { items: T[]; last?: string } {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((t) => key(t) > after);
  const out = rest.slice(0, max);
  return { items: out, last: rest.length > max ? key(out[out.length - 1]) : undefined };
}
