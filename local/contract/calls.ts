/**
 * The AWS calls of a contract step, as the fault planner reads them: each with the resource (and the
 * phase of its request) whose invocation made it, and the number it is about.
 */
import type { Emulator } from '../emulator';
import type { RecordedCall } from './faults';
import type { World } from './view';

/** The calls of the step, each with the resource it was made for (from the invocation it happened in). */
export interface Owner {
  readonly from: [number, number];
  readonly to: [number, number];
  readonly logicalId: string;
  readonly phase: string;
}

/** ARN -> E.164 of every number in either world. */
export const phoneNumbersOf = (...worlds: World[]): Map<string, string> =>
  new Map(worlds.flatMap((w) => [...w.numbers].map(([phone, v]) => [v.arn, phone] as const)));

export function recordCalls(emu: Emulator, owners: readonly Owner[], phones: ReadonlyMap<string, string>): RecordedCall[] {
  const seen = new Map<string, number>();
  const next = (op: string) => {
    const n = (seen.get(op) ?? 0) + 1;
    seen.set(op, n);
    return n;
  };
  /** The number a Connect call is about, and which occurrence of the operation for that number this is. */
  const aboutNumber = (c: { operation: string; input: Record<string, unknown> }) => {
    const phoneNumber = typeof c.input.PhoneNumber === 'string' ? c.input.PhoneNumber : phones.get(String(c.input.PhoneNumberId));
    return phoneNumber ? { phoneNumber, numberOccurrence: next(`${c.operation} ${phoneNumber}`) } : {};
  };
  const ownerOf = (log: 0 | 1, i: number) => {
    const running = owners.filter((x) => i >= x.from[log] && i < x.to[log]);
    if (running.length === 0) return {};
    // A rollback or cleanup phase wins: a fault that only a forward request may meet is then not planned there.
    const phase = running.map((o) => o.phase).find((p) => p === 'rollback' || p === 'cleanup') ?? running[0].phase;
    return { resource: [...new Set(running.map((o) => o.logicalId))].sort().join('|'), phase };
  };
  return [
    ...emu.calls().map((c, i) => ({
      service: c.service,
      operation: c.operation,
      occurrence: next(c.operation),
      input: c.input,
      ...ownerOf(0, i),
      ...aboutNumber(c),
    })),
    ...emu.stacks.calls().map((c, i) => ({
      service: 'cloudformation' as const,
      operation: c.operation,
      occurrence: next(c.operation),
      input: c.input as Record<string, unknown>,
      ...ownerOf(1, i),
    })),
  ];
}
