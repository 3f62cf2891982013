/**
 * `npm run bench`: cold start, synth scale, API-call economy, the fleet deploy and the scale run, side
 * by side with what users would otherwise pick. Prints a table, writes bench/results.json and the
 * performance tables of README.md and docs/performance.md generated from it (./perf-table).
 *
 *   npm run bench                      # everything (about 15 minutes on 2 cores)
 *   npm run bench -- --only=fleet,calls
 *
 * A run of some sections keeps the other sections of the results.json it finds.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CallsByType } from './attribution';
import { fleetMinimumCalls } from './bound';
import { MAXIMUM_ALL_CALLS, MINIMUM_MUTATING_CALLS, benchCalls, perResource, type CallsResult, type Operation } from './calls';
import { benchColdStart, type ColdStartParts, type ColdStartResult } from './cold-start';
import { benchFleet, benchScale, quotaBound, totals, type FleetResult, type RunResult, type ScaleResult } from './fleet';
import { writePerfTables, type Results } from './perf-table';
import { RATE_SCALE, SCALE_RATE_SCALE } from './settings';
import { benchSynth } from './synth';

export const FLEET_NUMBERS = 100;
/** The scale run: this many numbers (each with a binding), in this many stacks deploying at once. */
export const SCALE_NUMBERS = 1000;
export const SCALE_STACKS = 5;
const RESULTS = path.join(__dirname, 'results.json');
const SECTIONS = ['coldStart', 'synth', 'calls', 'fleet', 'scale'] as const;
type Section = (typeof SECTIONS)[number];

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

function table(rows: Array<Array<string | number>>): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
}

/** `type -> api -> "answered/throttled"`, sorted, for reading. */
function byType(calls: CallsByType): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.keys(calls)
      .sort()
      .map((t) => [
        t,
        Object.fromEntries(
          Object.keys(calls[t])
            .sort()
            .map((api) => [api, `${calls[t][api].answered}/${calls[t][api].throttled}`]),
        ),
      ]),
  );
}

const perApi = (calls: RunResult['calls']) =>
  Object.fromEntries(Object.entries(calls).map(([api, c]) => [api, `${c.answered} answered, ${c.throttled} throttled`]));

/** A peer's run: what the issue compares (seconds, calls, throttled, failures, leftClaimed), then detail. */
function peerJson(r: RunResult) {
  return {
    seconds: round(r.seconds),
    ...totals(r.calls),
    failures: r.failures,
    leftClaimed: r.leftClaimed,
    deployed: r.deployed,
    deploySeconds: round(r.deploySeconds),
    destroySeconds: round(r.destroySeconds),
    reasons: r.reasons,
    apiCalls: perApi(r.calls),
  };
}

function fleetJson(f: FleetResult) {
  // The same bound over the calls the handler actually made: how close its retries came to the quotas
  // for what it asked (the gap to boundSeconds beyond that is calls above the minimum).
  const own = quotaBound(f.ours.phaseCalls, f.rateScale);
  // Every call the handler made (answered; reads and CloudFormation included) and every throttled one, per resource.
  const economy = perResource([f.ours.callsByType.deploy, f.ours.callsByType.destroy], fleetMinimumCalls(FLEET_NUMBERS), f.resources);
  return {
    resources: f.resources,
    rateScale: f.rateScale,
    latency: f.latency,
    boundSeconds: round(f.bound.seconds),
    seconds: round(f.ours.seconds),
    boundRatio: round(f.bound.seconds / f.ours.seconds, 3),
    failures: f.ours.failures,
    ...totals(f.ours.calls),
    callsPerResource: round(economy.callsPerResource),
    minimumCallsPerResource: round(economy.minimumCallsPerResource),
    throttledPerResource: round(economy.throttledPerResource),
    peers: { defaultRetries: peerJson(f.peers.defaultRetries), maxAttempts10: peerJson(f.peers.maxAttempts10) },
    boundPhases: f.bound.phases.map((p) => ({ ...p, seconds: round(p.seconds) })),
    ownCallsBoundSeconds: round(own.seconds),
    ownCallsBoundRatio: round(own.seconds / f.ours.seconds, 3),
    ownCallsBoundPhases: own.phases.map((p) => ({ ...p, seconds: round(p.seconds) })),
    deploySeconds: round(f.ours.deploySeconds),
    destroySeconds: round(f.ours.destroySeconds),
    leftClaimed: f.ours.leftClaimed,
    lambdaContainers: f.ours.containers,
    peakConcurrency: f.ours.peakConcurrency,
    apiCalls: perApi(f.ours.calls),
    // Which resource type made the calls of each phase (answered, throttled), and per request and phase.
    callsByResourceType: { deploy: byType(f.ours.callsByType.deploy), destroy: byType(f.ours.callsByType.destroy) },
    callsByRequest: { deploy: byType(f.ours.callsByRequest.deploy), destroy: byType(f.ours.callsByRequest.destroy) },
  };
}

function scaleJson(s: ScaleResult) {
  const t = totals(s.run.calls);
  return {
    numbers: s.numbers,
    stacks: s.stacks,
    resources: s.resources,
    rateScale: s.rateScale,
    latency: s.latency,
    seconds: round(s.run.seconds),
    boundSeconds: round(s.bound.seconds),
    boundRatio: round(s.bound.seconds / s.run.seconds, 3),
    failures: s.run.failures,
    reasons: s.run.reasons,
    leftClaimed: s.run.leftClaimed,
    ...t,
    callsPerResource: round(t.calls / s.resources),
    throttledPerResource: round(t.throttled / s.resources),
    deploySeconds: round(s.run.deploySeconds),
    destroySeconds: round(s.run.destroySeconds),
    boundPhases: s.bound.phases.map((p) => ({ ...p, seconds: round(p.seconds) })),
    lambdaContainers: s.run.containers,
    apiCalls: perApi(s.run.calls),
  };
}

const partsJson = (p: ColdStartParts) => ({
  totalMs: round(p.totalMs, 1),
  requireMs: round(p.requireMs, 1),
  createMs: round(p.createMs, 1),
  deleteMs: round(p.deleteMs, 1),
});

function coldStartJson(c: ColdStartResult) {
  return { bundleBytes: c.bundleBytes, samples: c.samples, ratio: round(c.ratio, 3), ours: partsJson(c.ours), peer: partsJson(c.peer) };
}

function callsJson(c: CallsResult) {
  return {
    ...c.counts,
    minimum: MINIMUM_MUTATING_CALLS,
    detail: c.detail,
    all: { ...c.all, maximum: MAXIMUM_ALL_CALLS, detail: c.allDetail },
  };
}

/** The results.json of the last run, or nothing when there is none (or it is not JSON). */
function readPrevious(): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function parseOnly(argv: string[]): Set<Section> {
  const arg = argv.find((a) => a.startsWith('--only='));
  if (!arg) return new Set(SECTIONS);
  const wanted = arg.slice('--only='.length).split(',').filter(Boolean);
  for (const w of wanted) {
    if (!(SECTIONS as readonly string[]).includes(w))
      throw new Error(`--only: unknown section '${w}' (choose from ${SECTIONS.join(', ')})`);
  }
  return new Set(wanted as Section[]);
}

async function main(): Promise<void> {
  const only = parseOnly(process.argv.slice(2));
  const started = Date.now();
  const command = `npm run bench${only.size < SECTIONS.length ? ` -- --only=${[...only].join(',')}` : ''}`;
  // The sections not run now keep their figures, and the record of the run that measured them.
  const previous = readPrevious();
  const runs = { ...((previous.meta as { runs?: Record<string, unknown> } | undefined)?.runs ?? {}) };
  const results: Record<string, unknown> = {
    ...previous,
    meta: {
      command,
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverageAtStart: os.loadavg().map((x) => round(x)),
      runs,
    },
  };
  const out: string[] = [];
  const begin = () => ({ date: new Date().toISOString(), loadAverageAtStart: os.loadavg().map((x) => round(x)) });
  // After each section: its run's record, results.json and the tables, so that a later section's failure loses nothing.
  // Merged into the file as it is now: another run of other sections may have saved since this one began.
  const save = (section: Section, begun: ReturnType<typeof begin>) => {
    runs[section] = { command, ...begun, loadAverageAtEnd: os.loadavg().map((x) => round(x)) };
    const now = readPrevious();
    const nowRuns = (now.meta as { runs?: Record<string, unknown> } | undefined)?.runs ?? {};
    const merged = {
      ...now,
      meta: { ...(results.meta as object), runs: { ...nowRuns, [section]: runs[section] } },
      [section]: results[section],
    };
    fs.writeFileSync(RESULTS, `${JSON.stringify(merged, null, 2)}\n`);
    writePerfTables(merged as Results);
  };

  if (only.has('coldStart')) {
    const begun = begin();
    process.stderr.write('cold start...\n');
    const c = await benchColdStart(15);
    results.coldStart = coldStartJson(c);
    out.push(
      `Cold start: require() + the first Create and Delete of a number to their end (median of ${c.samples} fresh processes each, alternated)`,
      table([
        ['handler', 'total ms', 'require', 'create', 'delete'],
        ['cdk-phone-numbers', ...Object.values(partsJson(c.ours))],
        ['AwsCustomResource', ...Object.values(partsJson(c.peer))],
        ['ratio (target <= 1.0)', round(c.ratio, 3), '', '', ''],
      ]),
      '',
    );
    save('coldStart', begun);
  }

  if (only.has('synth')) {
    const begun = begin();
    process.stderr.write('synth...\n');
    const s = benchSynth();
    results.synth = s.map((r) => ({ ...r, seconds: round(r.seconds) }));
    out.push(
      'Synth (median of 5 each; target: < 60 s each, handler functions constant)',
      table([
        ['numbers', 'bindings', 'resources', 'seconds', 'template bytes', 'handler functions'],
        ...s.map((r) => [r.numbers, r.bindings, r.resources, round(r.seconds), r.templateBytes, r.handlerFunctions]),
      ]),
      '',
    );
    save('synth', begun);
  }

  if (only.has('calls')) {
    const begun = begin();
    process.stderr.write('calls...\n');
    const c = await benchCalls();
    results.calls = callsJson(c);
    out.push(
      'AWS calls per operation: mutating, and all (reads and CloudFormation included)',
      table([
        ['operation', 'calls', 'minimum', 'all calls', 'target', 'which'],
        ...(Object.keys(MINIMUM_MUTATING_CALLS) as Operation[]).map((op) => [
          op,
          c.counts[op],
          MINIMUM_MUTATING_CALLS[op],
          c.all[op],
          MAXIMUM_ALL_CALLS[op],
          Object.entries(c.allDetail[op])
            .map(([api, n]) => `${api} x${n}`)
            .join(', ') || '-',
        ]),
      ]),
      '',
    );
    save('calls', begun);
  }

  if (only.has('fleet')) {
    const begun = begin();
    process.stderr.write(`fleet (${FLEET_NUMBERS} numbers, rate scale ${RATE_SCALE})...\n`);
    const f = await benchFleet(FLEET_NUMBERS, RATE_SCALE);
    const j = fleetJson(f);
    results.fleet = j;
    const peer = (name: string, p: ReturnType<typeof peerJson>) => [
      name,
      p.seconds,
      p.deploySeconds,
      p.destroySeconds,
      p.failures,
      p.calls,
      p.throttled,
      p.leftClaimed,
      '',
      '',
    ];
    out.push(
      `Fleet: ${f.resources} resources, Connect quotas x${f.rateScale} (times are compressed ${f.rateScale}x); claim ${f.latency.claimSeconds} s, release ${f.latency.releaseSeconds} s`,
      table([
        ['handler', 'seconds', 'deploy', 'destroy', 'failures', 'calls', 'throttled', 'left claimed', 'bound', 'bound/seconds'],
        [
          'cdk-phone-numbers',
          j.seconds,
          j.deploySeconds,
          j.destroySeconds,
          j.failures,
          j.calls,
          j.throttled,
          j.leftClaimed,
          j.boundSeconds,
          j.boundRatio,
        ],
        peer('AwsCustomResource, SDK default retries', j.peers.defaultRetries),
        peer(`AwsCustomResource, AWS_MAX_ATTEMPTS=10`, j.peers.maxAttempts10),
      ]),
      `peer (default retries): first failure: ${f.peers.defaultRetries.reasons[0] ?? 'none'}`,
      `the quota bound of the calls cdk-phone-numbers made: ${j.ownCallsBoundSeconds} s (${j.ownCallsBoundPhases.map((p) => `${p.name}: ${p.api}`).join(', ')}), bound/seconds ${j.ownCallsBoundRatio}`,
      '',
    );
    save('fleet', begun);
  }

  if (only.has('scale')) {
    const begun = begin();
    process.stderr.write(`scale (${SCALE_NUMBERS} numbers in ${SCALE_STACKS} stacks, rate scale ${SCALE_RATE_SCALE})...\n`);
    const j = scaleJson(await benchScale(SCALE_NUMBERS, SCALE_STACKS, SCALE_RATE_SCALE));
    results.scale = j;
    out.push(
      `Scale: ${j.numbers} numbers with bindings in ${j.stacks} stacks at once, one account (x${j.rateScale})`,
      table([
        ['seconds', 'bound', 'bound/seconds', 'failures', 'calls/resource', 'throttled/resource', 'left claimed'],
        [j.seconds, j.boundSeconds, j.boundRatio, j.failures, j.callsPerResource, j.throttledPerResource, j.leftClaimed],
      ]),
      '',
    );
    save('scale', begun);
  }

  process.stdout.write(
    `${out.join('\n')}\nwrote ${path.relative(process.cwd(), RESULTS)} in ${round((Date.now() - started) / 1000, 1)} s\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
