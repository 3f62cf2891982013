/**
 * Custom::ClaimedPhoneNumber: claims a number (by search or a specific one), or adopts a specific
 * number already claimed in the account; keeps its target, description and tags as declared; releases
 * it on delete only when the removal policy says so and this resource still owns it.
 *
 * Physical id: the full phone-number ARN. A create makes no call in onEvent: it answers a pending id
 * (PENDING_ID_PREFIX and its request id) and claims or adopts in isComplete, which answers the ARN once
 * the number has settled. A create that fails there (or whose invocation dies, or whose waiter times
 * out) is then answered FAILED under the pending id, and CloudFormation's rollback sends a Delete of it
 * that reaches the handler: the number is found by the create's markers and released or put back.
 * (A create that failed in onEvent gets the framework's CREATE_FAILED marker instead, and its Delete is
 * answered by the framework without calling the handler: nothing could undo a claim made there.)
 *
 * Ownership: the tag OWNER_TAG_KEY (see ../identity).
 */
import {
  ClaimPhoneNumberCommand,
  DescribePhoneNumberCommand,
  ListPhoneNumbersV2Command,
  ReleasePhoneNumberCommand,
  SearchAvailablePhoneNumbersCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePhoneNumberCommand,
  UpdatePhoneNumberMetadataCommand,
  type ClaimedPhoneNumberSummary,
  type ConnectClient,
  type PhoneNumberCountryCode,
  type PhoneNumberType,
} from '@aws-sdk/client-connect';
import { randomInt } from 'node:crypto';
import {
  OWNER_TAG_KEY,
  parsePhoneNumberArn,
  parseTargetArn,
  validateClaimedPhoneNumber,
  type ClaimedPhoneNumberAttributes,
  type ClaimedPhoneNumberProperties,
} from '../contract';
import {
  errorName, errorMessage, isIdempotencyConflict, isNotFound, isNumberNotAvailable, isResourceInUse, isThrottling, isTransient, outcomeUnknown,
} from '../aws-errors';
import { backoffDelayMs, connect, sleep } from '../clients';
import { completionTimedOut, completionTimeoutMs, settlePollMs, settleWaitMs } from '../deadline';
import {
  CompletionTimedOutError, PhoneNumberClaimFailedError, PhoneNumberReleaseFailedError, PhoneNumberUnavailableError, TargetRegionChangeError,
} from '../errors';
import type {
  CreateRequest, DeleteRequest, IsCompleteRequest, IsCompleteResponse, OnEventResponse, ResourceHandler, UpdateRequest,
} from '../events';
import { clientToken, isOwnedBy, ownershipValue } from '../identity';
import { log } from '../logger';
import { PRIOR_TAG_KEYS, priorOf, priorTags, readPrior, type PriorState } from '../prior-state';
import { ROLLBACK_STATUSES, stackStatus } from '../stack';
import { bindDeclaredFlow } from '../flow-intent';
import { upgradeClaimedPhoneNumber } from '../upgrade';

type Props = ClaimedPhoneNumberProperties;
type Event = CreateRequest | UpdateRequest | DeleteRequest | IsCompleteRequest;

/** Claims tried per create in search mode (each lost race moves on to another candidate). */
export const MAX_CLAIM_ATTEMPTS = 20;
/** Searches per create in search mode; each search reads up to SEARCH_PAGES pages of 10. */
export const MAX_SEARCHES = 8;
export const SEARCH_PAGES = 2;
/** Candidates tried from one search before searching again (the others are likely taken meanwhile). */
export const CLAIMS_PER_SEARCH = 4;
/** Releases retried while the number has an operation in progress (ResourceInUseException). */
export const MAX_RELEASE_ATTEMPTS = 8;

// ---- small helpers ------------------------------------------------------------------------------

/** Physical id of a create until its number is known: this prefix, then the create's request id. */
export const PENDING_ID_PREFIX = 'cdk-phone-numbers:pending:';
export const pendingId = (requestId: string): string => `${PENDING_ID_PREFIX}${requestId}`;
/** The request id of the create that answered a pending physical id, or undefined for any other id. */
export const pendingRequestOf = (physicalId: string): string | undefined =>
  physicalId.startsWith(PENDING_ID_PREFIX) && physicalId.length > PENDING_ID_PREFIX.length ? physicalId.slice(PENDING_ID_PREFIX.length) : undefined;

const regionOfTarget = (targetArn: string): string => (parseTargetArn(targetArn) as { region: string }).region;

function regionOfNumber(arn: string): string {
  const parsed = parsePhoneNumberArn(arn);
  if (!parsed) throw new PhoneNumberClaimFailedError(`'${arn}' is not a phone number ARN.`);
  return parsed.region;
}

/** What selects the number: a change of any of these is a replacement. */
export function numberIdentity(p: Props): string {
  return JSON.stringify([p.PhoneNumber ?? null, p.CountryCode ?? null, p.PhoneNumber === undefined ? p.Type ?? 'DID' : null, p.Prefix ?? null]);
}

const userTags = (p: Props | undefined): Record<string, string> =>
  Object.fromEntries((p?.Tags ?? []).filter((t) => t.Key !== OWNER_TAG_KEY).map((t) => [t.Key, t.Value]));

const ownership = (e: Event, kind: 'claim' | 'adopt'): string => ownershipValue(e.StackId, e.LogicalResourceId, e.RequestId, kind);
const ownedByUs = (e: Event, tags: Record<string, string> | undefined): boolean => isOwnedBy(tags?.[OWNER_TAG_KEY], e.StackId, e.LogicalResourceId);
const ownedByAnother = (e: Event, tags: Record<string, string> | undefined): boolean =>
  tags?.[OWNER_TAG_KEY] !== undefined && !ownedByUs(e, tags);
/** The prior record was written by an adoption of this resource (any event of it). */
const adoptingHere = (e: Event, prior: PriorState | undefined): boolean => prior !== undefined && isOwnedBy(prior.by, e.StackId, e.LogicalResourceId);
/** The ownership tag value says the number was claimed (not adopted) by this resource. */
const claimedHere = (e: Event, tags: Record<string, string> | undefined): boolean =>
  ownedByUs(e, tags) && /@c[0-9a-f]+$/.test(tags?.[OWNER_TAG_KEY] ?? '');

function attributes(arn: string, id: string, phoneNumber: string, targetArn: string): ClaimedPhoneNumberAttributes & Record<string, string> {
  return { PhoneNumberArn: arn, PhoneNumberId: id, PhoneNumber: phoneNumber, TargetArn: targetArn };
}

function response(arn: string, id: string, phoneNumber: string, targetArn: string): OnEventResponse {
  return { PhysicalResourceId: arn, Data: attributes(arn, id, phoneNumber, targetArn) };
}

/** The description the resource declares: undefined leaves it alone; a removed description is cleared. */
function desiredDescription(p: Props, old: Props | undefined): string | undefined {
  if (p.Description !== undefined) return p.Description;
  return old?.Description !== undefined ? '' : undefined;
}

async function describe(client: ConnectClient, arn: string): Promise<ClaimedPhoneNumberSummary> {
  const out = await client.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn }));
  return out.ClaimedPhoneNumberSummary as ClaimedPhoneNumberSummary;
}

/** Most digits a PhoneNumberPrefix may hold: the model's pattern is `^\+?[0-9]{1,11}$` (docs/service-facts.md). */
export const MAX_PREFIX_DIGITS = 11;

/**
 * The most selective PhoneNumberPrefix the service accepts for an E.164 number: '+' and its first
 * digits, at most MAX_PREFIX_DIGITS. A UK (+44 20 7946 0000) or German number is longer than that.
 */
export function listPrefixOf(e164: string): string {
  return `+${e164.replace(/^\+/, '').slice(0, MAX_PREFIX_DIGITS)}`;
}

/**
 * Tag written on a number just before this handler releases it; its value is the release's client
 * token. The release is asynchronous (IN_PROGRESS until the number is gone), and IN_PROGRESS alone
 * cannot tell a release from a claim or a move: the tag can.
 */
export const RELEASE_TAG_KEY = 'cdk-phone-numbers:release';

/** Tells whether this handler has started releasing the number (it is going away: no longer held). */
export const releaseStarted = (n: { readonly Tags?: Record<string, string> } | undefined): boolean => n?.Tags?.[RELEASE_TAG_KEY] !== undefined;

/**
 * The number if it is claimed in this account and region (any target) and not being released by
 * this handler, else undefined. The exact number is matched here: the service takes a prefix of at
 * most MAX_PREFIX_DIGITS digits, which may match other numbers.
 */
async function findClaimed(
  client: ConnectClient, phoneNumber: string, options: { includeReleasing?: boolean } = {},
): Promise<ClaimedPhoneNumberSummary | undefined> {
  let NextToken: string | undefined;
  do {
    const out = await client.send(new ListPhoneNumbersV2Command({ PhoneNumberPrefix: listPrefixOf(phoneNumber), MaxResults: 1000, NextToken }));
    const hit = (out.ListPhoneNumbersSummaryList ?? []).find((n) => n.PhoneNumber === phoneNumber);
    if (hit) {
      let current: ClaimedPhoneNumberSummary;
      try {
        current = await describe(client, hit.PhoneNumberArn as string);
      } catch (err) {
        if (isNotFound(err)) return undefined; // released between the list and the read
        throw err;
      }
      if (releaseStarted(current) && !options.includeReleasing) {
        log().info('The number is being released: not held', { phoneNumber, phoneNumberArn: hit.PhoneNumberArn });
        return undefined;
      }
      return current;
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return undefined;
}

/**
 * The first claimed number that matches a search declaration (in `targetArn` when given; any target
 * otherwise), is not `except`, and satisfies `wanted`. Reads every matching number, one Describe each
 * (stopping early would make the caller claim a second number or leak the first): it runs only on
 * replays, replacements and creates with RemovalPolicy RETAIN, never on a plain create.
 */
async function findTagged(
  client: ConnectClient, p: Props, wanted: (n: ClaimedPhoneNumberSummary) => boolean,
  options: { targetArn?: string; except?: string } = {},
): Promise<ClaimedPhoneNumberSummary | undefined> {
  let NextToken: string | undefined;
  do {
    const out = await client.send(new ListPhoneNumbersV2Command({
      TargetArn: options.targetArn,
      PhoneNumberCountryCodes: [p.CountryCode as PhoneNumberCountryCode],
      PhoneNumberTypes: [(p.Type ?? 'DID') as PhoneNumberType],
      PhoneNumberPrefix: p.Prefix,
      MaxResults: 1000,
      NextToken,
    }));
    for (const n of out.ListPhoneNumbersSummaryList ?? []) {
      if (n.PhoneNumberArn === options.except) continue;
      let summary: ClaimedPhoneNumberSummary;
      try {
        summary = await describe(client, n.PhoneNumberArn as string);
      } catch (err) {
        if (isNotFound(err)) continue; // released since it was listed
        throw err;
      }
      if (wanted(summary)) return summary;
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return undefined;
}

/**
 * The number an earlier delivery (or an earlier, unanswered call) of this same event claimed in search
 * mode: it carries this event's claim marker in its ownership tag. Called only after the service said
 * the event's client token was already used, which proves such a claim happened, or after a claim
 * call whose outcome is unknown: every matching number is read (no limit), since giving up early would
 * make the caller claim a second number or leak the first.
 */
function findEarlierClaim(client: ConnectClient, e: Event, p: Props): Promise<ClaimedPhoneNumberSummary | undefined> {
  const mine = ownership(e, 'claim');
  return findTagged(client, p, (n) => n.Tags?.[OWNER_TAG_KEY] === mine, { targetArn: p.TargetArn });
}


/**
 * After a claim whose outcome is unknown: the number this event claimed, if the claim was applied
 * (found by this event's claim marker). A failed create is never cleaned up (CloudFormation's Delete
 * after it does not reach the handler), so answering the number beats failing and leaking it. When
 * the lookup fails too, the original error stands.
 */
async function recoverClaim(
  err: unknown, find: () => Promise<ClaimedPhoneNumberSummary | undefined>,
): Promise<ClaimedPhoneNumberSummary | undefined> {
  if (!outcomeUnknown(err)) return undefined;
  try {
    const found = await find();
    if (found) log().warn('The claim call failed but the claim was applied: answering the claimed number', { phoneNumberArn: found.PhoneNumberArn, error: errorMessage(err) });
    return found;
  } catch (lookup) {
    log().error('The claim call failed and the lookup for the claimed number failed too; the number may be left claimed', {
      error: errorMessage(err), lookupError: errorMessage(lookup),
    });
    return undefined;
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

// ---- create -------------------------------------------------------------------------------------

async function claim(client: ConnectClient, e: Event, p: Props, phoneNumber: string, token: string): Promise<OnEventResponse> {
  const out = await client.send(new ClaimPhoneNumberCommand({
    TargetArn: p.TargetArn,
    PhoneNumber: phoneNumber,
    PhoneNumberDescription: p.Description,
    Tags: { ...userTags(p), [OWNER_TAG_KEY]: ownership(e, 'claim') },
    ClientToken: token,
  }));
  log().info('Claimed phone number', { phoneNumber, phoneNumberArn: out.PhoneNumberArn, targetArn: p.TargetArn });
  return response(out.PhoneNumberArn as string, out.PhoneNumberId as string, phoneNumber, p.TargetArn);
}

/**
 * Takes over a number already claimed in the account: nothing is released or re-claimed. First its
 * earlier state is recorded on it (../prior-state), so that a rollback can put it back; then it moves
 * to the declared target. Ownership and the user tags are written by isComplete only once the move
 * (and the description) have succeeded: until then the earlier owner still owns it.
 */
async function adopt(client: ConnectClient, e: Event, p: Props, current: ClaimedPhoneNumberSummary): Promise<OnEventResponse> {
  const arn = current.PhoneNumberArn as string;
  const tags = current.Tags ?? {};
  const by = ownership(e, 'adopt');
  if (readPrior(tags)?.by !== by) {
    // A replay of this event finds its own record and keeps it (the number may have moved since).
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: priorTags(priorOf(by, current, userTags(p))) }));
  }
  log().info('Adopting phone number', { phoneNumber: current.PhoneNumber, phoneNumberArn: arn, previousOwner: tags[OWNER_TAG_KEY] });
  if (current.TargetArn !== p.TargetArn && current.PhoneNumberStatus?.Status !== 'IN_PROGRESS') {
    try {
      await moveTo(client, e, arn, p.TargetArn);
    } catch (err) {
      // Refused (4xx): nothing changed, so the record goes. Unknown outcome: it stays for the undo.
      if (!outcomeUnknown(err)) await forgetPrior(client, arn, by);
      throw err;
    }
  }
  return response(arn, current.PhoneNumberId as string, current.PhoneNumber as string, p.TargetArn);
}

/** Removes the prior record of `by` from the number (best effort: the caller is failing already). */
async function forgetPrior(client: ConnectClient, arn: string, by: string): Promise<void> {
  try {
    const current = await describe(client, arn);
    if (readPrior(current.Tags)?.by !== by) return;
    const keys = PRIOR_TAG_KEYS.filter((k) => current.Tags?.[k] !== undefined);
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: keys }));
  } catch (err) {
    log().error('Could not remove the record of the failed adoption from the number', { phoneNumberArn: arn, error: errorMessage(err) });
  }
}

async function moveTo(client: ConnectClient, e: Event, arn: string, targetArn: string): Promise<void> {
  await client.send(new UpdatePhoneNumberCommand({
    PhoneNumberId: arn,
    TargetArn: targetArn,
    ClientToken: clientToken(e.StackId, e.LogicalResourceId, e.RequestId, arn, 'target', targetArn),
  }));
  log().info('Moving phone number', { phoneNumberArn: arn, targetArn });
}

async function createSpecific(client: ConnectClient, e: Event, p: Props): Promise<OnEventResponse> {
  const phoneNumber = p.PhoneNumber as string;
  const summary = await findClaimed(client, phoneNumber);
  if (summary && (summary.Tags?.[OWNER_TAG_KEY] === ownership(e, 'claim') || readPrior(summary.Tags)?.by === ownership(e, 'adopt'))) {
    // This very event claimed it or is adopting it (an earlier poll of a create): whatever its status,
    // settling it (or failing, when its claim or move ended FAILED) is isComplete's.
    return response(summary.PhoneNumberArn as string, summary.PhoneNumberId as string, phoneNumber, p.TargetArn);
  }
  if (summary && summary.PhoneNumberStatus?.Status !== 'FAILED' && claimedHere(e, summary.Tags)) {
    // This resource's own claim (a replayed event, or a create retried after one that died): it stays
    // a claim, not an adoption, so that a rollback releases it like any number the deploy claimed.
    log().info('The number is this resource\'s own claim: keeping it', { phoneNumber, phoneNumberArn: summary.PhoneNumberArn });
    return response(summary.PhoneNumberArn as string, summary.PhoneNumberId as string, phoneNumber, p.TargetArn);
  }
  // A number whose claim ended FAILED is not claimed: claim it (the service allows a retry).
  if (summary && summary.PhoneNumberStatus?.Status !== 'FAILED') return adopt(client, e, p, summary);
  if (summary) log().info('The number is listed with a FAILED claim: claiming it', { phoneNumber, reason: summary.PhoneNumberStatus?.Message });
  try {
    return await claim(client, e, p, phoneNumber, clientToken(e.StackId, e.LogicalResourceId, e.RequestId, 'claim', phoneNumber));
  } catch (err) {
    const mine = ownership(e, 'claim');
    const recovered = await recoverClaim(err, async () => {
      const summary = await findClaimed(client, phoneNumber);
      return summary?.Tags?.[OWNER_TAG_KEY] === mine ? summary : undefined;
    });
    if (recovered) return response(recovered.PhoneNumberArn as string, recovered.PhoneNumberId as string, phoneNumber, p.TargetArn);
    if (isNumberNotAvailable(err)) {
      throw new PhoneNumberUnavailableError(
        `phone number ${phoneNumber} cannot be claimed: ${errorMessage(err)} (it is not in the available inventory, belongs to another account, or cools down after a release).`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** Up to SEARCH_PAGES pages of available numbers matching the declaration, less those the stack declares elsewhere. */
async function searchCandidates(client: ConnectClient, p: Props): Promise<string[]> {
  const excluded = new Set(p.ExcludedPhoneNumbers ?? []);
  const found: string[] = [];
  let NextToken: string | undefined;
  for (let page = 0; page < SEARCH_PAGES; page++) {
    const out = await client.send(new SearchAvailablePhoneNumbersCommand({
      TargetArn: p.TargetArn,
      PhoneNumberCountryCode: p.CountryCode as PhoneNumberCountryCode,
      PhoneNumberType: (p.Type ?? 'DID') as PhoneNumberType,
      PhoneNumberPrefix: p.Prefix,
      MaxResults: 10,
      NextToken,
    }));
    found.push(...(out.AvailableNumbersList ?? []).map((n) => n.PhoneNumber as string).filter((n) => !excluded.has(n)));
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return found;
}

async function createBySearch(client: ConnectClient, e: Event, p: Props): Promise<OnEventResponse> {
  // One token per event: a replay that picks another candidate gets IdempotencyException, which
  // sends it looking for the number the first delivery claimed. Failed claims do not record it.
  let variant = 0;
  const token = (): string => clientToken(e.StackId, e.LogicalResourceId, e.RequestId, 'search', String(variant));
  let attempts = 0;
  let lastError: unknown;
  for (let search = 0; search < MAX_SEARCHES && attempts < MAX_CLAIM_ATTEMPTS; search++) {
    const candidates = shuffle(await searchCandidates(client, p));
    if (candidates.length === 0) break;
    const limit = Math.min(candidates.length, CLAIMS_PER_SEARCH);
    for (let i = 0; i < limit && attempts < MAX_CLAIM_ATTEMPTS; i++) {
      attempts++;
      try {
        return await claim(client, e, p, candidates[i], token());
      } catch (err) {
        lastError = err;
        if (isIdempotencyConflict(err)) {
          const earlier = await findEarlierClaim(client, e, p);
          if (earlier) {
            log().info('Found the number an earlier delivery of this event claimed', { phoneNumberArn: earlier.PhoneNumberArn });
            return response(earlier.PhoneNumberArn as string, earlier.PhoneNumberId as string, earlier.PhoneNumber as string, p.TargetArn);
          }
          variant++;
          i--; // same candidate, fresh token
        } else if (isNumberNotAvailable(err)) {
          log().info('Lost the race for a candidate; trying another', { phoneNumber: candidates[i] });
        } else {
          const recovered = await recoverClaim(err, () => findEarlierClaim(client, e, p));
          if (recovered) {
            return response(recovered.PhoneNumberArn as string, recovered.PhoneNumberId as string, recovered.PhoneNumber as string, p.TargetArn);
          }
          throw err;
        }
      }
    }
  }
  // A later poll of a create whose earlier poll claimed the last matching number finds no candidate to
  // try its token on: the number it claimed is looked for before failing (this reads every matching number).
  if (attempts === 0 || isNumberNotAvailable(lastError)) {
    const earlier = await findEarlierClaim(client, e, p);
    if (earlier) return response(earlier.PhoneNumberArn as string, earlier.PhoneNumberId as string, earlier.PhoneNumber as string, p.TargetArn);
  }
  const filter = `country ${p.CountryCode}, type ${p.Type ?? 'DID'}${p.Prefix ? `, prefix ${p.Prefix}` : ''}`;
  throw new PhoneNumberUnavailableError(
    attempts === 0
      ? `no phone number is available for ${filter} in ${p.TargetArn}.`
      : `no phone number could be claimed for ${filter} after ${attempts} attempt(s): ${errorMessage(lastError)}`,
    lastError === undefined ? undefined : { cause: lastError },
  );
}

/**
 * Claims or adopts the declared number (the number a create or a replacement holds from then on).
 * Idempotent, so that every poll of a create can run it again: a specific number this event already
 * claimed or adopts is found and answered; in search mode, the event's claim token makes a second claim
 * fail with IdempotencyException, which sends it to the number the first one claimed.
 */
async function claimOrAdopt(e: Event, p: Props): Promise<OnEventResponse> {
  const client = connect(regionOfTarget(p.TargetArn));
  if (p.PhoneNumber !== undefined) return createSpecific(client, e, p);
  if (p.RemovalPolicy === 'retain') {
    // RETAIN keeps a number even when the deploy that claimed it fails: the next create of the same
    // resource takes that number back instead of claiming another (see README, "Removal and replacement").
    const owned = await findOwnedMatch(client, e, p, undefined, p.TargetArn);
    if (owned && owned.Tags?.[OWNER_TAG_KEY] === ownership(e, 'claim')) {
      // This very event claimed it (an earlier poll): it stays its claim.
      return response(owned.PhoneNumberArn as string, owned.PhoneNumberId as string, owned.PhoneNumber as string, p.TargetArn);
    }
    if (owned) {
      log().info('This resource already owns a number that matches: taking it back', { phoneNumberArn: owned.PhoneNumberArn });
      return adopt(client, e, p, owned);
    }
  }
  return createBySearch(client, e, p);
}

/**
 * onEvent of a Create: no call, only the pending physical id; isComplete claims (see the head of this
 * file). The target's region is checked here, before anything else.
 */
async function create(e: CreateRequest, p: Props): Promise<OnEventResponse> {
  regionOfTarget(p.TargetArn);
  return { PhysicalResourceId: pendingId(e.RequestId) };
}

/**
 * isComplete of a Create: claims or adopts (again, idempotently, at every poll), then waits in this
 * invocation for the number to settle, since a later poll would have to find it again. Complete, it
 * answers the number's ARN as the physical id.
 */
async function completeCreate(e: IsCompleteRequest, p: Props): Promise<IsCompleteResponse> {
  const arn = (await claimOrAdopt(e, p)).PhysicalResourceId;
  const at: IsCompleteRequest = { ...e, PhysicalResourceId: arn };
  const wait = settleWaitMs();
  const pause = Math.max(settlePollMs(), 1);
  const waitUntil = Date.now() + wait;
  // Bounded by count as well as by time: the clock may be one that stands still (a local run's).
  for (let checks = Math.floor(wait / pause); ; checks--) {
    const result = await settleOrUndo(at, p, undefined);
    if (result.IsComplete) return { ...result, PhysicalResourceId: arn };
    if (checks <= 0 || Date.now() + pause > waitUntil) return { IsComplete: false };
    await sleep(pause);
  }
}

// ---- update -------------------------------------------------------------------------------------

/** Brings the held number to the declaration; `known` is its description when the caller just read it. */
async function updateInPlace(e: UpdateRequest, p: Props, known?: ClaimedPhoneNumberSummary): Promise<OnEventResponse> {
  // No call here: the tags, the move and the description are isComplete's (`settle`), where a passing
  // failure is tried again at the next poll; in a rollback Update, failing would leave the stack in
  // UPDATE_ROLLBACK_FAILED. The number's attributes are completed there too.
  const arn = e.PhysicalResourceId;
  const id = known?.PhoneNumberId ?? parsePhoneNumberArn(arn)?.phoneNumberId ?? '';
  return { PhysicalResourceId: arn, Data: { PhoneNumberArn: arn, PhoneNumberId: id, TargetArn: p.TargetArn, ...(known?.PhoneNumber ? { PhoneNumber: known.PhoneNumber } : {}) } };
}

/** Brings the number's user tags to the declaration (and marks an unowned number as adopted). */
async function syncTags(client: ConnectClient, e: IsCompleteRequest, current: ClaimedPhoneNumberSummary, p: Props, old: Props | undefined): Promise<boolean> {
  const arn = e.PhysicalResourceId;
  const tags = current.Tags ?? {};
  const desired = userTags(p);
  const toRemove = Object.keys(userTags(old)).filter((k) => !(k in desired) && k in tags);
  const toSet: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired)) if (tags[k] !== v) toSet[k] = v;
  if (tags[OWNER_TAG_KEY] === undefined) toSet[OWNER_TAG_KEY] = ownership(e, 'adopt');
  if (toRemove.length > 0) await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: toRemove }));
  if (Object.keys(toSet).length > 0) await client.send(new TagResourceCommand({ resourceArn: arn, tags: toSet }));
  return toRemove.length > 0 || Object.keys(toSet).length > 0;
}

/**
 * A number other than `except` that this resource owns and that matches a search declaration: the
 * number a replacement left behind. A rollback of a replacement (old and new swapped) comes back to
 * it, instead of claiming yet another number; so does a declaration changed back to an earlier one.
 */
function findOwnedMatch(
  client: ConnectClient, e: Event, p: Props, except: string | undefined, targetArn?: string,
): Promise<ClaimedPhoneNumberSummary | undefined> {
  return findTagged(client, p, (n) => ownedByUs(e, n.Tags) && satisfies(n, p) && !releaseStarted(n), { except, targetArn });
}

/**
 * Tells whether a claimed number satisfies a declaration: the very number, or a search's country, type
 * and prefix (less the numbers the stack declares elsewhere); never a number whose claim FAILED.
 */
function satisfies(n: ClaimedPhoneNumberSummary, p: Props): boolean {
  if (n.PhoneNumberStatus?.Status === 'FAILED') return false;
  if (p.PhoneNumber !== undefined) return n.PhoneNumber === p.PhoneNumber;
  return n.PhoneNumberCountryCode === p.CountryCode
    && n.PhoneNumberType === (p.Type ?? 'DID')
    && (p.Prefix === undefined || (n.PhoneNumber ?? '').startsWith(p.Prefix))
    && !(p.ExcludedPhoneNumbers ?? []).includes(n.PhoneNumber ?? '');
}

/**
 * The number at the physical id, when it satisfies the new declaration in the same region and this
 * resource holds it: it stays (in place), returned as just read. An Update whose declaration the held
 * number satisfies never claims nor releases: the rollback of a failed change (old and new swapped,
 * on the original physical id) keeps the original number, and so does a pin to the held number or a
 * widened search.
 */
async function heldNumberKept(e: UpdateRequest, p: Props): Promise<ClaimedPhoneNumberSummary | undefined> {
  const parsed = parsePhoneNumberArn(e.PhysicalResourceId);
  if (!parsed || parsed.region !== regionOfTarget(p.TargetArn)) return undefined;
  let current: ClaimedPhoneNumberSummary;
  try {
    current = await describe(connect(parsed.region), e.PhysicalResourceId);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return (ownedByUs(e, current.Tags) || adoptingHere(e, readPrior(current.Tags))) && satisfies(current, p) ? current : undefined;
}

async function update(e: UpdateRequest, p: Props, old: Props): Promise<OnEventResponse> {
  const parsed = parsePhoneNumberArn(e.PhysicalResourceId);
  if (parsed && numberIdentity(p) === numberIdentity(old)) {
    if (parsed.region !== regionOfTarget(p.TargetArn)) throw new TargetRegionChangeError(e.LogicalResourceId, e.PhysicalResourceId, p.TargetArn);
    return updateInPlace(e, p);
  }
  const kept = await heldNumberKept(e, p);
  if (kept) {
    log().info('The number this resource holds satisfies the new declaration: keeping it in place', { phoneNumberArn: e.PhysicalResourceId });
    return updateInPlace(e, p, kept);
  }
  log().info('The number changed: replacing', { from: numberIdentity(old), to: numberIdentity(p) });
  if (p.PhoneNumber === undefined) {
    const client = connect(regionOfTarget(p.TargetArn));
    const owned = await findOwnedMatch(client, e, p, e.PhysicalResourceId);
    if (owned) {
      log().info('This resource already owns a number that matches: taking it back', { phoneNumberArn: owned.PhoneNumberArn });
      return adopt(client, e, p, owned);
    }
  }
  return claimOrAdopt(e, p);
}

// ---- delete -------------------------------------------------------------------------------------

/**
 * Releases a number: marks it (RELEASE_TAG_KEY) so that lookups no longer count it as held, then
 * asks for the release, retrying while the number has another operation in progress. The release
 * itself runs on asynchronously (IN_PROGRESS until the number is gone); isComplete waits for it.
 */
async function release(client: ConnectClient, e: Event, arn: string, maxAttempts = MAX_RELEASE_ATTEMPTS): Promise<void> {
  const ClientToken = clientToken(e.StackId, e.LogicalResourceId, e.RequestId, 'release', arn);
  try {
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { [RELEASE_TAG_KEY]: ClientToken } }));
  } catch (err) {
    if (isNotFound(err)) return;
    // A number that already has 50 tags cannot take the mark: release it all the same.
    if (errorName(err) !== 'InvalidParameterException') throw err;
    log().warn('Could not mark the number before releasing it', { phoneNumberArn: arn, error: errorMessage(err) });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new ReleasePhoneNumberCommand({ PhoneNumberId: arn, ClientToken }));
      log().info('Release of phone number started', { phoneNumberArn: arn });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isResourceInUse(err) || maxAttempts === 1) throw err;
      if (attempt >= maxAttempts) {
        throw new PhoneNumberReleaseFailedError(`release of ${arn} still refused after ${attempt} attempts: ${errorMessage(err)}`, { cause: err });
      }
      await sleep(backoffDelayMs(attempt));
    }
  }
}

/**
 * Delete: nothing is called here. The decision and the work are isComplete's (`completeDelete`), one
 * step per poll, so that a passing failure (throttling, a 5xx, a number busy with an operation) is
 * tried again at the next poll instead of failing the Delete, which in a rollback would leave the stack
 * in ROLLBACK_FAILED.
 */
async function remove(e: DeleteRequest): Promise<OnEventResponse> {
  return { PhysicalResourceId: e.PhysicalResourceId };
}

/**
 * isComplete of a Delete: what deleting this resource does to its number, decided again at every poll
 * from the number itself and the stack's status (so a replayed or retried Delete joins in):
 * - restore: an adoption of this resource is undone (the stack rolls back, or the adoption never
 *   completed): the number gets its earlier target, description, tags and owner back. Never released.
 * - release: this resource owns the number and the policy says so: DESTROY; or
 *   RETAIN_ON_UPDATE_OR_DELETE (or DESTROY) while the deploy that claimed it rolls back.
 * - nothing: RETAIN, a number another resource owns now, or a number already gone.
 * While the number has an operation IN_PROGRESS (a claim, a move, the release itself), it waits.
 */
async function completeDelete(e: IsCompleteRequest, p: Props, failedCreate = false): Promise<IsCompleteResponse> {
  const arn = e.PhysicalResourceId;
  const createRequest = pendingRequestOf(arn);
  if (createRequest !== undefined) return completePendingDelete(e, p, createRequest);
  const parsed = parsePhoneNumberArn(arn);
  if (!parsed) {
    log().info('Physical id is not a phone number ARN: nothing to release', { physicalResourceId: arn });
    return { IsComplete: true };
  }
  if (p.RemovalPolicy === 'retain' && !p.PhoneNumber) {
    // Search mode adopts only its own number (taking it back): there is nothing to put back.
    log().info('Removal policy retains the number', { phoneNumberArn: arn });
    return { IsComplete: true };
  }
  const client = connect(parsed.region);
  let current: ClaimedPhoneNumberSummary;
  try {
    current = await describe(client, arn);
  } catch (err) {
    if (isNotFound(err)) return { IsComplete: true };
    throw err;
  }
  // Neither a release nor a move is accepted while an operation is in progress: wait for it.
  if (current.PhoneNumberStatus?.Status === 'IN_PROGRESS') return { IsComplete: false };
  const prior = readPrior(current.Tags);
  const owned = ownedByUs(e, current.Tags);
  const needsStatus = adoptingHere(e, prior) || (owned && p.RemovalPolicy !== 'retain');
  const status = needsStatus ? await stackStatus(e.StackId) : undefined;
  const rollingBack = status !== undefined && ROLLBACK_STATUSES.has(status);
  if (adoptingHere(e, prior) && (rollingBack || !owned || failedCreate)) {
    log().info('Undoing the adoption of the number: putting its earlier state back', { phoneNumberArn: arn, stackStatus: status });
    return restoreStep(client, e, current);
  }
  if (!owned) {
    log().warn('Number is not owned by this resource (anymore): left claimed', { phoneNumberArn: arn, owner: current.Tags?.[OWNER_TAG_KEY] });
    return { IsComplete: true };
  }
  const release = rollingBack || failedCreate
    ? claimedHere(e, current.Tags) && p.RemovalPolicy !== 'retain' // what the failed deploy claimed; an adopted number existed before
    : p.RemovalPolicy === 'destroy';
  log().info(release ? 'Releasing the number' : 'Removal policy retains the number', {
    phoneNumberArn: arn, removalPolicy: p.RemovalPolicy, stackStatus: status,
  });
  return release ? releaseStep(client, e) : { IsComplete: true };
}

/**
 * The Delete of a create answered FAILED under its pending id (`createRequest` is that create's request
 * id): the number it claimed or was adopting is found by the create's markers and released or put back
 * as after any failed create (never one it did not claim or adopt). Nothing found: nothing to undo.
 */
async function completePendingDelete(e: IsCompleteRequest, p: Props, createRequest: string): Promise<IsCompleteResponse> {
  const create: IsCompleteRequest = { ...e, RequestId: createRequest };
  const claimMark = ownership(create, 'claim');
  const adoptMark = ownership(create, 'adopt');
  const mine = (n: ClaimedPhoneNumberSummary): boolean =>
    n.Tags?.[OWNER_TAG_KEY] === claimMark || n.Tags?.[OWNER_TAG_KEY] === adoptMark || readPrior(n.Tags)?.by === adoptMark;
  const client = connect(regionOfTarget(p.TargetArn));
  const found = p.PhoneNumber !== undefined
    ? await findClaimed(client, p.PhoneNumber, { includeReleasing: true })
    : await findTagged(client, p, mine, { targetArn: p.TargetArn });
  if (!found || !mine(found)) {
    log().info('The failed create left no number: nothing to undo', { physicalResourceId: e.PhysicalResourceId });
    return { IsComplete: true };
  }
  log().info('Undoing what the failed create did to its number', { phoneNumberArn: found.PhoneNumberArn });
  return completeDelete({ ...e, PhysicalResourceId: found.PhoneNumberArn as string }, p, true);
}

async function releaseStep(client: ConnectClient, e: IsCompleteRequest): Promise<IsCompleteResponse> {
  // One attempt: a number still busy is tried again at the next poll (see ../index).
  await release(client, e, e.PhysicalResourceId, 1);
  // The release is asynchronous: the next polls wait while it is IN_PROGRESS, until the number is gone.
  return { IsComplete: false };
}

/** Puts back, one change per poll, what `readPrior` recorded: target, then description, then tags. */
async function restoreStep(client: ConnectClient, e: IsCompleteRequest, current: ClaimedPhoneNumberSummary): Promise<IsCompleteResponse> {
  const arn = e.PhysicalResourceId;
  const prior = readPrior(current.Tags);
  if (!adoptingHere(e, prior)) return { IsComplete: true }; // restored already
  const was = prior as PriorState;
  if (was.target && current.TargetArn !== was.target) {
    await moveTo(client, e, arn, was.target);
    return { IsComplete: false };
  }
  const description = was.description ?? '';
  if ((current.PhoneNumberDescription ?? '') !== description) {
    await client.send(new UpdatePhoneNumberMetadataCommand({
      PhoneNumberId: arn,
      PhoneNumberDescription: description,
      ClientToken: clientToken(e.StackId, e.LogicalResourceId, e.RequestId, arn, 'restore-description', description),
    }));
    return { IsComplete: false };
  }
  const tags = current.Tags ?? {};
  const toSet: Record<string, string> = {};
  const toRemove = PRIOR_TAG_KEYS.filter((k) => tags[k] !== undefined);
  if (was.owner !== null) toSet[OWNER_TAG_KEY] = was.owner;
  else if (tags[OWNER_TAG_KEY] !== undefined) toRemove.push(OWNER_TAG_KEY);
  for (const [k, v] of Object.entries(was.tags)) {
    if (v === null && tags[k] !== undefined) toRemove.push(k);
    else if (v !== null && tags[k] !== v) toSet[k] = v;
  }
  if (Object.keys(toSet).length > 0) await client.send(new TagResourceCommand({ resourceArn: arn, tags: toSet }));
  // The record goes last: a failure before this point is retried from it.
  await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: toRemove }));
  log().info('Put the adopted number back as it was', { phoneNumberArn: arn, target: was.target, owner: was.owner });
  return { IsComplete: true };
}

// ---- isComplete ---------------------------------------------------------------------------------

/**
 * isComplete of a Create or Update. When it fails for any reason but a FAILED claim (which releases
 * on its own) or throttling, a number this very event claimed is released before the failure is reported: the
 * stack never got it, and after a failed create nobody else would give it back.
 */
async function isComplete(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  if (e.RequestType === 'Delete') return completeDelete(e, p);
  if (e.RequestType === 'Create' && pendingRequestOf(e.PhysicalResourceId) !== undefined) return completeCreate(e, p);
  return settleOrUndo(e, p, old);
}

/** `settle`; when it fails for good, a number this very event claimed is released first. */
async function settleOrUndo(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  try {
    return await settle(e, p, old);
  } catch (err) {
    // A passing failure is not a failure: the waiter polls again (see ../index).
    if (!(err instanceof PhoneNumberClaimFailedError) && !isTransient(err)) await releaseIfThisEventClaimed(e, err);
    throw err;
  }
}

async function releaseIfThisEventClaimed(e: IsCompleteRequest, failure: unknown): Promise<void> {
  const arn = e.PhysicalResourceId;
  try {
    const client = connect(regionOfNumber(arn));
    const current = await describe(client, arn);
    if (current.Tags?.[OWNER_TAG_KEY] !== ownership(e, 'claim')) return;
    log().warn('Completion check failed: releasing the number this event claimed', { phoneNumberArn: arn, reason: errorMessage(failure) });
    await release(client, e, arn);
  } catch (cleanup) {
    // The original failure is what CloudFormation must see; the log says the number may be left.
    log().error('Could not release the number this event claimed; release it by hand if it is not wanted', {
      phoneNumberArn: arn, error: errorMessage(cleanup),
    });
  }
}

async function settle(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  const arn = e.PhysicalResourceId;
  const client = connect(regionOfNumber(arn));
  let current: ClaimedPhoneNumberSummary;
  try {
    current = await describe(client, arn);
  } catch (err) {
    if (isThrottling(err)) return { IsComplete: false };
    throw err;
  }
  const status = current.PhoneNumberStatus?.Status;
  const description = desiredDescription(p, e.RequestType === 'Update' ? old : undefined);
  const targetMatches = current.TargetArn === p.TargetArn;
  const descriptionMatches = description === undefined || (current.PhoneNumberDescription ?? '') === description;
  const data = attributes(arn, current.PhoneNumberId as string, current.PhoneNumber as string, p.TargetArn);
  log().info('Phone number status', { phoneNumberArn: arn, status, targetMatches, descriptionMatches });

  if (completionTimedOut(e)) return timedOut(client, e, current);
  if (status === 'IN_PROGRESS') return { IsComplete: false };
  if (status === 'FAILED') {
    const reason = current.PhoneNumberStatus?.Message ?? 'no message';
    if (current.Tags?.[OWNER_TAG_KEY] === ownership(e, 'claim')) {
      // This event claimed the number: give it back before failing (nobody else will).
      await release(client, e, arn);
      throw new PhoneNumberClaimFailedError(`claim of ${current.PhoneNumber} failed: ${reason}; the number was released.`);
    }
    if (!targetMatches || !descriptionMatches) {
      throw new PhoneNumberClaimFailedError(`update of ${current.PhoneNumber} failed: ${reason}`);
    }
    log().warn('Number reports FAILED from an earlier operation but matches the declaration', { reason });
    return { IsComplete: true, Data: data };
  }
  const adopting = readPrior(current.Tags)?.by === ownership(e, 'adopt');
  if (ownedByAnother(e, current.Tags) && !adopting) return { IsComplete: true, Data: data };
  try {
    if (!targetMatches) {
      await moveTo(client, e, arn, p.TargetArn);
      return { IsComplete: false };
    }
    if (!descriptionMatches) {
      await client.send(new UpdatePhoneNumberMetadataCommand({
        PhoneNumberId: arn,
        PhoneNumberDescription: description,
        ClientToken: clientToken(e.StackId, e.LogicalResourceId, e.RequestId, arn, 'description', description as string),
      }));
      return { IsComplete: false };
    }
    if (adopting && current.Tags?.[OWNER_TAG_KEY] !== ownership(e, 'adopt')) {
      // The adoption's changes have succeeded: only now does the number change owner.
      await client.send(new TagResourceCommand({ resourceArn: arn, tags: { ...userTags(p), [OWNER_TAG_KEY]: ownership(e, 'adopt') } }));
      log().info('Adopted phone number', { phoneNumberArn: arn, previousOwner: current.Tags?.[OWNER_TAG_KEY] });
    } else if (e.RequestType === 'Update' && !adopting) {
      await syncTags(client, e, current, p, old);
    }
    // CLAIMED at its target: bind the flow a binding recorded on it while it was elsewhere (a binding
    // rolled back before its number does not wait for it; see ../flow-intent).
    try {
      await bindDeclaredFlow(client, current);
    } catch (err) {
      // Throttled, 5xx, timed out: bind on the next poll rather than fail the number's event for it.
      if (isTransient(err)) return { IsComplete: false };
      throw err;
    }
    if (e.RequestType === 'Update' && old && numberIdentity(old) !== numberIdentity(p)) {
      await releaseAbandonedClaims(e, p, old);
    }
  } catch (err) {
    if (isTransient(err)) return { IsComplete: false };
    throw err;
  }
  return { IsComplete: true, Data: data };
}

/**
 * The rollback of a change of number (old and new declarations swapped): a number this resource claimed
 * for the failed declaration (`failed`, the rollback's OldResourceProperties) that CloudFormation never
 * learned of, because the forward event died after its claim, is held by nothing: it is released, unless
 * the removal policy is RETAIN (then the next deploy takes it back). Runs only while the stack rolls back.
 */
async function releaseAbandonedClaims(e: IsCompleteRequest, p: Props, failed: Props): Promise<void> {
  if (p.RemovalPolicy === 'retain') return;
  const status = await stackStatus(e.StackId);
  if (status === undefined || !ROLLBACK_STATUSES.has(status)) return;
  const abandoned = (n: ClaimedPhoneNumberSummary): boolean =>
    n.PhoneNumberArn !== e.PhysicalResourceId && claimedHere(e, n.Tags) && !releaseStarted(n) && n.PhoneNumberStatus?.Status === 'CLAIMED';
  const where = connect(regionOfTarget(failed.TargetArn));
  const found = failed.PhoneNumber !== undefined
    ? await findClaimed(where, failed.PhoneNumber)
    : await findTagged(where, failed, abandoned, { except: e.PhysicalResourceId });
  if (found && abandoned(found)) {
    log().warn('Releasing a number the failed change claimed and the stack never held', { phoneNumberArn: found.PhoneNumberArn });
    await release(where, e, found.PhoneNumberArn as string, 1);
  }
}

/**
 * Past the completion deadline (well before the Provider's waiter gives up, which would leave the
 * number to nobody): a number this event claimed is released once its claim has settled, then the
 * event fails; anything else fails at once, and CloudFormation's rollback puts it back.
 */
async function timedOut(client: ConnectClient, e: IsCompleteRequest, current: ClaimedPhoneNumberSummary): Promise<IsCompleteResponse> {
  const minutes = Math.round(completionTimeoutMs() / 60_000);
  const what = `${current.PhoneNumber} did not reach its declared state within ${minutes} min (status ${current.PhoneNumberStatus?.Status})`;
  if (current.Tags?.[OWNER_TAG_KEY] !== ownership(e, 'claim')) throw new CompletionTimedOutError(`${what}; the rollback puts it back.`);
  if (current.PhoneNumberStatus?.Status === 'IN_PROGRESS') return { IsComplete: false }; // cannot be released yet
  await release(client, e, e.PhysicalResourceId);
  throw new CompletionTimedOutError(`${what}; the number this deploy claimed was released.`);
}

export const claimedPhoneNumber: ResourceHandler<Props> = {
  upgrade: (raw) => upgradeClaimedPhoneNumber(raw),
  validate: (p) => validateClaimedPhoneNumber(p),
  create,
  update,
  delete: remove,
  isComplete,
};
