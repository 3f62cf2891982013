import { medianParts, oursFirst } from '../../bench/cold-start';
import { scaleConnectorId, splitStacks, totals } from '../../bench/fleet';
import { NO_LATENCY, REALISTIC_LATENCY, emulatorOptions, scaledDelaysMs } from '../../bench/settings';
import { medianResult } from '../../bench/synth';
import { SIMULATED_ASYNC_MS, SIMULATED_RELEASE_MS } from '../../local/start/stand-in';

describe('the parts of the fleet, scale, cold-start and synth benchmarks', () => {
  it("runs the fleet with the stand-in's latencies, compressed like every other wait", () => {
    expect(REALISTIC_LATENCY).toEqual({
      claimSeconds: SIMULATED_ASYNC_MS / 1000,
      moveSeconds: SIMULATED_ASYNC_MS / 1000,
      releaseSeconds: SIMULATED_RELEASE_MS / 1000,
    });
    expect(scaledDelaysMs({ claimSeconds: 30, moveSeconds: 15, releaseSeconds: 3 }, 1.5)).toEqual({
      claimDelayMs: 20_000,
      moveDelayMs: 10_000,
      releaseDelayMs: 2_000,
    });
    expect(emulatorOptions(2, NO_LATENCY)).toMatchObject({ rateScale: 2, claimDelayMs: 0, moveDelayMs: 0, releaseDelayMs: 0 });
    expect(() => scaledDelaysMs(NO_LATENCY, 0)).toThrow(/rateScale must be positive, got 0/);
  });

  it('splits numbers into stacks of equal size, each with its connector, the last one taking the rest', () => {
    const ids = [0, 1, 2].map(scaleConnectorId);
    expect(splitStacks('Scale', 10, 3, ids)).toEqual([
      { name: 'Scale1', from: 0, count: 4, connectorId: ids[0] },
      { name: 'Scale2', from: 4, count: 4, connectorId: ids[1] },
      { name: 'Scale3', from: 8, count: 2, connectorId: ids[2] },
    ]);
    expect(splitStacks('Fleet', 5, 1, ids)).toEqual([{ name: 'Fleet', from: 0, count: 5, connectorId: ids[0] }]);
    expect(() => splitStacks('S', 10, 0, ids)).toThrow(/stacks must be a whole number >= 1, got 0/);
    expect(() => splitStacks('S', 10, 4, ids)).toThrow(/4 stacks need 4 connector ids, got 3/);
  });

  it('names connectors as Chime SDK Voice spells their ids: 21-22 lowercase alphanumerics', () => {
    for (const i of [0, 4, 12345678]) expect(scaleConnectorId(i)).toMatch(/^[a-z0-9]{21,22}$/);
    expect(scaleConnectorId(1)).not.toBe(scaleConnectorId(2));
  });

  it('adds up the answered and the throttled calls of every API', () => {
    expect(totals({ 'connect:A': { answered: 3, throttled: 1 }, 'chime:B': { answered: 2, throttled: 0 } })).toEqual({
      calls: 5,
      throttled: 1,
    });
    expect(totals({})).toEqual({ calls: 0, throttled: 0 });
  });

  it('takes the median of each cold-start part on its own, and alternates which side goes first', () => {
    const parts = (totalMs: number, requireMs: number) => ({ totalMs, requireMs, createMs: totalMs - requireMs, deleteMs: 0 });
    expect(medianParts([parts(100, 90), parts(300, 10), parts(200, 50)])).toEqual({
      totalMs: 200,
      requireMs: 50,
      createMs: 150,
      deleteMs: 0,
    });
    expect([0, 1, 2, 3].map(oursFirst)).toEqual([true, false, true, false]);
  });

  it("gives a synth size the median of its samples' seconds and counts them", () => {
    const r = (seconds: number) => ({ numbers: 1, bindings: 1, resources: 20, templateBytes: 5, handlerFunctions: 4, seconds });
    expect(medianResult([r(3), r(1), r(2), r(9), r(1.5)])).toEqual({ ...r(2), samples: 5 });
    expect(() => medianResult([])).toThrow(/no samples/);
  });
});
