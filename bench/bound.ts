/**
 * The lower bound the API quotas put on a fleet deploy and destroy, and the calls each needs at least.
 * Pure: no emulator, no clock.
 *
 * A token bucket of rate r and burst B (Connect: 2/s, burst 5 per API, docs/service-facts.md) serves n calls no
 * sooner than (n - B) / r seconds after the first: it starts with at most B tokens. Within a phase the
 * slowest API sets the bound; the phases (deploy, then destroy) run one after the other, so their
 * bounds add up.
 */

export interface Rate {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** `service:Operation` -> calls. */
export type CallCounts = Readonly<Record<string, number>>;

export interface Phase {
  readonly name: string;
  /** The fewest calls of each API the phase needs. */
  readonly calls: CallCounts;
}

export interface PhaseBound {
  readonly name: string;
  readonly seconds: number;
  /** The API that sets the bound (undefined when the phase needs no call). */
  readonly api?: string;
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
    let worst: PhaseBound = { name: phase.name, seconds: 0 };
    for (const [api, calls] of Object.entries(phase.calls)) {
      const seconds = apiSeconds(calls, rateOf(api));
      if (worst.api === undefined || seconds > worst.seconds) worst = { name: phase.name, seconds, api };
    }
    return worst;
  });
  return { seconds: out.reduce((sum, p) => sum + p.seconds, 0), phases: out };
}

/**
 * The fewest calls a fleet of `n` numbers, each bound to a flow, and one voice connector carrying `n`
 * other numbers needs, without giving up what the constructs promise:
 * - deploy: claim each number, read it once to see it CLAIMED (the claim is asynchronous), bind each;
 *   one Chime association call (no documented maximum list length per request);
 * - destroy: read each number once to check that this resource still owns it (nothing is released that
 *   the stack does not own), release it, unbind each; one Chime disassociation call.
 * The lookups the handler adds (ListPhoneNumbersV2 to adopt a number already claimed, BatchGetFlowAssociation
 * before an unbind) are left out: they would only add APIs with the same count, not raise the bound.
 */
export function fleetMinimumCalls(n: number): Phase[] {
  return [
    {
      name: 'deploy',
      calls: {
        'connect:ClaimPhoneNumber': n,
        'connect:DescribePhoneNumber': n,
        'connect:AssociatePhoneNumberContactFlow': n,
        'chime:AssociatePhoneNumbersWithVoiceConnector': 1,
      },
    },
    {
      name: 'destroy',
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
