/**
 * In-memory state: per account and region (inventory, instances, TDGs, flows, voice connectors, Chime
 * numbers, churn, idempotency tokens) and per account (claimed Connect numbers, which can be visible in
 * two regions when claimed to a traffic distribution group).
 */
import { randomUUID } from 'node:crypto';
import type {
  Clock,
  ImportedNumberRelease,
  SeedSourceNumber,
  SeedAvailableNumbers,
  SeedChimeNumber,
  SeedClaimedNumber,
  SeedContactFlow,
  SeedInstance,
  SeedTrafficDistributionGroup,
  SeedVoiceConnector,
  Snapshot,
  SnapshotNumber,
  Scope,
} from './types';
import { flowArn, instanceArn, parseArn, parseInstanceArn, parseTdgArn, phoneNumberArn, sourcePhoneNumberArn, tdgArn } from './arns';
import { normalizeE164 } from './phone-numbers';

export const DEFAULT_REGION = 'us-east-1';
export const DAY_MS = 24 * 60 * 60 * 1000;
/** After a FAILED claim the number can be retried for one day before it returns to inventory (docs/service-facts.md). */
export const FAILED_CLAIM_HOLD_MS = DAY_MS;

export type NumberStatus = 'IN_PROGRESS' | 'CLAIMED' | 'FAILED';

export interface PendingTransition {
  readonly until: number;
  /** RELEASED: a ReleasePhoneNumber in progress; when due the number is gone and cools down. */
  readonly outcome: 'CLAIMED' | 'FAILED' | 'RELEASED';
  readonly message?: string;
  /** Undoes the change when the outcome is FAILED (update operations). */
  readonly revert?: () => void;
  /** True for a claim: a FAILED claim holds the number for a day, then it returns to inventory. */
  readonly isClaim: boolean;
}

export interface ConnectNumber {
  readonly id: string;
  readonly arn: string;
  readonly phoneNumber: string;
  readonly countryCode: string;
  readonly type: string;
  readonly accountId: string;
  /** Region where the number was claimed. */
  readonly region: string;
  targetArn: string;
  description?: string;
  tags: Record<string, string>;
  /** flowKey(region, instance id) -> contact flow id: one binding per region (a TDG's replica instance keeps its id). */
  flows: Map<string, string>;
  status: NumberStatus;
  message?: string;
  pending?: PendingTransition;
  /** Set when a claim ended FAILED. */
  failedClaimAt?: number;
  /** The End User Messaging number ImportPhoneNumber brought it from; absent for a claimed number. */
  readonly sourceArn?: string;
}

/** A number of the End User Messaging inventory: ImportPhoneNumber brings it into Connect. */
export interface SourceNumber {
  readonly arn: string;
  readonly e164: string;
  readonly countryCode: string;
  readonly type: string;
}

export interface Instance {
  readonly id: string;
  readonly arn: string;
}
export interface Tdg {
  readonly id: string;
  readonly arn: string;
  readonly alternateRegion: string;
  readonly instanceArn: string;
}
export interface VoiceConnector {
  readonly id: string;
  readonly name: string;
  readonly created: number;
  updated: number;
  /** Chime SDK Voice TagResource tags of the connector (absent until first tagged). */
  tags?: Record<string, string>;
}
export interface ChimeNumber {
  readonly e164: string;
  readonly created: number;
  updated: number;
  association?: { readonly voiceConnectorId: string; readonly at: number };
}
export interface Inventory {
  readonly countryCode: string;
  readonly type: string;
}

export interface RegionState {
  readonly accountId: string;
  readonly region: string;
  readonly available: Map<string, Inventory>;
  readonly coolingDown: Map<string, Inventory & { until: number }>;
  readonly instances: Map<string, Instance>;
  readonly tdgs: Map<string, Tdg>;
  /** instance id -> flow ids */
  readonly flows: Map<string, Set<string>>;
  /** Timestamps of claims and releases (churn). */
  churn: number[];
  /** ClientToken -> the first request's fingerprint and answer, and when it was used. */
  readonly idempotency: Map<string, { fingerprint: string; output: unknown; at: number }>;
  readonly voiceConnectors: Map<string, VoiceConnector>;
  readonly chimeNumbers: Map<string, ChimeNumber>;
  /** End User Messaging numbers by ARN (seedSourceNumber). */
  readonly sources: Map<string, SourceNumber>;
}

/** The key of a number's flow binding: the region of the call and the instance. */
export const flowKey = (region: string, instanceId: string): string => `${region}/${instanceId}`;

/** A number's flow bindings in one region: instance id -> flow id. */
export function flowsIn(n: ConnectNumber, region: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, flow] of n.flows) {
    const slash = key.indexOf('/');
    if (key.slice(0, slash) === region) out[key.slice(slash + 1)] = flow;
  }
  return out;
}

export interface StateOptions {
  readonly clock: Clock;
  readonly defaultAccountId: string;
  readonly cooldownMs: number;
  readonly churnWindowMs: number;
  readonly importedNumberRelease: ImportedNumberRelease;
}

export class EmulatorState {
  private readonly regions = new Map<string, RegionState>();
  /** account id -> phone number id -> number */
  private readonly numbers = new Map<string, Map<string, ConnectNumber>>();

  constructor(readonly options: StateOptions) {}

  region(accountId: string, region: string): RegionState {
    const key = `${accountId}/${region}`;
    let rs = this.regions.get(key);
    if (!rs) {
      rs = {
        accountId,
        region,
        available: new Map(),
        coolingDown: new Map(),
        instances: new Map(),
        tdgs: new Map(),
        flows: new Map(),
        churn: [],
        idempotency: new Map(),
        voiceConnectors: new Map(),
        chimeNumbers: new Map(),
        sources: new Map(),
      };
      this.regions.set(key, rs);
    }
    return rs;
  }

  accountNumbers(accountId: string): Map<string, ConnectNumber> {
    let m = this.numbers.get(accountId);
    if (!m) {
      m = new Map();
      this.numbers.set(accountId, m);
    }
    return m;
  }

  /** The number (if any, any status) holding this E.164 in this account and claim region. */
  numberByE164(accountId: string, region: string, e164: string): ConnectNumber | undefined {
    for (const n of this.accountNumbers(accountId).values()) {
      if (n.region === region && n.phoneNumber === e164) return n;
    }
    return undefined;
  }

  /** Resolves a TDG by ARN in the region that owns it. */
  /** A released number is gone: out of the account, cooling down from `at` (no search or claim meanwhile). */
  finishRelease(accountId: string, n: ConnectNumber, at: number): void {
    this.accountNumbers(accountId).delete(n.id);
    if (n.sourceArn !== undefined) {
      // An imported number: back in End User Messaging (importable again), or released for good
      // (gone from there too, and no cooldown: End User Messaging never gives a released number back).
      if (this.options.importedNumberRelease === 'release-source') this.region(accountId, n.region).sources.delete(n.sourceArn);
      return;
    }
    this.region(accountId, n.region).coolingDown.set(n.phoneNumber, {
      countryCode: n.countryCode,
      type: n.type,
      until: at + this.options.cooldownMs,
    });
  }

  /**
   * A number whose claim or import ended FAILED leaves Connect: a claimed one back to the inventory, an
   * imported one stays in End User Messaging (it never left it).
   */
  dropFailedClaim(accountId: string, n: ConnectNumber): void {
    this.accountNumbers(accountId).delete(n.id);
    if (n.sourceArn === undefined)
      this.region(accountId, n.region).available.set(n.phoneNumber, { countryCode: n.countryCode, type: n.type });
  }

  /** The Connect number (any status) imported from the End User Messaging number `sourceArn`, if any. */
  importedFrom(accountId: string, sourceArn: string): ConnectNumber | undefined {
    for (const n of this.accountNumbers(accountId).values()) if (n.sourceArn === sourceArn) return n;
    return undefined;
  }

  tdgByArn(arn: string): Tdg | undefined {
    const p = parseTdgArn(arn);
    return p && this.region(p.accountId, p.region).tdgs.get(p.tdgId);
  }

  /** Regions where a number can be seen: its claim region, plus the TDG's alternate region. */
  visibleRegions(n: ConnectNumber): string[] {
    const tdg = this.tdgByArn(n.targetArn);
    return tdg ? [n.region, tdg.alternateRegion] : [n.region];
  }

  /**
   * Applies every due state change: async transitions, FAILED claims returning to inventory after a
   * day, cooldowns ending, churn events leaving the rolling window.
   */
  settle(): void {
    const now = this.options.clock.now();
    for (const [accountId, numbers] of this.numbers) {
      for (const n of [...numbers.values()]) {
        if (n.pending && now >= n.pending.until) {
          const p = n.pending;
          n.pending = undefined;
          if (p.outcome === 'RELEASED') {
            this.finishRelease(accountId, n, p.until);
            continue;
          }
          if (p.outcome === 'FAILED') {
            p.revert?.();
            n.status = 'FAILED';
            n.message = p.message ?? 'The phone number could not be claimed.';
            if (p.isClaim) n.failedClaimAt = p.until;
          } else {
            n.status = 'CLAIMED';
            n.message = undefined;
          }
        }
        if (n.failedClaimAt !== undefined && n.status === 'FAILED' && now >= n.failedClaimAt + FAILED_CLAIM_HOLD_MS) {
          this.dropFailedClaim(accountId, n);
        }
      }
    }
    for (const rs of this.regions.values()) {
      for (const [e164, c] of rs.coolingDown) {
        if (now >= c.until) {
          rs.coolingDown.delete(e164);
          rs.available.set(e164, { countryCode: c.countryCode, type: c.type });
        }
      }
      rs.churn = rs.churn.filter((t) => t > now - this.options.churnWindowMs);
    }
  }

  // ---- seeds ----------------------------------------------------------------------------------

  private scope(s: Scope): { accountId: string; region: string } {
    return { accountId: s.accountId ?? this.options.defaultAccountId, region: s.region ?? DEFAULT_REGION };
  }

  seedAvailableNumbers(seed: SeedAvailableNumbers): void {
    const { accountId, region } = this.scope(seed);
    const rs = this.region(accountId, region);
    for (const raw of seed.phoneNumbers) {
      const e164 = normalizeE164(raw);
      if (this.numberByE164(accountId, region, e164)) continue; // already held
      rs.coolingDown.delete(e164);
      rs.available.set(e164, { countryCode: seed.countryCode, type: seed.type });
    }
  }

  seedInstance(seed: SeedInstance): string {
    const { accountId, region } = this.scope(seed);
    const arn = instanceArn(region, accountId, seed.instanceId);
    this.region(accountId, region).instances.set(seed.instanceId, { id: seed.instanceId, arn });
    return arn;
  }

  seedTrafficDistributionGroup(seed: SeedTrafficDistributionGroup): string {
    const { accountId, region } = this.scope(seed);
    if (seed.alternateRegion === region) throw new Error('seedTrafficDistributionGroup: alternateRegion must differ from region');
    const arn = tdgArn(region, accountId, seed.trafficDistributionGroupId);
    this.region(accountId, region).tdgs.set(seed.trafficDistributionGroupId, {
      id: seed.trafficDistributionGroupId,
      arn,
      alternateRegion: seed.alternateRegion,
      instanceArn: seed.instanceArn,
    });
    return arn;
  }

  seedContactFlow(seed: SeedContactFlow): string {
    const { accountId, region } = this.scope(seed);
    const rs = this.region(accountId, region);
    if (!rs.instances.has(seed.instanceId)) this.seedInstance({ accountId, region, instanceId: seed.instanceId });
    let set = rs.flows.get(seed.instanceId);
    if (!set) {
      set = new Set();
      rs.flows.set(seed.instanceId, set);
    }
    set.add(seed.contactFlowId);
    return flowArn(region, accountId, seed.instanceId, seed.contactFlowId);
  }

  seedVoiceConnector(seed: SeedVoiceConnector): void {
    const { accountId, region } = this.scope(seed);
    const now = this.options.clock.now();
    this.region(accountId, region).voiceConnectors.set(seed.voiceConnectorId, {
      id: seed.voiceConnectorId,
      name: seed.name ?? seed.voiceConnectorId,
      created: now,
      updated: now,
    });
  }

  seedChimeNumber(seed: SeedChimeNumber): void {
    const { accountId, region } = this.scope(seed);
    const e164 = normalizeE164(seed.phoneNumber);
    const rs = this.region(accountId, region);
    if (rs.chimeNumbers.has(e164)) return;
    const now = this.options.clock.now();
    rs.chimeNumbers.set(e164, { e164, created: now, updated: now });
  }

  seedSourceNumber(seed: SeedSourceNumber): string {
    const { accountId, region } = this.scope(seed);
    const e164 = normalizeE164(seed.phoneNumber);
    const arn = sourcePhoneNumberArn(region, accountId, `phone-${randomUUID().replace(/-/g, '')}`);
    this.region(accountId, region).sources.set(arn, { arn, e164, countryCode: seed.countryCode ?? 'US', type: seed.type ?? 'DID' });
    return arn;
  }

  seedClaimedNumber(seed: SeedClaimedNumber): string {
    const target = parseArn(seed.targetArn);
    if (!target || target.service !== 'connect') throw new Error(`seedClaimedNumber: targetArn is not a Connect ARN: ${seed.targetArn}`);
    const accountId = seed.accountId ?? (target.accountId || this.options.defaultAccountId);
    const region = seed.region ?? (target.region || DEFAULT_REGION);
    const instanceId = parseInstanceArn(seed.targetArn)?.instanceId;
    if (instanceId !== undefined) {
      if (!this.region(accountId, region).instances.has(instanceId)) this.seedInstance({ accountId, region, instanceId });
    } else if (!this.tdgByArn(seed.targetArn)) {
      throw new Error(`seedClaimedNumber: seed the traffic distribution group first: ${seed.targetArn}`);
    }
    const e164 = normalizeE164(seed.phoneNumber);
    const rs = this.region(accountId, region);
    const existing = this.numberByE164(accountId, region, e164);
    if (existing) throw new Error(`seedClaimedNumber: ${e164} is already claimed (${existing.arn})`);
    const inv = rs.available.get(e164);
    rs.available.delete(e164);
    rs.coolingDown.delete(e164);
    const id = randomUUID();
    const n: ConnectNumber = {
      id,
      arn: phoneNumberArn(region, accountId, id),
      phoneNumber: e164,
      countryCode: seed.countryCode ?? inv?.countryCode ?? 'US',
      type: seed.type ?? inv?.type ?? 'DID',
      accountId,
      region,
      targetArn: seed.targetArn,
      description: seed.description,
      tags: { ...(seed.tags ?? {}) },
      flows: new Map(),
      status: 'CLAIMED',
    };
    this.accountNumbers(accountId).set(id, n);
    return n.arn;
  }

  // ---- snapshot -------------------------------------------------------------------------------

  snapshot(scope: Scope = {}): Snapshot {
    this.settle();
    const { accountId, region } = this.scope(scope);
    const rs = this.region(accountId, region);
    const claimed: SnapshotNumber[] = [...this.accountNumbers(accountId).values()]
      .filter((n) => n.region === region)
      .sort((a, b) => a.phoneNumber.localeCompare(b.phoneNumber))
      .map((n) => ({
        phoneNumberId: n.id,
        phoneNumberArn: n.arn,
        phoneNumber: n.phoneNumber,
        countryCode: n.countryCode,
        type: n.type,
        targetArn: n.targetArn,
        status: n.pending ? 'IN_PROGRESS' : n.status,
        ...(n.description !== undefined ? { description: n.description } : {}),
        tags: { ...n.tags },
        flows: flowsIn(n, n.region),
        flowsByRegion: Object.fromEntries(
          this.visibleRegions(n)
            .map((r) => [r, flowsIn(n, r)])
            .filter(([, f]) => Object.keys(f).length > 0),
        ),
        ...(n.pending?.outcome === 'RELEASED' ? { releasing: true } : {}),
        ...(n.sourceArn !== undefined ? { sourcePhoneNumberArn: n.sourceArn } : {}),
      }));
    const voiceConnectors: Record<string, string[]> = {};
    for (const id of [...rs.voiceConnectors.keys()].sort()) voiceConnectors[id] = [];
    for (const cn of rs.chimeNumbers.values()) {
      const vc = cn.association?.voiceConnectorId;
      if (vc !== undefined) (voiceConnectors[vc] ??= []).push(cn.e164);
    }
    for (const list of Object.values(voiceConnectors)) list.sort();
    return {
      accountId,
      region,
      claimed,
      coolingDown: [...rs.coolingDown.keys()].sort(),
      available: [...rs.available.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([phoneNumber, inv]) => ({ countryCode: inv.countryCode, type: inv.type, phoneNumber })),
      voiceConnectors,
      churn: rs.churn.length,
      sourceNumbers: [...rs.sources.values()]
        .sort((a, b) => a.e164.localeCompare(b.e164))
        .map((src) => {
          const imported = this.importedFrom(accountId, src.arn);
          return { sourcePhoneNumberArn: src.arn, phoneNumber: src.e164, ...(imported ? { importedAs: imported.arn } : {}) };
        }),
    };
  }
}
