/**
 * Public interface of the local phone-number service. Tests, benchmarks and the local deploy rely
 * on exactly this shape; the implementation lives beside it.
 */
import type { CloudFormationStacks } from './stacks';

/** Time source. The emulator reads it for async transitions and cooldowns. */
export interface Clock {
  now(): number; // epoch milliseconds
}

/** A clock that only moves when told to (tests). */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(epochMs: number): void;
}

export interface RateLimit {
  /** Tokens added per second. */
  readonly ratePerSecond: number;
  /** Bucket size. */
  readonly burst: number;
}

export interface EmulatorOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default a clock reading Date.now() */
  readonly clock?: Clock;
  /** Account every valid credential maps to, unless listed in `accounts`. @default '123456789012' */
  readonly defaultAccountId?: string;
  /** Access key id -> account id. */
  readonly accounts?: Record<string, string>;
  /** How long ClaimPhoneNumber / UpdatePhoneNumber / UpdatePhoneNumberMetadata stay IN_PROGRESS. @default 0 */
  readonly asyncDelayMs?: number;
  /** How long a ClaimPhoneNumber or an ImportPhoneNumber stays IN_PROGRESS (overrides asyncDelayMs). @default asyncDelayMs */
  readonly claimDelayMs?: number;
  /** How long an UpdatePhoneNumber (a move to another target) stays IN_PROGRESS (overrides asyncDelayMs). @default asyncDelayMs */
  readonly moveDelayMs?: number;
  /**
   * How long a ClientToken is remembered (per account, region and operation). Past it, the same token
   * starts a new request. No source gives the real lifetime (docs/service-facts.md). @default Infinity
   */
  readonly tokenTtlMs?: number;
  /** The reading of each service behaviour the documentation does not settle (docs/service-facts.md). */
  readonly readings?: ServiceReadings;
  /**
   * How long a released number stays IN_PROGRESS (still listed and described) before it is gone and
   * cools down. The real release is asynchronous (docs/service-facts.md). @default 0 (gone at once)
   */
  readonly releaseDelayMs?: number;
  /**
   * Numbers that can be claimed to one instance or traffic distribution group (FAILED ones not
   * counted); a claim or move past it ends FAILED. @default 5 (the default quota, docs/service-facts.md)
   */
  readonly phoneNumbersPerTarget?: number;
  /** How long a released number cools down. @default 180 days */
  readonly cooldownMs?: number;
  /** Phone-number quota per account and region (active numbers); the churn limit is 200% of it. @default 100 */
  readonly phoneNumberQuota?: number;
  /** Connect per-API rate. @default { ratePerSecond: 2, burst: 5 } (docs/service-facts.md) */
  readonly connectRate?: RateLimit;
  /** Chime SDK Voice per-API rate. @default { ratePerSecond: 10, burst: 20 } */
  readonly chimeRate?: RateLimit;
  /** Per-operation overrides, keyed by operation name, e.g. { ClaimPhoneNumber: { ratePerSecond: 1, burst: 1 } }. */
  readonly rateOverrides?: Record<string, RateLimit>;
  /** Multiplies every rate and burst (e.g. 1000 to make throttling practically disappear). @default 1 */
  readonly rateScale?: number;
  /** Token buckets read real time (not `clock`) unless this is true. @default false */
  readonly ratesUseClock?: boolean;
  /**
   * The token buckets' own time source, read once per rate-limited call (overrides ratesUseClock): e.g. a
   * clock that moves a fixed step per call makes throttling depend on the calls alone, not on the
   * machine's speed. @default real time, or `clock` with ratesUseClock
   */
  readonly rateClock?: Clock;
  /** Rolling window (read via `clock`) in which claims and releases count toward the churn limit. @default 180 days */
  readonly churnWindowMs?: number;
  /**
   * The most numbers one ListPhoneNumbersV2 page holds, whatever MaxResults asks (the service takes up to
   * 1000): a small cap makes a few numbers span several pages, to test that callers read every page.
   * @default no cap (MaxResults, else 100)
   */
  readonly maxPageSize?: number;
  /**
   * What ReleasePhoneNumber does to a number ImportPhoneNumber brought from End User Messaging, which
   * AWS does not document (docs/service-facts.md): 'return-to-source' (it leaves Connect and stays in
   * End User Messaging, importable again) or 'release-source' (it is released for good: gone from End
   * User Messaging too). @default 'return-to-source'
   */
  readonly importedNumberRelease?: ImportedNumberRelease;
}

/** The readings of a release of an imported number (EmulatorOptions.importedNumberRelease). */
export type ImportedNumberRelease = 'return-to-source' | 'release-source';

/**
 * Service behaviours no public source settles, each a switch (docs/service-facts.md, "Readings"). The
 * first value named is the default.
 */
export interface ServiceReadings {
  /**
   * ListPhoneNumbersV2 without TargetArn or InstanceId: 'listed' lists numbers claimed to traffic
   * distribution groups too; 'omitted' lists only numbers claimed to instances (the API reference:
   * "lists numbers claimed to all the Amazon Connect instances"). @default 'listed'
   */
  readonly unfilteredListTdgNumbers?: 'listed' | 'omitted';
  /**
   * A PhoneNumberPrefix without '+' (Search, ListV2): 'accepted' as if it had one; 'refused' with
   * InvalidParameterException (the API reference: "it must contain + as part of the country code"). @default 'accepted'
   */
  readonly prefixWithoutPlus?: 'accepted' | 'refused';
  /**
   * A PhoneNumberPrefix of more than 11 digits: 'refused' by the anchored pattern `^\+?[0-9]{1,11}$` of
   * the extract; 'accepted' under the botocore model's unanchored `\+?[0-9]{1,11}`. @default 'refused'
   */
  readonly longPrefix?: 'refused' | 'accepted';
  /**
   * ReleasePhoneNumber of a number whose claim FAILED: 'instant' (back to the inventory, no cooldown, no
   * churn); 'release' (like any release: releaseDelayMs IN_PROGRESS, churn, cooldown). @default 'instant'
   */
  readonly failedClaimRelease?: 'instant' | 'release';
  /**
   * The PhoneNumberErrors ErrorCode of disassociating a number that is in the inventory but not on the
   * voice connector: 'NotFound' or 'Validation' (an ErrorCode of the current SDK). @default 'NotFound'
   */
  readonly disassociateNotAssociated?: 'NotFound' | 'Validation';
  /**
   * VoiceConnectorId: 'nonEmpty' checks botocore's `.*\S.*`; 'strict' also requires 21-22 lowercase
   * alphanumerics or a UUID (no public source; BadRequestException otherwise). @default 'nonEmpty'
   */
  readonly voiceConnectorId?: 'nonEmpty' | 'strict';
}

/** Where a seeded or claimed item lives. Both default to the emulator's default account and 'us-east-1'. */
export interface Scope {
  readonly accountId?: string;
  readonly region?: string;
}

export interface SeedAvailableNumbers extends Scope {
  readonly countryCode: string; // e.g. 'US'
  readonly type: string; // e.g. 'DID'
  readonly phoneNumbers: string[]; // E.164 with '+'
}

export interface SeedInstance extends Scope {
  /** Returns the instance ARN. */
  readonly instanceId: string;
}

export interface SeedTrafficDistributionGroup extends Scope {
  readonly trafficDistributionGroupId: string;
  /** The TDG's other region; the number is visible there by full ARN only. */
  readonly alternateRegion: string;
  /** The instance (ARN) the TDG belongs to. */
  readonly instanceArn: string;
}

export interface SeedContactFlow extends Scope {
  readonly instanceId: string;
  readonly contactFlowId: string;
}

export interface SeedVoiceConnector extends Scope {
  readonly voiceConnectorId: string;
  readonly name?: string;
}

/** A number already in the account's Chime SDK Voice inventory. */
export interface SeedChimeNumber extends Scope {
  readonly phoneNumber: string;
}

/** A number in the account's AWS End User Messaging SMS and Voice inventory, which ImportPhoneNumber can bring into Connect. */
export interface SeedSourceNumber extends Scope {
  readonly phoneNumber: string;
  readonly countryCode?: string; // @default 'US'
  readonly type?: string; // the Connect type it is imported as; @default 'DID'
}

/** A number already claimed in Connect before the test starts (e.g. to test adoption). */
export interface SeedClaimedNumber extends Scope {
  readonly phoneNumber: string;
  readonly targetArn: string;
  readonly countryCode?: string; // @default 'US'
  readonly type?: string; // @default 'DID'
  readonly description?: string;
  readonly tags?: Record<string, string>;
}

/**
 * Every fault may also carry `skip`: the first `skip` calls it would apply to pass untouched, so that
 * the fault hits the (skip + 1)th call of its operation (for phoneNumberError, of its operation; for
 * asyncFail, of that number in its operation).
 */
export type Fault = FaultKind & { readonly skip?: number };

export type FaultKind =
  /** The next `times` calls of `operation` answer this error (typed, with the service's wire format). */
  | {
      readonly kind: 'error';
      readonly operation: string;
      readonly times?: number;
      readonly errorName: string;
      readonly status: number;
      readonly message?: string;
    }
  /** The next `times` calls are answered after `ms` of real time. */
  | { readonly kind: 'delay'; readonly operation: string; readonly times?: number; readonly ms: number }
  /** The next `times` calls apply their change, then the connection is destroyed without a response. */
  | { readonly kind: 'dropAfterApply'; readonly operation: string; readonly times?: number }
  /** Associate/Disassociate calls report this number in PhoneNumberErrors with `errorCode` (HTTP 200), `times` calls. */
  | {
      readonly kind: 'phoneNumberError';
      readonly operation: string;
      readonly phoneNumber: string;
      readonly errorCode: string;
      readonly message?: string;
      readonly times?: number;
    }
  /** A claim (or update) of this number ends FAILED with `message` instead of CLAIMED. */
  | {
      readonly kind: 'asyncFail';
      readonly operation: 'ClaimPhoneNumber' | 'ImportPhoneNumber' | 'UpdatePhoneNumber' | 'UpdatePhoneNumberMetadata';
      readonly phoneNumber: string;
      readonly message?: string;
      readonly times?: number;
    }
  /**
   * The next `times` calls apply their change (unless `apply` is false), advance the emulator's clock by
   * `advanceClockMs` (when it is a ManualClock) and never answer: the caller hangs until its own timeout
   * or until the emulator stops. Models a call in flight when the Lambda invocation timed out.
   */
  | {
      readonly kind: 'hang';
      readonly operation: string;
      readonly times?: number;
      readonly apply?: boolean;
      readonly advanceClockMs?: number;
    };

export interface CallLogEntry {
  readonly seq: number;
  readonly service: 'connect' | 'chime';
  readonly operation: string; // e.g. 'ClaimPhoneNumber'; 'Unknown' for an unmatched route
  readonly accountId?: string;
  readonly region?: string;
  readonly input: Record<string, unknown>; // path labels, query and body members merged, decoded
  readonly status: number;
  readonly output?: unknown; // parsed response body
  readonly errorName?: string; // when status >= 400
  readonly fault?: Fault['kind'];
}

export interface SnapshotNumber {
  readonly phoneNumberId: string;
  readonly phoneNumberArn: string;
  readonly phoneNumber: string;
  readonly countryCode: string;
  readonly type: string;
  readonly targetArn: string;
  readonly status: 'IN_PROGRESS' | 'CLAIMED' | 'FAILED';
  readonly description?: string;
  readonly tags: Record<string, string>;
  /** instance id -> contact flow id, in the region where the number was claimed */
  readonly flows: Record<string, string>;
  /**
   * region -> instance id -> contact flow id, every region where the number has a flow (a number
   * claimed to a traffic distribution group has one per region; the replica instance keeps its id).
   */
  readonly flowsByRegion: Record<string, Record<string, string>>;
  /** True while a ReleasePhoneNumber is in progress (status IN_PROGRESS, then the number is gone). */
  readonly releasing?: boolean;
  /** The End User Messaging number it was imported from (ImportPhoneNumber). */
  readonly sourcePhoneNumberArn?: string;
}

/** A number of the End User Messaging inventory (seedSourceNumber), and the Connect number imported from it, if any. */
export interface SnapshotSourceNumber {
  readonly sourcePhoneNumberArn: string;
  readonly phoneNumber: string;
  /** The Connect number ImportPhoneNumber made of it (any status), while there is one. */
  readonly importedAs?: string;
}

export interface Snapshot {
  readonly accountId: string;
  readonly region: string;
  /** Connect numbers claimed in this account and region (including FAILED ones still held). */
  readonly claimed: SnapshotNumber[];
  /** E.164 numbers cooling down after release. */
  readonly coolingDown: string[];
  readonly available: Array<{ countryCode: string; type: string; phoneNumber: string }>;
  /** Chime: voice connector id -> E.164 numbers associated with it. */
  readonly voiceConnectors: Record<string, string[]>;
  /** Claims and releases counted toward the churn quota. */
  readonly churn: number;
  /** The End User Messaging numbers of this account and region (a number released for good is not listed). */
  readonly sourceNumbers: SnapshotSourceNumber[];
}

export interface Emulator {
  /** e.g. 'http://127.0.0.1:43121' */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;

  seedAvailableNumbers(seed: SeedAvailableNumbers): void;
  /** Returns the instance ARN. */
  seedInstance(seed: SeedInstance): string;
  /** Returns the TDG ARN. */
  seedTrafficDistributionGroup(seed: SeedTrafficDistributionGroup): string;
  /** Returns the contact flow ARN. */
  seedContactFlow(seed: SeedContactFlow): string;
  seedVoiceConnector(seed: SeedVoiceConnector): void;
  seedChimeNumber(seed: SeedChimeNumber): void;
  /** Returns the phone number ARN. */
  seedClaimedNumber(seed: SeedClaimedNumber): string;
  /** Returns the End User Messaging phone number ARN (ImportPhoneNumber's SourcePhoneNumberArn). */
  seedSourceNumber(seed: SeedSourceNumber): string;

  injectFault(fault: Fault): void;
  clearFaults(): void;

  /** Every request, in order. */
  calls(): CallLogEntry[];
  clearCalls(): void;
  snapshot(scope?: Scope): Snapshot;

  /**
   * CloudFormation's view of the stacks the local deployer publishes here (LocalDeployer option
   * `stacks: emulator.stacks`), served to the handler over the CloudFormation API (set
   * AWS_ENDPOINT_URL_CLOUDFORMATION to `endpoint`): DescribeStacks, GetTemplate, DescribeStackResources,
   * ListStacks, ListStackResources.
   */
  readonly stacks: CloudFormationStacks;

  /**
   * Back to an empty account (no seeds, no claims, no faults, no calls, no stacks), on the same port and
   * clock: many scenarios can share one emulator (and one handler bundle whose clients point at it).
   */
  reset(): void;
}
