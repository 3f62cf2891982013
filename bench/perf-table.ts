/**
 * The performance tables of README.md and docs/performance.md, generated from bench/results.json: no
 * figure in them is written by hand. `npm run bench` rewrites them after each run; `npm run perf-table`
 * rewrites them from the results.json in the tree; test/bench/perf-table.test.ts checks that the
 * committed files match the committed results.json.
 *
 * Each table sits between `<!-- perf-table:NAME:start -->` and `<!-- perf-table:NAME:end -->`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The parts of results.json the tables read (every field optional: a section may not have been run). */
export interface PeerFigures {
  readonly seconds: number;
  readonly calls: number;
  readonly throttled: number;
  readonly failures: number;
  readonly leftClaimed: number;
  readonly deployed?: boolean;
  readonly reasons?: string[];
}

interface BoundPhase {
  readonly name: string;
  readonly seconds: number;
  readonly api?: string;
  readonly waitSeconds?: number;
}

export interface Results {
  readonly meta?: {
    readonly node?: string;
    readonly cpus?: number;
    readonly runs?: Record<string, { date?: string; loadAverageAtStart?: number[] }>;
  };
  readonly coldStart?: {
    readonly samples: number;
    readonly ratio: number;
    readonly bundleBytes: number;
    readonly ours: { totalMs: number; requireMs: number; createMs: number; deleteMs: number };
    readonly peer: { totalMs: number; requireMs: number; createMs: number; deleteMs: number };
  };
  readonly synth?: ReadonlyArray<{
    numbers: number;
    bindings: number;
    resources: number;
    seconds: number;
    templateBytes: number;
    handlerFunctions: number;
    samples?: number;
  }>;
  readonly calls?: Record<string, unknown> & {
    readonly minimum?: Record<string, number>;
    readonly all?: Record<string, unknown> & { readonly maximum?: Record<string, number> };
  };
  readonly fleet?: PeerFigures & {
    readonly resources: number;
    readonly rateScale: number;
    readonly latency?: { claimSeconds: number; moveSeconds: number; releaseSeconds: number };
    readonly boundSeconds: number;
    readonly boundRatio: number;
    readonly boundPhases?: BoundPhase[];
    readonly ownCallsBoundPhases?: BoundPhase[];
    readonly callsPerResource?: number;
    readonly throttledPerResource?: number;
    readonly minimumCallsPerResource?: number;
    readonly peers?: { readonly defaultRetries?: PeerFigures; readonly maxAttempts10?: PeerFigures };
  };
  readonly scale?: PeerFigures & {
    readonly numbers: number;
    readonly stacks: number;
    readonly resources: number;
    readonly rateScale: number;
    readonly boundSeconds: number;
    readonly boundRatio: number;
    readonly callsPerResource: number;
    readonly throttledPerResource: number;
    readonly boundPhases?: BoundPhase[];
  };
}

const ROOT = path.join(__dirname, '..');
export const README = path.join(ROOT, 'README.md');
export const PERFORMANCE_DOC = path.join(ROOT, 'docs', 'performance.md');
export const RESULTS = path.join(__dirname, 'results.json');

/** A markdown table: a header row and rows. */
export function markdownTable(header: ReadonlyArray<string | number>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const num = (x: number | undefined, digits = 2): string =>
  x === undefined || !Number.isFinite(x) ? '-' : String(Math.round(x * 10 ** digits) / 10 ** digits);
const perResource = (n: number | undefined, resources: number): string => (n === undefined ? '-' : num(n / resources));

/** Where a section's figures come from: its run's date and load. */
function measured(results: Results, section: string): string {
  const run = results.meta?.runs?.[section];
  if (!run?.date) return '';
  const load = run.loadAverageAtStart?.[0];
  return ` Measured ${run.date.slice(0, 10)}${load === undefined ? '' : `, load average ${num(load, 1)} at the start on ${results.meta?.cpus ?? '?'} cores`}.`;
}

function fleetRow(name: string, f: PeerFigures, resources: number, bound?: { seconds: number; ratio: number }): Array<string | number> {
  return [
    name,
    num(f.seconds),
    bound ? num(bound.seconds) : '',
    bound ? num(bound.ratio, 3) : '',
    f.failures ?? '-',
    f.calls ?? '-',
    perResource(f.calls, resources),
    f.throttled ?? '-',
    perResource(f.throttled, resources),
    f.leftClaimed ?? '-',
  ];
}

const FLEET_HEADER = [
  '',
  'seconds',
  'quota bound (s)',
  'bound / seconds',
  'failures',
  'calls answered',
  'per resource',
  'throttled',
  'per resource',
  'left claimed',
];

/** The fleet and scale runs against their bound, and the peers. */
export function fleetTable(results: Results): string {
  const f = results.fleet;
  const rows: Array<Array<string | number>> = [];
  if (f) {
    rows.push(
      fleetRow(`fleet (${f.resources} resources): cdk-phone-numbers`, f, f.resources, { seconds: f.boundSeconds, ratio: f.boundRatio }),
    );
    const peers = f.peers ?? {};
    if (peers.defaultRetries) rows.push(fleetRow('fleet: `AwsCustomResource`, SDK default retries', peers.defaultRetries, f.resources));
    if (peers.maxAttempts10) rows.push(fleetRow('fleet: `AwsCustomResource`, `AWS_MAX_ATTEMPTS=10`', peers.maxAttempts10, f.resources));
  }
  const s = results.scale;
  if (s)
    rows.push(
      fleetRow(`scale: ${s.numbers} numbers in ${s.stacks} stacks at once (${s.resources} resources)`, s, s.resources, {
        seconds: s.boundSeconds,
        ratio: s.boundRatio,
      }),
    );
  if (rows.length === 0) return '';
  const notes: string[] = [];
  if (f) {
    const l = f.latency;
    notes.push(
      `Fleet: 100 numbers, a binding each, one connector of 100 other numbers; deployed, then destroyed; quotas x${f.rateScale} and every wait / ${f.rateScale}` +
        (l
          ? `; a claim stays IN_PROGRESS ${l.claimSeconds} s, a move ${l.moveSeconds} s, a release ${l.releaseSeconds} s (real seconds).`
          : '.') +
        measured(results, 'fleet'),
    );
  }
  if (s) notes.push(`Scale: quotas x${s.rateScale}, the same latencies.${measured(results, 'scale')}`);
  else notes.push('Scale: not in this results.json (`npm run bench -- --only=scale` measures it).');
  return [markdownTable(FLEET_HEADER, rows), '', ...notes.map((n) => `${n}\n`)].join('\n').trimEnd();
}

/** Calls per operation: mutating, and all (when the run counted them). */
export function callsTable(results: Results): string {
  const c = results.calls;
  if (!c?.minimum) return '';
  const ops = Object.keys(c.minimum);
  const all = c.all;
  const header = ['calls per operation', 'mutating', 'fewest mutating', ...(all ? ['all calls', 'target (all)'] : [])];
  const rows = ops.map((op) => [
    op,
    num(c[op] as number),
    c.minimum?.[op] ?? '-',
    ...(all ? [num(all[op] as number), all.maximum?.[op] ?? '-'] : []),
  ]);
  return `${markdownTable(header, rows)}\n\n${measured(results, 'calls').trim()}`.trimEnd();
}

export function coldStartTable(results: Results): string {
  const c = results.coldStart;
  if (!c?.ours) return '';
  const row = (name: string, p: { totalMs: number; requireMs: number; createMs: number; deleteMs: number }) => [
    name,
    num(p.totalMs, 1),
    num(p.requireMs, 1),
    num(p.createMs, 1),
    num(p.deleteMs, 1),
  ];
  return [
    markdownTable(
      [`cold start (median of ${c.samples} fresh processes each, alternated)`, 'total ms', 'require()', 'first Create', 'first Delete'],
      [
        row(`cdk-phone-numbers (bundle ${Math.round(c.bundleBytes / 1000)} KB)`, c.ours),
        row('`AwsCustomResource` handler + `@aws-sdk/client-connect`', c.peer),
        ['ratio (ours / peer)', num(c.ratio, 3), '', '', ''],
      ],
    ),
    '',
    measured(results, 'coldStart').trim(),
  ]
    .join('\n')
    .trimEnd();
}

export function synthTable(results: Results): string {
  const s = results.synth;
  if (!s || s.length === 0) return '';
  return [
    markdownTable(
      [`synth (median of ${s[0].samples ?? 1}): numbers / bindings`, 'resources', 'seconds', 'template KB', 'Lambda functions'],
      s.map((r) => [`${r.numbers} / ${r.bindings}`, r.resources, num(r.seconds), Math.round(r.templateBytes / 1000), r.handlerFunctions]),
    ),
    '',
    measured(results, 'synth').trim(),
  ]
    .join('\n')
    .trimEnd();
}

/** The bound's phases: which API (or the chain's latency) sets each, and the latency it includes. */
export function boundTable(results: Results): string {
  const rows: Array<Array<string | number>> = [];
  for (const [name, phases] of [
    ['fleet', results.fleet?.boundPhases],
    ['fleet: the calls the handler made, no latency', results.fleet?.ownCallsBoundPhases],
    ['scale', results.scale?.boundPhases],
  ] as const) {
    for (const p of phases ?? []) rows.push([name, p.name, num(p.seconds), p.api ?? 'the latency alone', num(p.waitSeconds ?? 0)]);
  }
  if (rows.length === 0) return '';
  return markdownTable(['run', 'phase', 'bound (s)', 'set by', 'of which latency (s)'], rows);
}

/** The tables of each file, by marker name. */
export function tablesFor(results: Results): { readme: Record<string, string>; doc: Record<string, string> } {
  const summary = [fleetTable(results), coldStartTable(results), synthTable(results)].filter(Boolean).join('\n\n');
  return {
    readme: { summary },
    doc: {
      fleet: fleetTable(results),
      bound: boundTable(results),
      calls: callsTable(results),
      'cold-start': coldStartTable(results),
      synth: synthTable(results),
    },
  };
}

const START = (name: string) => `<!-- perf-table:${name}:start -->`;
const END = (name: string) => `<!-- perf-table:${name}:end -->`;

/** `text` with what stands between the markers of `name` replaced by `content` (a clear error when they are missing). */
export function replaceBetweenMarkers(text: string, name: string, content: string, file = 'the file'): string {
  const start = text.indexOf(START(name));
  const end = text.indexOf(END(name));
  if (start < 0 || end < start)
    throw new Error(`${file} has no ${START(name)} ... ${END(name)} pair: add both markers where the table goes, in that order`);
  const body = content.trim() === '' ? '\n_(not measured yet: `npm run bench`)_\n' : `\n${content.trim()}\n`;
  return `${text.slice(0, start + START(name).length)}${body}${text.slice(end)}`;
}

/** What stands between the markers of `name` in `text` (undefined when they are missing). */
export function betweenMarkers(text: string, name: string): string | undefined {
  const start = text.indexOf(START(name));
  const end = text.indexOf(END(name));
  return start < 0 || end < start ? undefined : text.slice(start + START(name).length, end);
}

/** A file's text with every table of `tables` rewritten. */
export function withTables(text: string, tables: Record<string, string>, file: string): string {
  return Object.entries(tables).reduce((t, [name, content]) => replaceBetweenMarkers(t, name, content, file), text);
}

/** Rewrites the tables of README.md and docs/performance.md from `results`. */
export function writePerfTables(results: Results, files = { readme: README, doc: PERFORMANCE_DOC }): void {
  const tables = tablesFor(results);
  for (const key of ['readme', 'doc'] as const) {
    const file = files[key];
    const text = fs.readFileSync(file, 'utf8');
    const next = withTables(text, tables[key], path.relative(ROOT, file));
    if (next !== text) fs.writeFileSync(file, next);
  }
}

if (require.main === module) {
  writePerfTables(JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as Results);
  process.stdout.write(`wrote the performance tables of README.md and docs/performance.md from ${path.relative(ROOT, RESULTS)}\n`);
}
