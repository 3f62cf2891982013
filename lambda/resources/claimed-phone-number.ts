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
import { errorName, isIdempotencyConflict, isNotFound, isNumberNotAvailable, isResourceInUse, isThrottling, errorMessage } from '../aws-errors';
import { backoffDelayMs, connect, sleep } from '../clients';
import { PhoneNumberClaimFailedError, PhoneNumberReleaseFailedError, PhoneNumberUnavailableError } from '../errors';
import type { CreateRequest, DeleteRequest, IsCompleteRequest, IsCompleteResponse, OnEventResponse, ResourceHandler, UpdateRequest } from '../events';
import { clientToken, isOwnedBy, ownershipValue } from '../identity';
import { log } from '../logger';
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
async function findClaimed(client: ConnectClient, phoneNumber: string): Promise<ListPhoneNumbersSummary | undefined> {
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
      if (releaseStarted(current)) {
        log().info('The number is being released: not held', { phoneNumber, phoneNumberArn: hit.PhoneNumberArn });
        return undefined;
      }
      return hit;
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return undefined;
}

/** Numbers read (one Describe each) when looking among claimed numbers by their tags. */
export const MAX_TAGGED_CANDIDATES = 50;

/**
 * The first claimed number that matches a search declaration (in `targetArn` when given; any target
 * otherwise), is not `except`, and satisfies `wanted`. Reads at most `limit` numbers (default
 * MAX_TAGGED_CANDIDATES), one Describe each: it runs only on replays and replacements, never on a
 * plain create.
 */
async function findTagged(
  client: ConnectClient, p: Props, wanted: (n: ClaimedPhoneNumberSummary) => boolean,
  options: { targetArn?: string; except?: string; limit?: number } = {},
): Promise<ClaimedPhoneNumberSummary | undefined> {
  const limit = options.limit ?? MAX_TAGGED_CANDIDATES;
  let NextToken: string | undefined;
  let read = 0;
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
      if (++read > limit) {
        log().info('Stopped looking among claimed numbers after reading the limit', { limit });
        return undefined;
      }
      const summary = await describe(client, n.PhoneNumberArn as string);
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
  return findTagged(client, p, (n) => n.Tags?.[OWNER_TAG_KEY] === mine, { targetArn: p.TargetArn, limit: Number.POSITIVE_INFINITY });
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

/** Takes over a number already claimed in the account: ownership moves here, nothing is released or re-claimed. */
async function adopt(client: ConnectClient, e: Event, p: Props, found: { readonly PhoneNumberArn?: string }): Promise<OnEventResponse> {
  const arn = found.PhoneNumberArn as string;
  const current = await describe(client, arn);
  const tags = current.Tags ?? {};
  const toSet: Record<string, string> = {};
  if (!ownedByUs(e, tags)) toSet[OWNER_TAG_KEY] = ownership(e, 'adopt');
  for (const [k, v] of Object.entries(userTags(p))) if (tags[k] !== v) toSet[k] = v;
  if (Object.keys(toSet).length > 0) await client.send(new TagResourceCommand({ resourceArn: arn, tags: toSet }));
  log().info('Adopted phone number', { phoneNumber: current.PhoneNumber, phoneNumberArn: arn, previousOwner: tags[OWNER_TAG_KEY] });
  if (current.TargetArn !== p.TargetArn && current.PhoneNumberStatus?.Status !== 'IN_PROGRESS') {
    await moveTo(client, e, arn, p.TargetArn);
  }
  return response(arn, current.PhoneNumberId as string, current.PhoneNumber as string, p.TargetArn);
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
  if (found) return adopt(client, e, p, found);
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
  return p.PhoneNumber !== undefined ? createSpecific(client, e, p) : createBySearch(client, e, p);
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
function findOwnedMatch(client: ConnectClient, e: Event, p: Props, except: string): Promise<ClaimedPhoneNumberSummary | undefined> {
  return findTagged(client, p, (n) => ownedByUs(e, n.Tags) && n.PhoneNumberStatus?.Status !== 'FAILED' && !releaseStarted(n), { except });
}

/** Tells whether a claimed number satisfies a search declaration's country, type and prefix. */
function matchesSearch(n: ClaimedPhoneNumberSummary, p: Props): boolean {
  return n.PhoneNumberCountryCode === p.CountryCode
    && n.PhoneNumberType === (p.Type ?? 'DID')
    && (p.Prefix === undefined || (n.PhoneNumber ?? '').startsWith(p.Prefix))
    && n.PhoneNumberStatus?.Status !== 'FAILED';
}

/**
 * From a specific number to a search that this very number satisfies: the number stays (in place),
 * and is returned as just read. It is the mirror of search -> that specific number, which adopts the
 * resource's own number in place: without it, the rollback of such a pin (old and new swapped, same
 * physical id) would claim another number and its cleanup would release the one the stack had.
 */
async function pinnedNumberKept(e: UpdateRequest, p: Props, old: Props): Promise<ClaimedPhoneNumberSummary | undefined> {
  const parsed = parsePhoneNumberArn(e.PhysicalResourceId);
  if (p.PhoneNumber !== undefined || old.PhoneNumber === undefined || !parsed) return undefined;
  let current: ClaimedPhoneNumberSummary;
  try {
    current = await describe(connect(parsed.region), e.PhysicalResourceId);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return current.PhoneNumber === old.PhoneNumber && ownedByUs(e, current.Tags) && matchesSearch(current, p) ? current : undefined;
}

async function update(e: UpdateRequest, p: Props, old: Props): Promise<OnEventResponse> {
  if (numberIdentity(p) !== numberIdentity(old) || !parsePhoneNumberArn(e.PhysicalResourceId)) {
    const kept = await pinnedNumberKept(e, p, old);
    if (kept) {
      log().info('The number this resource holds satisfies the new search declaration: keeping it in place', { phoneNumberArn: e.PhysicalResourceId });
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
  return updateInPlace(e, p, old);
}

// ---- delete -------------------------------------------------------------------------------------

/**
 * Releases a number: marks it (RELEASE_TAG_KEY) so that lookups no longer count it as held, then
 * asks for the release, retrying while the number has another operation in progress. The release
 * itself runs on asynchronously (IN_PROGRESS until the number is gone); isComplete waits for it.
 */
async function release(client: ConnectClient, e: Event, arn: string): Promise<void> {
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
      if (!isResourceInUse(err)) throw err;
      if (attempt >= MAX_RELEASE_ATTEMPTS) {
        throw new PhoneNumberReleaseFailedError(`release of ${arn} still refused after ${attempt} attempts: ${errorMessage(err)}`, { cause: err });
      }
      await sleep(backoffDelayMs(attempt));
    }
  }
}

async function remove(e: DeleteRequest, p: Props): Promise<OnEventResponse> {
  const arn = e.PhysicalResourceId;
  const done = { PhysicalResourceId: arn };
  if (p.RemovalPolicy !== 'destroy') {
    log().info('Removal policy retains the number', { phoneNumberArn: arn });
    return done;
  }
  const parsed = parsePhoneNumberArn(arn);
  if (!parsed) {
    log().info('Physical id is not a phone number ARN: nothing to release', { physicalResourceId: arn });
    return done;
  }
  const client = connect(parsed.region);
  let current: ClaimedPhoneNumberSummary;
  try {
    current = await describe(client, arn);
  } catch (err) {
    if (isNotFound(err)) return done;
    throw err;
  }
  if (!ownedByUs(e, current.Tags)) {
    log().warn('Number is not owned by this resource (anymore): left claimed', { phoneNumberArn: arn, owner: current.Tags?.[OWNER_TAG_KEY] });
    return done;
  }
  if (releaseStarted(current) && current.PhoneNumberStatus?.Status === 'IN_PROGRESS') {
    // A replayed or retried Delete while the release runs: asking again would be refused as in use
    // (or, with another token, be a second release). isComplete waits until the number is gone.
    log().info('The release of this number is in progress', { phoneNumberArn: arn });
    return done;
  }
  await release(client, e, arn);
  return done;
}

/**
 * isComplete of a Delete: done when the number is gone, retained, or not this resource's to release;
 * waits while it is IN_PROGRESS (the release runs, or a claim or move ends first); releases it when a
 * Delete found it busy and it has settled since.
 */
async function deleteComplete(e: IsCompleteRequest, p: Props): Promise<IsCompleteResponse> {
  const arn = e.PhysicalResourceId;
  const parsed = parsePhoneNumberArn(arn);
  if (p.RemovalPolicy !== 'destroy' || !parsed) return { IsComplete: true };
  const client = connect(parsed.region);
  let current: ClaimedPhoneNumberSummary;
  try {
    current = await describe(client, arn);
  } catch (err) {
    if (isNotFound(err)) {
      log().info('Phone number released', { phoneNumberArn: arn });
      return { IsComplete: true };
    }
    throw err;
  }
  if (!ownedByUs(e, current.Tags)) return { IsComplete: true };
  if (current.PhoneNumberStatus?.Status === 'IN_PROGRESS') return { IsComplete: false };
  await release(client, e, arn);
  return { IsComplete: false };
}

// ---- isComplete ---------------------------------------------------------------------------------

/**
 * isComplete of a Create or Update. When it fails for any reason but a FAILED claim (which releases
 * on its own) or throttling, a number this very event claimed is released before the failure is reported: the
 * stack never got it, and after a failed create nobody else would give it back.
 */
async function isComplete(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  if (e.RequestType === 'Delete') return deleteComplete(e, p);
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
  if (ownedByAnother(e, current.Tags)) return { IsComplete: true, Data: data };
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
  } catch (err) {
    if (isThrottling(err) || isResourceInUse(err)) return { IsComplete: false };
    throw err;
  }
  return { IsComplete: true, Data: data };
}

export const claimedPhoneNumber: ResourceHandler<Props> = {
  upgrade: (raw) => upgradeClaimedPhoneNumber(raw),
  validate: (p) => validateClaimedPhoneNumber(p),
  create,
  update,
  delete: remove,
  isComplete,
};
