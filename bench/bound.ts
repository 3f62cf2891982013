/**
 * The lower bound the API quotas put on a fleet deploy and destroy, and the calls each needs at least.
 * Pure: no emulator, no clock.
 *
 * A token bucket of rate r and burst B (Connect: 2/s, burst 5 per API, docs/service-facts.md) serves n calls no
 * sooner than (n - B) / r seconds after the first: it starts with at most B tokens. Within a phase the
 * slowest API sets the bound; the phases (deploy, then destroy) run one after the other, so their
 * bounds add up.
 *
 * Latencies (a claim IN_PROGRESS before it is CLAIMED, a release before the number is gone) sit on each
 * resource's chain of calls: an API whose first call must wait `before` seconds after the phase starts
 * (the read that sees a claim CLAIMED comes no sooner than the claim's latency), and whose last call is
 * followed by `after` seconds of waiting (the last release is done a release latency later), ends its
 * phase no sooner than before + (n - B) / r + after. And a phase lasts at least its chain's waits.
 */

export interface Rate {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** `service:Operation` -> calls. */
export type CallCounts = Readonly<Record<string, number>>;

/** Seconds of latency a resource's chain puts before an API's first call and after its last. */
export interface Waits {
  readonly before: number;
  readonly after: number;
}

export interface Phase {
  readonly name: string;
  /** The fewest calls of each API the phase needs. */
  readonly calls: CallCounts;
  /** `service:Operation` -> its waits (none when absent). */
  readonly waits?: Readonly<Record<string, Waits>>;
  /** The waits of one resource's chain in this phase, end to end (the bound when the quotas cost nothing). */
  readonly chainWaitSeconds?: number;
}

export interface PhaseBound {
  readonly name: string;
  readonly seconds: number;
  /** The API that sets the bound (undefined when the phase needs no call, or the chain's waits set it). */
  readonly api?: string;
  /** The latency included in `seconds`. */
  readonly waitSeconds?: number;
}

export interface Bound {
  readonly seconds: number;
  readonly phases: PhaseBound[];
}

/** Seconds a bucket needs to serve `calls` calls after the first (0 while the burst covers them). */
export function apiSeconds(calls: number, rate: Rate): number {
  if (!(rate.ratePerSecond > 0)) throw new Error(`rate.ratePerSecond must be positive, got ${rate.ratePerSecond}`);
  return Math.max(0, calls - rate.burst) / rate.ratePerSecond;
}

/** Sum over the phases of the slowest API's seconds. `rateOf` answers the quota of `service:Operation`. */
export function boundSeconds(phases: readonly Phase[], rateOf: (api: string) => Rate): Bound {
  const out: PhaseBound[] = phases.map((phase) => {
    const chain = phase.chainWaitSeconds ?? 0;
    let worst: PhaseBound = chain > 0 ? { name: phase.name, seconds: chain, waitSeconds: chain } : { name: phase.name, seconds: 0 };
    for (const [api, calls] of Object.entries(phase.calls)) {
      const waits = phase.waits?.[api];
      const waitSeconds = waits ? waits.before + waits.after : 0;
      const seconds = apiSeconds(calls, rateOf(api)) + waitSeconds;
      if ((worst.api === undefined && chain <= 0) || seconds > worst.seconds)
        worst = { name: phase.name, seconds, api, ...(waitSeconds > 0 ? { waitSeconds } : {}) };
    }
    return worst;
  });
  return { seconds: out.reduce((sum, p) => sum + p.seconds, 0), phases: out };
}

/** Seconds a claim and a release stay IN_PROGRESS. */
export interface ChainLatency {
  readonly claimSeconds: number;
  readonly releaseSeconds: number;
}

/**
 * The fewest calls a fleet of `n` numbers, each bound to a flow, and one voice connector carrying `n`
 * other numbers needs, without giving up what the constructs promise:
 * - deploy: claim each number, read it once to see it CLAIMED (the claim is asynchronous: no sooner than
 *   the claim latency), bind each (after it is CLAIMED); one Chime association call (no documented
 *   maximum list length per request);
 * - destroy: unbind each (a binding goes before its number), read each number once to check that this
 *   resource still owns it (nothing is released that the stack does not own), release it, and the Delete
 *   ends when the release has (the release latency after the last release); one Chime disassociation call.
 * The lookups the handler adds (ListPhoneNumbersV2 to adopt a number already claimed, BatchGetFlowAssociation
 * before an unbind) are left out: they would only add APIs with the same count, not raise the bound.
 */
export function fleetMinimumCalls(n: number, latency: ChainLatency = { claimSeconds: 0, releaseSeconds: 0 }): Phase[] {
  const claim = latency.claimSeconds;
  const release = latency.releaseSeconds;
  return [
    {
      name: 'deploy',
      chainWaitSeconds: claim,
      waits: {
        'connect:ClaimPhoneNumber': { before: 0, after: claim },
        'connect:DescribePhoneNumber': { before: claim, after: 0 },
        'connect:AssociatePhoneNumberContactFlow': { before: claim, after: 0 },
      },
      calls: {
        'connect:ClaimPhoneNumber': n,
        'connect:DescribePhoneNumber': n,
        'connect:AssociatePhoneNumberContactFlow': n,
        'chime:AssociatePhoneNumbersWithVoiceConnector': 1,
      },
    },
    {
      name: 'destroy',
      chainWaitSeconds: release,
      waits: {
        'connect:DescribePhoneNumber': { before: 0, after: release },
        'connect:ReleasePhoneNumber': { before: 0, after: release },
        'connect:DisassociatePhoneNumberContactFlow': { before: 0, after: release },
      },
      calls: {
        'connect:DescribePhoneNumber': n,
        'connect:ReleasePhoneNumber': n,
        'connect:DisassociatePhoneNumberContactFlow': n,
        'chime:DisassociatePhoneNumbersFromVoiceConnector': 1,
      },
    },
  ];
}

/** Calls per `service:Operation` in a call log, optionally only those that were answered (not throttled). */
export function countCalls(
  calls: ReadonlyArray<{ service: string; operation: string; status: number }>,
  filter: (status: number) => boolean = () => true,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) {
    if (!filter(c.status)) continue;
    const key = `${c.service}:${c.operation}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
