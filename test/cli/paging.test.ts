/**
 * The reads of an account with more numbers than a page: every page is read, the flows in batches of
 * 100, and the calls are the ones README "Audit" counts.
 */
import { REGION, startWorld, uuid, type World } from '../local/deploy/real-stack';
import { audit, type JsonReport } from './helpers';

const COUNT = 1001;

describe('cdk-phone-numbers audit: paged reads', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
    const instance = world.emu.seedInstance({ instanceId: uuid(1) });
    for (let i = 0; i < COUNT; i++) world.emu.seedClaimedNumber({ phoneNumber: `+1206${String(5_000_000 + i)}`, targetArn: instance });
    for (let i = 0; i < 101; i++) world.emu.seedChimeNumber({ phoneNumber: `+1312${String(5_000_000 + i)}` });
  });
  afterAll(async () => {
    await world.stop();
  });

  it('reads every number of every page, with one describe per number and one flow batch per 100 numbers', async () => {
    const run = await audit(['--json'], { settings: { describeConcurrency: 16 } });
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.summary.unowned).toBe(COUNT + 101);
    expect(new Set(report.numbers.map((r) => r.phoneNumber)).size).toBe(COUNT + 101);
    expect(run.calls).toEqual({
      'cloudformation:ListStacks': { calls: 1, attempts: 1 },
      'connect:ListPhoneNumbersV2': { calls: 2, attempts: 2 },
      'connect:DescribePhoneNumber': { calls: COUNT, attempts: COUNT },
      'connect:BatchGetFlowAssociation': { calls: 11, attempts: 11 },
      'chime:ListPhoneNumbers': { calls: 2, attempts: 2 },
    });
    expect(run.stderr).toContain(`audit: described 1000/${COUNT} Connect numbers in ${REGION}`);
  });
});
