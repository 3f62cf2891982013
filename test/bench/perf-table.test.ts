import * as fs from 'node:fs';
import {
  PERFORMANCE_DOC,
  README,
  RESULTS,
  betweenMarkers,
  markdownTable,
  replaceBetweenMarkers,
  tablesFor,
  withTables,
  type Results,
} from '../../bench/perf-table';

const peer = (seconds: number, calls: number) => ({ seconds, calls, throttled: 7, failures: 3, leftClaimed: 1 });

const RESULTS_FIXTURE: Results = {
  meta: { cpus: 2, runs: { fleet: { date: '2026-12-03T11:00:00.000Z', loadAverageAtStart: [3.14] } } },
  fleet: {
    resources: 201,
    rateScale: 1.5,
    latency: { claimSeconds: 30, moveSeconds: 30, releaseSeconds: 30 },
    seconds: 110.5,
    boundSeconds: 101.67,
    boundRatio: 0.92,
    failures: 0,
    calls: 1005,
    throttled: 201,
    leftClaimed: 0,
    boundPhases: [{ name: 'deploy', seconds: 50.83, api: 'connect:ClaimPhoneNumber', waitSeconds: 20 }],
    ownCallsBoundPhases: [{ name: 'destroy', seconds: 80.5, api: 'connect:ListPhoneNumbersV2' }],
    peers: { defaultRetries: peer(40.25, 300), maxAttempts10: peer(90, 402) },
  },
  coldStart: {
    samples: 15,
    ratio: 0.9,
    bundleBytes: 750_000,
    ours: { totalMs: 180, requireMs: 80, createMs: 60, deleteMs: 40 },
    peer: { totalMs: 200, requireMs: 50, createMs: 120, deleteMs: 30 },
  },
};

describe('the performance tables generated from results.json', () => {
  it('writes a markdown table with a separator row', () => {
    expect(markdownTable(['a', 'b'], [[1, 'x']])).toBe('| a | b |\n| --- | --- |\n| 1 | x |');
  });

  it('puts every fleet figure of results.json in the README table, per resource too, with the latencies and the peers', () => {
    const summary = tablesFor(RESULTS_FIXTURE).readme.summary;
    expect(summary).toContain('| fleet (201 resources): cdk-phone-numbers | 110.5 | 101.67 | 0.92 | 0 | 1005 | 5 | 201 | 1 | 0 |');
    expect(summary).toContain('| fleet: `AwsCustomResource`, SDK default retries | 40.25 |  |  | 3 | 300 | 1.49 | 7 | 0.03 | 1 |');
    expect(summary).toContain('`AWS_MAX_ATTEMPTS=10` | 90 |');
    expect(summary).toContain('a claim stays IN_PROGRESS 30 s, a move 30 s, a release 30 s');
    expect(summary).toContain('Measured 2026-12-03, load average 3.1 at the start on 2 cores.');
    expect(summary).toContain('| cdk-phone-numbers (bundle 750 KB) | 180 | 80 | 60 | 40 |');
    expect(summary).toContain('| ratio (ours / peer) | 0.9 |');
  });

  it('leaves out what a run did not measure', () => {
    const tables = tablesFor({ fleet: RESULTS_FIXTURE.fleet });
    expect(tables.readme.summary).not.toContain('cold start');
    expect(tables.readme.summary).toContain('Scale: not in this results.json');
    expect(tables.doc.synth).toBe('');
    expect(tables.doc.bound).toContain('| fleet | deploy | 50.83 | connect:ClaimPhoneNumber | 20 |');
    expect(tables.doc.bound).toContain(
      '| fleet: the calls the handler made, no latency | destroy | 80.5 | connect:ListPhoneNumbersV2 | 0 |',
    );
  });

  it('replaces only what stands between the markers, and names the missing markers and the fix', () => {
    const text = 'before\n<!-- perf-table:x:start -->\nold\n<!-- perf-table:x:end -->\nafter\n';
    expect(replaceBetweenMarkers(text, 'x', 'new')).toBe('before\n<!-- perf-table:x:start -->\nnew\n<!-- perf-table:x:end -->\nafter\n');
    expect(replaceBetweenMarkers(text, 'x', '')).toContain('not measured yet');
    expect(() => replaceBetweenMarkers('no markers', 'x', 'new', 'README.md')).toThrow(
      /README.md has no <!-- perf-table:x:start --> \.\.\. <!-- perf-table:x:end --> pair: add both markers/,
    );
  });

  it('README.md and docs/performance.md hold the tables of the committed bench/results.json', () => {
    const results = JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as Results;
    const tables = tablesFor(results);
    for (const [file, own] of [
      [README, tables.readme],
      [PERFORMANCE_DOC, tables.doc],
    ] as const) {
      const text = fs.readFileSync(file, 'utf8');
      for (const name of Object.keys(own)) expect(betweenMarkers(text, name)).toBeDefined();
      // Regenerating changes nothing: run `npm run perf-table` after editing results.json by a bench run.
      expect(withTables(text, own, file)).toBe(text);
    }
  });
});
