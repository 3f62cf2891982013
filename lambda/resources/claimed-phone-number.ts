/**
 * Custom::ClaimedPhoneNumber: claims a number (by search or a specific one), or adopts a specific
 * number already claimed in the account; keeps its target, description and tags as declared; releases
 * it on delete only when the removal policy says so and this resource still owns it.
 *
 * Physical id: the full phone-number ARN. Ownership: the tag OWNER_TAG_KEY (see ../identity).
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
  type ListPhoneNumbersSummary,
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
import { isIdempotencyConflict, isNotFound, isNumberNotAvailable, isResourceInUse, isThrottling, errorMessage } from '../aws-errors';
import { backoffDelayMs, connect, sleep } from '../clients';
import { completionTimedOut, completionTimeoutMs } from '../deadline';
import {
  CompletionTimedOutError, PhoneNumberClaimFailedError, PhoneNumberReleaseFailedError, PhoneNumberUnavailableError, TargetRegionChangeError,
} from '../errors';
import type {
  CreateRequest, DeleteRequest, DeleteStep, IsCompleteRequest, IsCompleteResponse, OnEventResponse, ResourceHandler, UpdateRequest,
} from '../events';
import { clientToken, isOwnedBy, ownershipValue } from '../identity';
import { log } from '../logger';
import { PRIOR_TAG_KEYS, priorOf, priorTags, readPrior, type PriorState } from '../prior-state';
import { ROLLBACK_STATUSES, stackStatus } from '../stack';
import { bindDeclaredFlow } from '../flow-intent';
import { isTransient } from '../retry-later';
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

/** The number if it is claimed in this account and region (any target), else undefined. */
async function findClaimed(client: ConnectClient, phoneNumber: string): Promise<ListPhoneNumbersSummary | undefined> {
  let NextToken: string | undefined;
  do {
    const out = await client.send(new ListPhoneNumbersV2Command({ PhoneNumberPrefix: phoneNumber, MaxResults: 1000, NextToken }));
    const hit = (out.ListPhoneNumbersSummaryList ?? []).find((n) => n.PhoneNumber === phoneNumber);
    if (hit) return hit;
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
 * Tells whether a failed call may have been applied all the same: no HTTP answer (a lost response, a
 * timeout), a server error or throttling. A client error (4xx) says the request was refused.
 */
function outcomeUnknown(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status === undefined || status >= 500 || isThrottling(err);
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
  const found = await findClaimed(client, phoneNumber);
  const summary = found ? await describe(client, found.PhoneNumberArn as string) : undefined;
  // A number whose claim ended FAILED is not claimed: claim it (the service allows a retry).
  if (summary && summary.PhoneNumberStatus?.Status !== 'FAILED') return adopt(client, e, p, summary);
  if (summary) log().info('The number is listed with a FAILED claim: claiming it', { phoneNumber, reason: summary.PhoneNumberStatus?.Message });
  try {
    return await claim(client, e, p, phoneNumber, clientToken(e.StackId, e.LogicalResourceId, e.RequestId, 'claim', phoneNumber));
  } catch (err) {
    const mine = ownership(e, 'claim');
    const recovered = await recoverClaim(err, async () => {
      const hit = await findClaimed(client, phoneNumber);
      const summary = hit ? await describe(client, hit.PhoneNumberArn as string) : undefined;
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
  const filter = `country ${p.CountryCode}, type ${p.Type ?? 'DID'}${p.Prefix ? `, prefix ${p.Prefix}` : ''}`;
  throw new PhoneNumberUnavailableError(
    attempts === 0
      ? `no phone number is available for ${filter} in ${p.TargetArn}.`
      : `no phone number could be claimed for ${filter} after ${attempts} attempt(s): ${errorMessage(lastError)}`,
    lastError === undefined ? undefined : { cause: lastError },
  );
}

async function create(e: CreateRequest | UpdateRequest, p: Props): Promise<OnEventResponse> {
  const client = connect(regionOfTarget(p.TargetArn));
  if (p.PhoneNumber !== undefined) return createSpecific(client, e, p);
  if (p.RemovalPolicy === 'retain') {
    // RETAIN keeps a number even when the deploy that claimed it fails: the next create of the same
    // resource takes that number back instead of claiming another (see README, "Removal and replacement").
    const owned = await findOwnedMatch(client, e, p, undefined, p.TargetArn);
    if (owned) {
      log().info('This resource already owns a number that matches: taking it back', { phoneNumberArn: owned.PhoneNumberArn });
      return adopt(client, e, p, owned);
    }
  }
  return createBySearch(client, e, p);
}

// ---- update -------------------------------------------------------------------------------------

/** Brings the held number to the declaration; `known` is its description when the caller just read it. */
async function updateInPlace(e: UpdateRequest, p: Props, old: Props, known?: ClaimedPhoneNumberSummary): Promise<OnEventResponse> {
  const arn = e.PhysicalResourceId;
  const client = connect(regionOfNumber(arn));
  const current = known ?? (await describe(client, arn));
  const tags = current.Tags ?? {};
  const done = response(arn, current.PhoneNumberId as string, current.PhoneNumber as string, p.TargetArn);
  if (ownedByAnother(e, tags)) {
    log().warn('Number is owned by another resource now; leaving it alone', { phoneNumberArn: arn, owner: tags[OWNER_TAG_KEY] });
    return done;
  }
  const desired = userTags(p);
  const toRemove = Object.keys(userTags(old)).filter((k) => !(k in desired) && k in tags);
  const toSet: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired)) if (tags[k] !== v) toSet[k] = v;
  if (tags[OWNER_TAG_KEY] === undefined) toSet[OWNER_TAG_KEY] = ownership(e, 'adopt');
  if (toRemove.length > 0) await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: toRemove }));
  if (Object.keys(toSet).length > 0) await client.send(new TagResourceCommand({ resourceArn: arn, tags: toSet }));
  if (current.TargetArn !== p.TargetArn && current.PhoneNumberStatus?.Status !== 'IN_PROGRESS') {
    await moveTo(client, e, arn, p.TargetArn);
  }
  // The description is set by isComplete once the number is CLAIMED (the service refuses a metadata
  // update while a move is IN_PROGRESS).
  return done;
}

/**
 * A number other than `except` that this resource owns and that matches a search declaration: the
 * number a replacement left behind. A rollback of a replacement (old and new swapped) comes back to
 * it, instead of claiming yet another number; so does a declaration changed back to an earlier one.
 */
function findOwnedMatch(
  client: ConnectClient, e: Event, p: Props, except: string | undefined, targetArn?: string,
): Promise<ClaimedPhoneNumberSummary | undefined> {
  return findTagged(client, p, (n) => ownedByUs(e, n.Tags) && satisfies(n, p), { except, targetArn });
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
    return updateInPlace(e, p, old);
  }
  const kept = await heldNumberKept(e, p);
  if (kept) {
    log().info('The number this resource holds satisfies the new declaration: keeping it in place', { phoneNumberArn: e.PhysicalResourceId });
    return updateInPlace(e, p, old, kept);
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
  return create(e, p);
}

// ---- delete -------------------------------------------------------------------------------------

async function release(client: ConnectClient, e: Event, arn: string): Promise<void> {
  const ClientToken = clientToken(e.StackId, e.LogicalResourceId, e.RequestId, 'release', arn);
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new ReleasePhoneNumberCommand({ PhoneNumberId: arn, ClientToken }));
      log().info('Released phone number', { phoneNumberArn: arn });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isResourceInUse(err)) throw err;
      if (attempt >= MAX_RELEASE_ATTEMPTS) {
        throw new PhoneNumberReleaseFailedError(`release of ${arn} still refused after ${attempt} attempts: ${errorMessage(err)}`, { cause: err });
      }
      await sleep(backoffDelayMs(attempt));
    }
  }
}

/**
 * Decides what deleting this resource does to its number, and leaves the doing to isComplete (which
 * can wait while the number has an operation in progress):
 * - 'restore': an adoption of this resource is undone (the stack rolls back, or the adoption never
 *   completed): the number gets its earlier target, description, tags and owner back. Never released.
 * - 'release': this resource owns the number and the policy says so: DESTROY; or
 *   RETAIN_ON_UPDATE_OR_DELETE while the deploy that claimed it rolls back.
 * - 'none': RETAIN, a number another resource owns now, or a number already gone.
 */
async function remove(e: DeleteRequest, p: Props): Promise<OnEventResponse> {
  const arn = e.PhysicalResourceId;
  const done = (step: DeleteStep): OnEventResponse => ({ PhysicalResourceId: arn, CdkPhoneNumbersDeleteStep: step });
  const parsed = parsePhoneNumberArn(arn);
  if (!parsed) {
    log().info('Physical id is not a phone number ARN: nothing to release', { physicalResourceId: arn });
    return done('none');
  }
  if (p.RemovalPolicy === 'retain' && !p.PhoneNumber) {
    // Search mode never adopts but to take back its own number: nothing to put back.
    log().info('Removal policy retains the number', { phoneNumberArn: arn });
    return done('none');
  }
  let current: ClaimedPhoneNumberSummary;
  try {
    current = await describe(connect(parsed.region), arn);
  } catch (err) {
    if (isNotFound(err)) return done('none');
    throw err;
  }
  const prior = readPrior(current.Tags);
  const owned = ownedByUs(e, current.Tags);
  const needsStatus = adoptingHere(e, prior) || (owned && p.RemovalPolicy !== 'retain');
  const status = needsStatus ? await stackStatus(e.StackId) : undefined;
  const rollingBack = status !== undefined && ROLLBACK_STATUSES.has(status);
  if (adoptingHere(e, prior) && (rollingBack || !owned)) {
    log().info('Undoing the adoption of the number: putting its earlier state back', { phoneNumberArn: arn, stackStatus: status });
    return done('restore');
  }
  if (!owned) {
    log().warn('Number is not owned by this resource (anymore): left claimed', { phoneNumberArn: arn, owner: current.Tags?.[OWNER_TAG_KEY] });
    return done('none');
  }
  const claimed = claimedHere(e, current.Tags);
  const release = rollingBack
    ? claimed && p.RemovalPolicy !== 'retain' // what the failed deploy claimed; an adopted number existed before
    : p.RemovalPolicy === 'destroy';
  log().info(release ? 'Releasing the number' : 'Removal policy retains the number', {
    phoneNumberArn: arn, removalPolicy: p.RemovalPolicy, stackStatus: status,
  });
  return done(release ? 'release' : 'none');
}

/** isComplete of a Delete: releases, or puts an adopted number back, one step per poll. */
async function completeDelete(e: IsCompleteRequest): Promise<IsCompleteResponse> {
  const step = e.CdkPhoneNumbersDeleteStep;
  if (step !== 'release' && step !== 'restore') return { IsComplete: true };
  const arn = e.PhysicalResourceId;
  const client = connect(regionOfNumber(arn));
  let current: ClaimedPhoneNumberSummary;
  try {
    current = await describe(client, arn);
  } catch (err) {
    if (isNotFound(err)) return { IsComplete: true };
    throw err;
  }
  // Neither a release nor a move is accepted while an operation is in progress: wait for it.
  if (current.PhoneNumberStatus?.Status === 'IN_PROGRESS') return { IsComplete: false };
  try {
    return step === 'release' ? await releaseStep(client, e, current) : await restoreStep(client, e, current);
  } catch (err) {
    if (isThrottling(err) || isResourceInUse(err)) return { IsComplete: false };
    throw err;
  }
}

async function releaseStep(client: ConnectClient, e: IsCompleteRequest, current: ClaimedPhoneNumberSummary): Promise<IsCompleteResponse> {
  if (!ownedByUs(e, current.Tags)) {
    log().warn('Number is owned by another resource now: left claimed', { phoneNumberArn: e.PhysicalResourceId, owner: current.Tags?.[OWNER_TAG_KEY] });
    return { IsComplete: true };
  }
  await release(client, e, e.PhysicalResourceId);
  return { IsComplete: true };
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
  if (e.RequestType === 'Delete') return completeDelete(e);
  try {
    return await settle(e, p, old);
  } catch (err) {
    // Throttling is not a failure: the waiter polls again (see ../index).
    if (!(err instanceof PhoneNumberClaimFailedError) && !isThrottling(err)) await releaseIfThisEventClaimed(e, err);
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
  } catch (err) {
    if (isThrottling(err) || isResourceInUse(err)) return { IsComplete: false };
    throw err;
  }
  return { IsComplete: true, Data: data };
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
