/**
 * The matrix the contract suite runs across (issue 16): every unknown the documentation does not settle,
 * each a factor with its readings: CloudFormation's (the template GetTemplate serves during an update
 * rollback, the policy that governs a replacement's new physical id on rollback, the shape of that
 * rollback, how many resources run at once) and the emulator's service readings (local/emulator/readings.ts).
 *
 * Every combination is 2^10 runs of every scenario; a pairwise covering design instead gives a few
 * combinations ("rows") in which every reading of every factor meets every reading of every other
 * factor at least once. Each scenario runs under one row, chosen with a seed; every row is used in
 * every case, so every reading, and every pair of readings, is exercised in every run.
 */
import type { EmulatorOptions, ServiceReadings } from '../emulator';
import { READING_VALUES } from '../emulator/readings';

/** One unknown and its readings (the default first). */
export interface Factor {
  readonly name: string;
  readonly values: readonly string[];
}

/** One combination: factor name -> reading. */
export type Row = Readonly<Record<string, string>>;

/** The CloudFormation unknowns, as LocalDeployer options (local/deploy/types.ts). */
export const DEPLOY_FACTORS: readonly Factor[] = [
  { name: 'templateDuringRollback', values: ['previous', 'current'] },
  { name: 'replacementRollbackPolicy', values: ['DeletionPolicy', 'UpdateReplacePolicy'] },
  { name: 'replacementRollback', values: ['delete', 'update-then-delete'] },
  { name: 'concurrency', values: ['1', '4'] },
];

/** The emulator's service readings (EmulatorOptions.readings). */
export const READING_FACTORS: readonly Factor[] = Object.entries(READING_VALUES).map(([name, values]) => ({ name, values }));

export const FACTORS: readonly Factor[] = [...DEPLOY_FACTORS, ...READING_FACTORS];

/** The stand-in's latencies, on in every row: a claim, a move and a release each take time on the deploy's clock. */
export const LATENCIES = { claimDelayMs: 20_000, moveDelayMs: 10_000, releaseDelayMs: 30_000 } as const satisfies EmulatorOptions;
/**
 * In every row, a ListPhoneNumbersV2 page holds at most 2 numbers, whatever MaxResults asks: the world's
 * few numbers then span several pages, and a lookup that reads only the first one misses numbers.
 */
export const PAGE_SIZE = 2;
/** Numbers one instance may hold (the emulator's default quota, named: the 'quota' fault fills targets up to it). */
export const PER_TARGET = 5;

/** A small seeded generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pairKey = (f: number, a: string, g: number, b: string): string => (f < g ? `${f}=${a}|${g}=${b}` : `${g}=${b}|${f}=${a}`);

/** Every pair of readings of two different factors, as keys. */
function allPairs(factors: readonly Factor[]): Set<string> {
  const out = new Set<string>();
  factors.forEach((f, i) =>
    factors.slice(i + 1).forEach((g, d) => f.values.forEach((a) => g.values.forEach((b) => out.add(pairKey(i, a, i + 1 + d, b))))),
  );
  return out;
}

/** The pairs no row covers, as 'factor=reading & factor=reading' (empty: the rows are a pairwise covering design). */
export function uncoveredPairs(factors: readonly Factor[], rows: readonly Row[]): string[] {
  const left = allPairs(factors);
  for (const row of rows)
    factors.forEach((f, i) => factors.forEach((g, j) => i < j && left.delete(pairKey(i, row[f.name], j, row[g.name]))));
  return [...left].map((k) =>
    k
      .split('|')
      .map((p) => `${factors[Number(p.split('=')[0])].name}=${p.slice(p.indexOf('=') + 1)}`)
      .join(' & '),
  );
}

/** One candidate row: the given pair, then each other factor (in a random order) set to the reading that covers most. */
function candidate(factors: readonly Factor[], left: Set<string>, seedPair: string, next: () => number): string[] {
  const row: string[] = new Array<string>(factors.length);
  for (const p of seedPair.split('|')) row[Number(p.split('=')[0])] = p.slice(p.indexOf('=') + 1);
  const order = factors.map((_, i) => i).filter((i) => row[i] === undefined);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const f of order) {
    const gain = (v: string) => row.reduce((n, w, g) => (w !== undefined && left.has(pairKey(f, v, g, w)) ? n + 1 : n), 0);
    row[f] = factors[f].values.reduce((best, v) => (gain(v) > gain(best) ? v : best), factors[f].values[0]);
  }
  return row;
}

/** One greedy design (AETG-like): rows are added until every pair is in one, each the best of a few candidates. */
function greedyRows(factors: readonly Factor[], next: () => number, candidates: number): Row[] {
  const left = allPairs(factors);
  const rows: Row[] = [];
  while (left.size > 0) {
    const pending = [...left];
    let best: string[] = [];
    let bestGain = -1;
    for (let c = 0; c < candidates; c++) {
      const row = candidate(factors, left, pending[Math.floor(next() * pending.length)], next);
      const gain = pending.filter((k) => k.split('|').every((p) => row[Number(p.split('=')[0])] === p.slice(p.indexOf('=') + 1))).length;
      if (gain > bestGain) [best, bestGain] = [row, gain];
    }
    factors.forEach((_, i) => factors.forEach((__, j) => i < j && left.delete(pairKey(i, best[i], j, best[j]))));
    rows.push(Object.fromEntries(factors.map((f, i) => [f.name, best[i]])));
  }
  return rows;
}

/** The subsets of {1, ..., n} with `size` members. */
function subsets(n: number, size: number): number[][] {
  if (size === 0) return [[]];
  if (n < size) return [];
  return [...subsets(n - 1, size), ...subsets(n - 1, size - 1).map((s) => [...s, n])];
}

/**
 * For factors of two readings each, the least design there is (Kleitman and Spencer): n rows, the
 * smallest n with C(n-1, ceil(n/2)) >= the number of factors. Row 0 is every first reading; each factor
 * takes its second reading in the rows of its own ceil(n/2)-subset of {1..n-1}. Two such subsets always
 * meet (2 ceil(n/2) > n-1) and each has a row the other lacks, so every pair of readings is in a row.
 */
function binaryRows(factors: readonly Factor[], next: () => number): Row[] {
  let n = 2;
  while (subsets(n - 1, Math.ceil(n / 2)).length < factors.length) n++;
  const columns = subsets(n - 1, Math.ceil(n / 2));
  for (let i = columns.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [columns[i], columns[j]] = [columns[j], columns[i]];
  }
  return Array.from({ length: n }, (_, r) => Object.fromEntries(factors.map((f, i) => [f.name, f.values[columns[i].includes(r) ? 1 : 0]])));
}

/**
 * A pairwise covering design, seeded: the least one when every factor has two readings (6 rows for ten
 * factors), else the smallest of a few greedy designs.
 */
export function pairwiseRows(factors: readonly Factor[], seed: number, tries = 12, candidates = 6): Row[] {
  const next = random(seed);
  if (factors.every((f) => f.values.length === 2)) return binaryRows(factors, next);
  let best: Row[] | undefined;
  for (let t = 0; t < tries; t++) {
    const rows = greedyRows(factors, next, candidates);
    if (!best || rows.length < best.length) best = rows;
  }
  return best!;
}

/** What a row sets: the deployer's options and the emulator's (its readings, with the latencies). */
export interface Variant {
  /** 1-based, as printed in scenario names ('[row 3]'). */
  readonly index: number;
  readonly row: Row;
  readonly deployer: {
    readonly templateDuringRollback: 'previous' | 'current';
    readonly replacementRollbackPolicy: 'DeletionPolicy' | 'UpdateReplacePolicy';
    readonly replacementRollback: 'delete' | 'update-then-delete';
    readonly concurrency: number;
  };
  readonly emulator: EmulatorOptions;
}

export function variantOf(row: Row, index: number): Variant {
  const readings = Object.fromEntries(READING_FACTORS.map((f) => [f.name, row[f.name]])) as ServiceReadings;
  return {
    index,
    row,
    deployer: {
      templateDuringRollback: row.templateDuringRollback as Variant['deployer']['templateDuringRollback'],
      replacementRollbackPolicy: row.replacementRollbackPolicy as Variant['deployer']['replacementRollbackPolicy'],
      replacementRollback: row.replacementRollback as Variant['deployer']['replacementRollback'],
      concurrency: Number(row.concurrency),
    },
    emulator: { ...LATENCIES, maxPageSize: PAGE_SIZE, phoneNumbersPerTarget: PER_TARGET, readings },
  };
}

/** The rows of a run: a pairwise covering design of every factor, seeded. */
export function matrix(seed: number): Variant[] {
  return pairwiseRows(FACTORS, seed).map((row, i) => variantOf(row, i + 1));
}

/** How a scenario's name ends: '[row 3]', or '[row 3, concurrency 4]' with resources in flight at once. */
export const rowLabel = (v: Variant): string =>
  `[row ${v.index}${v.deployer.concurrency > 1 ? `, concurrency ${v.deployer.concurrency}` : ''}]`;

/** 'row 3: templateDuringRollback=current, ...' (the readings that differ from the defaults). */
export function describeVariant(v: Variant): string {
  const set = FACTORS.filter((f) => v.row[f.name] !== f.values[0]).map((f) => `${f.name}=${v.row[f.name]}`);
  return `row ${v.index}: ${set.length > 0 ? set.join(', ') : 'every default'}`;
}

/**
 * Which row each fault of a case runs under. `plans[r]` holds the faults planned from the case's clean
 * run under row r (by key); each key runs once, under one of the rows whose clean run had that call,
 * those rows taken in turn from `offset` so that the rows share a case's faults evenly.
 */
export function assignFaults<F>(
  plans: ReadonlyArray<ReadonlyArray<{ key: string; fault: F }>>,
  offset: number,
): Array<{ row: number; fault: F }> {
  const rowsOf = new Map<string, number[]>();
  plans.forEach((plan, r) => plan.forEach(({ key }) => rowsOf.set(key, [...(rowsOf.get(key) ?? []), r])));
  return [...rowsOf].map(([key, rows], i) => {
    const row = rows[(offset + i) % rows.length];
    return { row, fault: plans[row].find((p) => p.key === key)!.fault };
  });
}
