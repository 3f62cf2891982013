import type { Clock, ManualClock } from './types';

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to. Defaults to 2024-01-01T00:00:00Z. */
export function createManualClock(startEpochMs: number = Date.UTC(2024, 0, 1)): ManualClock {
  let current = startEpochMs;
  return {
    now: () => current,
    advance(ms: number): void {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`ManualClock.advance: ms must be a finite non-negative number, got ${ms}`);
      current += ms;
    },
    set(epochMs: number): void {
      current = epochMs;
    },
  };
}
