/**
 * The contract's matrix (local/contract/matrix.ts): a pairwise covering design of every unknown's
 * readings, small, the same for a seed, and the faults of a case shared out among its rows.
 */
import { assignFaults, DEPLOY_FACTORS, FACTORS, matrix, pairwiseRows, READING_FACTORS, uncoveredPairs } from '../../local/contract/matrix';
import type { Factor, Row } from '../../local/contract/matrix';
import { READING_VALUES } from '../../local/emulator/readings';

const SEEDS = Array.from({ length: 25 }, (_, i) => i + 1);

describe('the pairwise covering design', () => {
  it('has every CloudFormation unknown and every service reading, each with both readings', () => {
    expect(DEPLOY_FACTORS.map((f) => f.name)).toEqual([
      'templateDuringRollback',
      'replacementRollbackPolicy',
      'replacementRollback',
      'concurrency',
    ]);
    expect(READING_FACTORS.map((f) => f.name)).toEqual(Object.keys(READING_VALUES));
    for (const f of FACTORS) expect(f.values.length).toBeGreaterThanOrEqual(2);
  });

  it.each(SEEDS)('covers every pair of readings in 6 rows (the least for ten two-way factors), seed %i', (seed) => {
    const rows = pairwiseRows(FACTORS, seed);
    expect(rows).toHaveLength(6);
    expect(uncoveredPairs(FACTORS, rows)).toEqual([]);
    for (const row of rows) for (const f of FACTORS) expect(f.values).toContain(row[f.name]);
    expect(pairwiseRows(FACTORS, seed)).toEqual(rows);
  });

  it('differs from seed to seed', () => {
    expect(new Set(SEEDS.map((s) => JSON.stringify(pairwiseRows(FACTORS, s)))).size).toBeGreaterThan(1);
  });

  it('covers factors of more than two readings too (greedy), in far fewer rows than every combination', () => {
    const mixed: Factor[] = [
      { name: 'a', values: ['1', '2', '3'] },
      { name: 'b', values: ['x', 'y', 'z'] },
      { name: 'c', values: ['p', 'q'] },
      { name: 'd', values: ['m', 'n', 'o', 'k'] },
      ...FACTORS,
    ];
    const rows = pairwiseRows(mixed, 3);
    expect(uncoveredPairs(mixed, rows)).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(12); // d and a/b alone need 4 x 3
    expect(rows.length).toBeLessThanOrEqual(20);
  });

  it('names the pairs a set of rows misses', () => {
    const two: Factor[] = [
      { name: 'a', values: ['0', '1'] },
      { name: 'b', values: ['0', '1'] },
    ];
    const rows: Row[] = [
      { a: '0', b: '0' },
      { a: '1', b: '1' },
      { a: '0', b: '1' },
    ];
    expect(uncoveredPairs(two, rows)).toEqual(['a=1 & b=0']);
  });

  it("turns a row into the deployer's options and the emulator's readings, with the latencies on", () => {
    for (const v of matrix(7)) {
      expect(v.deployer.concurrency === 1 || v.deployer.concurrency === 4).toBe(true);
      expect(v.deployer.templateDuringRollback).toBe(v.row.templateDuringRollback);
      expect(v.emulator.readings).toEqual(Object.fromEntries(READING_FACTORS.map((f) => [f.name, v.row[f.name]])));
      expect(v.emulator).toMatchObject({
        claimDelayMs: expect.any(Number),
        moveDelayMs: expect.any(Number),
        releaseDelayMs: expect.any(Number),
      });
      expect(Math.min(v.emulator.claimDelayMs!, v.emulator.moveDelayMs!, v.emulator.releaseDelayMs!)).toBeGreaterThan(0);
    }
  });
});

describe('the faults of a case, shared among the rows', () => {
  const planOf = (keys: string[]) => keys.map((key) => ({ key, fault: key }));

  it('runs each fault once, under a row whose clean run made that call, every row getting its share', () => {
    const common = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
    const plans = [planOf(common), planOf([...common, 'only-1']), planOf(common)];
    const assigned = assignFaults(plans, 1);
    expect(assigned.map((a) => a.fault).sort()).toEqual([...common, 'only-1'].sort());
    expect(assigned.find((a) => a.fault === 'only-1')!.row).toBe(1);
    const perRow = [0, 1, 2].map((r) => assigned.filter((a) => a.row === r).length);
    expect(Math.max(...perRow) - Math.min(...perRow)).toBeLessThanOrEqual(1);
  });

  it('moves the rows round with the offset', () => {
    const plans = [planOf(['a', 'b']), planOf(['a', 'b'])];
    expect(assignFaults(plans, 0).map((a) => a.row)).toEqual([0, 1]);
    expect(assignFaults(plans, 1).map((a) => a.row)).toEqual([1, 0]);
  });
});
