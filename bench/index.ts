/**
 * `npm run bench`: cold start, synth scale, API-call economy and the fleet deploy, side by side with
 * what users would otherwise pick. Prints a table and writes bench/results.json.
 *
 *   npm run bench                      # everything (a few minutes on 2 cores)
 *   npm run bench -- --only=fleet,calls
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CallsByType } from './attribution';
import { fleetMinimumCalls } from './bound';
import { MAXIMUM_ALL_CALLS, MINIMUM_MUTATING_CALLS, benchCalls, perResource, type CallsResult, type Operation } from './calls';
import { benchColdStart, type ColdStartResult } from './cold-start';
import { benchFleet, quotaBound, type FleetResult } from './fleet';
import { RATE_SCALE } from './settings';
import { benchSynth, type SynthResult } from './synth';

export const FLEET_NUMBERS = 100;
const RESULTS = path.join(__dirname, 'results.json');
const SECTIONS = ['coldStart', 'synth', 'calls', 'fleet'] as const;
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

function fleetJson(f: FleetResult) {
  const throttled = (calls: FleetResult['ours']['calls']) =>
    Object.fromEntries(Object.entries(calls).map(([api, c]) => [api, `${c.answered} answered, ${c.throttled} throttled`]));
  // The same bound over the calls the handler actually made: how close its retries came to the quotas
  // for what it asked (the gap to boundSeconds beyond that is calls above the minimum).
  const own = quotaBound(f.ours.phaseCalls, f.rateScale);
  // Every call the handler made (answered; reads and CloudFormation included) and every throttled one, per resource.
  const economy = perResource([f.ours.callsByType.deploy, f.ours.callsByType.destroy], fleetMinimumCalls(FLEET_NUMBERS), f.resources);
  return {
    resources: f.resources,
    rateScale: f.rateScale,
    boundSeconds: round(f.bound.seconds),
    seconds: round(f.ours.seconds),
    boundRatio: round(f.bound.seconds / f.ours.seconds, 3),
    failures: f.ours.failures,
    callsPerResource: round(economy.callsPerResource),
    minimumCallsPerResource: round(economy.minimumCallsPerResource),
    throttledPerResource: round(economy.throttledPerResource),
    naive: {
      failures: f.naive.failures,
      seconds: round(f.naive.seconds),
      deployed: f.naive.deployed,
      reasons: f.naive.reasons,
      leftClaimed: f.naive.leftClaimed,
      calls: throttled(f.naive.calls),
    },
    boundPhases: f.bound.phases.map((p) => ({ ...p, seconds: round(p.seconds) })),
    ownCallsBoundSeconds: round(own.seconds),
    ownCallsBoundRatio: round(own.seconds / f.ours.seconds, 3),
    ownCallsBoundPhases: own.phases.map((p) => ({ ...p, seconds: round(p.seconds) })),
    deploySeconds: round(f.ours.deploySeconds),
    destroySeconds: round(f.ours.destroySeconds),
    leftClaimed: f.ours.leftClaimed,
    lambdaContainers: f.ours.containers,
    peakConcurrency: f.ours.peakConcurrency,
    apiCalls: throttled(f.ours.calls),
    // Which resource type made the calls of each phase (answered, throttled), and per request and phase.
    callsByResourceType: { deploy: byType(f.ours.callsByType.deploy), destroy: byType(f.ours.callsByType.destroy) },
    callsByRequest: { deploy: byType(f.ours.callsByRequest.deploy), destroy: byType(f.ours.callsByRequest.destroy) },
  };
}

function callsJson(c: CallsResult) {
  return {
    ...c.counts,
    minimum: MINIMUM_MUTATING_CALLS,
    detail: c.detail,
    all: { ...c.all, maximum: MAXIMUM_ALL_CALLS, detail: c.allDetail },
  };
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
  const results: Record<string, unknown> = {
    meta: {
      command: `npm run bench${only.size < SECTIONS.length ? ` -- --only=${[...only].join(',')}` : ''}`,
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverageAtStart: os.loadavg().map((x) => round(x)),
    },
  };
  const out: string[] = [];

  if (only.has('coldStart')) {
    process.stderr.write('cold start...\n');
    const c: ColdStartResult = benchColdStart(15);
    results.coldStart = {
      bundleBytes: c.bundleBytes,
      loadMs: round(c.loadMs, 1),
      awsCustomResourceLoadMs: round(c.awsCustomResourceLoadMs, 1),
      ratio: round(c.ratio, 3),
      samples: c.samples,
    };
    out.push(
      `Cold start (median of ${c.samples} fresh processes each, alternated)`,
      table([
        ['handler', 'bundle bytes', 'module load ms'],
        ['cdk-phone-numbers (both clients + logger)', c.bundleBytes, round(c.loadMs, 1)],
        ['AwsCustomResource handler + Connect client', '-', round(c.awsCustomResourceLoadMs, 1)],
        ['ratio (target <= 1.0)', '', round(c.ratio, 3)],
      ]),
      '',
    );
  }

  if (only.has('synth')) {
    process.stderr.write('synth...\n');
    const s: SynthResult[] = benchSynth();
    results.synth = s.map((r) => ({ ...r, seconds: round(r.seconds) }));
    out.push(
      'Synth (target: < 60 s each, handler functions constant)',
      table([
        ['numbers', 'bindings', 'resources', 'seconds', 'template bytes', 'handler functions'],
        ...s.map((r) => [r.numbers, r.bindings, r.resources, round(r.seconds), r.templateBytes, r.handlerFunctions]),
      ]),
      '',
    );
  }

  if (only.has('calls')) {
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
  }

  if (only.has('fleet')) {
    process.stderr.write(`fleet (${FLEET_NUMBERS} numbers, rate scale ${RATE_SCALE})...\n`);
    const f = await benchFleet(FLEET_NUMBERS, RATE_SCALE);
    const j = fleetJson(f);
    results.fleet = j;
    out.push(
      `Fleet: ${f.resources} resources, Connect quotas x${f.rateScale} (times are compressed ${f.rateScale}x)`,
      table([
        ['handler', 'seconds', 'deploy', 'destroy', 'failures', 'bound', 'bound/seconds'],
        ['cdk-phone-numbers', j.seconds, j.deploySeconds, j.destroySeconds, j.failures, j.boundSeconds, j.boundRatio],
        [
          'AwsCustomResource (naive)',
          j.naive.seconds,
          round(f.naive.deploySeconds),
          round(f.naive.destroySeconds),
          j.naive.failures,
          '',
          '',
        ],
      ]),
      `naive: ${f.naive.deployed ? 'deployed' : 'rolled back'}; first failure: ${f.naive.reasons[0] ?? 'none'}`,
      `the quota bound of the calls cdk-phone-numbers made: ${j.ownCallsBoundSeconds} s (${j.ownCallsBoundPhases.map((p) => `${p.name}: ${p.api}`).join(', ')}), bound/seconds ${j.ownCallsBoundRatio}`,
      '',
    );
  }

  (results.meta as Record<string, unknown>).seconds = round((Date.now() - started) / 1000, 1);
  (results.meta as Record<string, unknown>).loadAverageAtEnd = os.loadavg().map((x) => round(x));
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `${out.join('\n')}\nwrote ${path.relative(process.cwd(), RESULTS)} in ${round((Date.now() - started) / 1000, 1)} s\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
