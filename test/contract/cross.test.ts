/**
 * The contract's cross-stack and drift family (issue 15): each lifecycle step with a second stack, or a
 * hand change, acting before, during or after it (local/contract/cross.ts), sampled with a fixed seed.
 * Needs `npm run bundle` first. Run alone: npx jest test/contract/cross.test.ts
 */
import * as fs from 'node:fs';
import { crossCases, runCrossSuite, SAMPLE } from '../../local/contract/cross';
import { DEFAULT_BUNDLE, formatReport } from '../../local/contract/runner';

describe('the contract across stacks and hands: nothing taken, nothing wedged', () => {
  it('samples the same scenarios on every run, each act and timing represented', () => {
    const names = crossCases().map((c) => c.name);
    expect(names).toHaveLength(SAMPLE);
    expect(crossCases().map((c) => c.name)).toEqual(names);
    expect(new Set(crossCases().map((c) => c.act))).toEqual(new Set(['other-stack', 'release', 'move', 'unbind', 'disassociate']));
    expect(new Set(crossCases().map((c) => c.when))).toEqual(new Set(['before', 'during', 'after']));
  });

  it('reports 0 violations', async () => {
    expect(fs.existsSync(DEFAULT_BUNDLE)).toBe(true);
    const report = await runCrossSuite();
    process.stdout.write(`\n${formatReport('cross-stack and drift', report, 25)}\n`);
    expect(report.scenarios).toBe(SAMPLE);
    if (report.violations.length > 0) throw new Error(formatReport('cross-stack and drift', report, 12));
  }, 600_000);
});
