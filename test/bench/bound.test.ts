import { apiSeconds, boundSeconds, countCalls, fleetMinimumCalls } from '../../bench/bound';

const CONNECT = { ratePerSecond: 2, burst: 5 };
const CHIME = { ratePerSecond: 10, burst: 20 };
const rateOf = (api: string) => (api.startsWith('chime:') ? CHIME : CONNECT);

describe('the quota bound of a fleet', () => {
  it('gives a bucket (n - burst) / rate seconds for n calls, and nothing while the burst covers them', () => {
    expect(apiSeconds(100, CONNECT)).toBe(47.5);
    expect(apiSeconds(5, CONNECT)).toBe(0);
    expect(apiSeconds(3, CONNECT)).toBe(0);
    expect(apiSeconds(200, { ratePerSecond: 4, burst: 10 })).toBe(47.5);
  });

  it('fails when a rate is not positive, naming the value', () => {
    expect(() => apiSeconds(10, { ratePerSecond: 0, burst: 5 })).toThrow(/ratePerSecond must be positive, got 0/);
  });

  it('takes the slowest API of each phase and adds the phases up', () => {
    // GIVEN a deploy whose slowest API needs 25 calls and a destroy whose slowest needs 15
    const bound = boundSeconds(
      [
        { name: 'deploy', calls: { 'connect:A': 25, 'connect:B': 10, 'chime:C': 100 } },
        { name: 'destroy', calls: { 'connect:D': 15, 'connect:E': 1 } },
      ],
      rateOf,
    );
    // THEN deploy = (25 - 5) / 2 = 10 s (chime: (100 - 20) / 10 = 8 s), destroy = (15 - 5) / 2 = 5 s
    expect(bound.phases).toEqual([
      { name: 'deploy', seconds: 10, api: 'connect:A' },
      { name: 'destroy', seconds: 5, api: 'connect:D' },
    ]);
    expect(bound.seconds).toBe(15);
  });

  it('bounds the fleet of 100 numbers at 47.5 s per phase under the default Connect quotas, 22.5 s at twice the rate and burst', () => {
    expect(boundSeconds(fleetMinimumCalls(100), rateOf).seconds).toBe(95);
    const doubled = (api: string) => ({ ratePerSecond: rateOf(api).ratePerSecond * 2, burst: rateOf(api).burst * 2 });
    expect(boundSeconds(fleetMinimumCalls(100), doubled).phases.map((p) => p.seconds)).toEqual([22.5, 22.5]);
  });

  it('adds the latency before an API and after it to its bucket time, and never bounds a phase below its chain of waits', () => {
    // GIVEN 25 calls of A (10 s of quota), which must wait 3 s for a latency first and are followed by 4 s
    const bound = boundSeconds(
      [
        {
          name: 'deploy',
          calls: { 'connect:A': 25, 'connect:B': 5 },
          waits: { 'connect:A': { before: 3, after: 4 } },
          chainWaitSeconds: 7,
        },
        { name: 'destroy', calls: { 'connect:B': 5 }, chainWaitSeconds: 20 },
      ],
      rateOf,
    );
    // THEN the deploy is 3 + 10 + 4 = 17 s, set by A; the destroy's burst-covered call leaves the chain's 20 s
    expect(bound.phases).toEqual([
      { name: 'deploy', seconds: 17, api: 'connect:A', waitSeconds: 7 },
      { name: 'destroy', seconds: 20, waitSeconds: 20 },
    ]);
    expect(bound.seconds).toBe(37);
  });

  it('puts the claim latency before the read and the binding and after the claims, and the release latency after the destroy', () => {
    const [deploy, destroy] = fleetMinimumCalls(100, { claimSeconds: 20, releaseSeconds: 10 });
    // 100 claims take 47.5 s of quota; the last is CLAIMED 20 s later
    expect(boundSeconds([deploy], rateOf).phases[0]).toEqual({
      name: 'deploy',
      seconds: 67.5,
      api: 'connect:ClaimPhoneNumber',
      waitSeconds: 20,
    });
    expect(deploy.waits?.['connect:AssociatePhoneNumberContactFlow']).toEqual({ before: 20, after: 0 });
    expect(boundSeconds([destroy], rateOf).seconds).toBe(57.5);
    expect(destroy.chainWaitSeconds).toBe(10);
  });

  it('counts a claim, a read and a binding per number to deploy, and one Chime call for the trunk', () => {
    const [deploy, destroy] = fleetMinimumCalls(7);
    expect(deploy.calls).toEqual({
      'connect:ClaimPhoneNumber': 7,
      'connect:DescribePhoneNumber': 7,
      'connect:AssociatePhoneNumberContactFlow': 7,
      'chime:AssociatePhoneNumbersWithVoiceConnector': 1,
    });
    expect(destroy.calls['connect:ReleasePhoneNumber']).toBe(7);
    expect(destroy.calls['connect:DisassociatePhoneNumberContactFlow']).toBe(7);
  });

  it('counts calls per service and operation, optionally filtered by status', () => {
    const log = [
      { service: 'connect', operation: 'ClaimPhoneNumber', status: 200 },
      { service: 'connect', operation: 'ClaimPhoneNumber', status: 429 },
      { service: 'chime', operation: 'GetPhoneNumber', status: 200 },
    ];
    expect(countCalls(log)).toEqual({ 'connect:ClaimPhoneNumber': 2, 'chime:GetPhoneNumber': 1 });
    expect(countCalls(log, (s) => s === 429)).toEqual({ 'connect:ClaimPhoneNumber': 1 });
  });
});
