/**
 * Claiming or adopting the declared number: a specific number (claimed when free, adopted when already
 * claimed in the account), or one found by search (candidates shuffled, each lost race moving on to
 * another), with the recovery of a claim whose answer was lost. Idempotent, so that every poll of a
 * create can run it again (see ./index).
 */
import {
  ClaimPhoneNumberCommand,
  paginateSearchAvailablePhoneNumbers,
  TagResourceCommand,
  UntagResourceCommand,
  type ClaimedPhoneNumberSummary,
  type ConnectClient,
  type PhoneNumberCountryCode,
} from '@aws-sdk/client-connect';
import { randomInt } from 'node:crypto';
import { OWNER_TAG_KEY } from '../../contract';
import { errorMessage, isIdempotencyConflict, isNumberNotAvailable, outcomeUnknown } from '../../aws-errors';
import { connect } from '../../clients';
import { PhoneNumberUnavailableError } from '../../errors';
import type { OnEventResponse } from '../../events';
import { clientToken } from '../../identity';
import { log } from '../../logger';
import { PRIOR_TAG_KEYS, priorOf, priorTags, readPrior } from './prior-state';
import { answer, claimedHere, describe, numberTypeOf, ownership, regionOfTarget, userTags, type Event, type Props } from './common';
import { moveTo } from './changes';
import { refuseIfHeld } from './holders';
import { findClaimed, findEarlierClaim, findOwnedMatch } from './lookups';
import { importOrAdopt, isImport } from './import';

/** Claims tried per create in search mode (each lost race moves on to another candidate). */
export const MAX_CLAIM_ATTEMPTS = 20;

/** Searches per create in search mode; each search reads up to SEARCH_PAGES pages of 10. */
export const MAX_SEARCHES = 8;

export const SEARCH_PAGES = 2;

/** Candidates tried from one search before searching again (the others are likely taken meanwhile). */
export const CLAIMS_PER_SEARCH = 4;

/**
 * After a claim whose outcome is unknown: the number this event claimed, if the claim was applied
 * (found by this event's claim marker). A failed create is never cleaned up (CloudFormation's Delete
 * after it does not reach the handler), so answering the number beats failing and leaking it. When
 * the lookup fails too, the original error stands.
 */
async function recoverClaim(
  err: unknown,
  find: () => Promise<ClaimedPhoneNumberSummary | undefined>,
): Promise<ClaimedPhoneNumberSummary | undefined> {
  if (!outcomeUnknown(err)) return undefined;
  try {
    const found = await find();
    if (found)
      log().warn('The claim call failed but the claim was applied: answering the claimed number', {
        phoneNumberArn: found.PhoneNumberArn,
        error: errorMessage(err),
      });
    return found;
  } catch (lookup) {
    log().error('The claim call failed and the lookup for the claimed number failed too; the number may be left claimed', {
      error: errorMessage(err),
      lookupError: errorMessage(lookup),
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

async function claim(client: ConnectClient, e: Event, p: Props, phoneNumber: string, token: string): Promise<OnEventResponse> {
  const out = await client.send(
    new ClaimPhoneNumberCommand({
      TargetArn: p.TargetArn,
      PhoneNumber: phoneNumber,
      PhoneNumberDescription: p.Description,
      Tags: { ...userTags(p), [OWNER_TAG_KEY]: ownership(e, 'claim') },
      ClientToken: token,
    }),
  );
  log().info('Claimed phone number', { phoneNumber, phoneNumberArn: out.PhoneNumberArn, targetArn: p.TargetArn });
  return answer({ ...out, PhoneNumber: phoneNumber }, p.TargetArn);
}

/**
 * Takes over a number already claimed in the account: nothing is released or re-claimed. First its
 * earlier state is recorded on it (./prior-state), so that a rollback can put it back; then it moves
 * to the declared target. Ownership and the user tags are written by isComplete only once the move
 * (and the description) have succeeded: until then the earlier owner still owns it.
 */
export async function adopt(client: ConnectClient, e: Event, p: Props, current: ClaimedPhoneNumberSummary): Promise<OnEventResponse> {
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
  return answer(current, p.TargetArn);
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

async function createSpecific(client: ConnectClient, e: Event, p: Props): Promise<OnEventResponse> {
  const phoneNumber = p.PhoneNumber as string;
  const summary = await findClaimed(client, phoneNumber, { targetArn: p.TargetArn });
  if (summary && (summary.Tags?.[OWNER_TAG_KEY] === ownership(e, 'claim') || readPrior(summary.Tags)?.by === ownership(e, 'adopt'))) {
    // This very event claimed it or is adopting it (an earlier poll of a create): whatever its status,
    // settling it (or failing, when its claim or move ended FAILED) is isComplete's.
    return answer(summary, p.TargetArn);
  }
  if (summary && summary.PhoneNumberStatus?.Status !== 'FAILED' && claimedHere(e, summary.Tags)) {
    // This resource's own claim (a replayed event, or a create retried after one that died): it stays
    // a claim, not an adoption, so that a rollback releases it like any number the deploy claimed.
    log().info("The number is this resource's own claim: keeping it", { phoneNumber, phoneNumberArn: summary.PhoneNumberArn });
    return answer(summary, p.TargetArn);
  }
  // A number whose claim ended FAILED is not claimed: claim it (the service allows a retry).
  if (summary && summary.PhoneNumberStatus?.Status !== 'FAILED') {
    await refuseIfHeld(e, p, summary);
    return adopt(client, e, p, summary);
  }
  if (summary)
    log().info('The number is listed with a FAILED claim: claiming it', { phoneNumber, reason: summary.PhoneNumberStatus?.Message });
  try {
    return await claim(client, e, p, phoneNumber, clientToken(e.StackId, e.LogicalResourceId, e.RequestId, 'claim', phoneNumber));
  } catch (err) {
    const mine = ownership(e, 'claim');
    const recovered = await recoverClaim(err, async () => {
      const summary = await findClaimed(client, phoneNumber, { targetArn: p.TargetArn });
      return summary?.Tags?.[OWNER_TAG_KEY] === mine ? summary : undefined;
    });
    if (recovered) return answer(recovered, p.TargetArn);
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
  const pages = paginateSearchAvailablePhoneNumbers(
    { client, pageSize: 10 },
    {
      TargetArn: p.TargetArn,
      PhoneNumberCountryCode: p.CountryCode as PhoneNumberCountryCode,
      PhoneNumberType: numberTypeOf(p),
      PhoneNumberPrefix: p.Prefix,
    },
  );
  let read = 0;
  for await (const page of pages) {
    found.push(...(page.AvailableNumbersList ?? []).map((n) => n.PhoneNumber as string).filter((n) => !excluded.has(n)));
    if (++read >= SEARCH_PAGES) break;
  }
  return found;
}

/** Claim calls made by one search-mode create, and the variant of its claim token in use. */
interface SearchState {
  attempts: number;
  variant: number;
}

/**
 * One token per event (variant 0): a replay, or a later poll, that picks another candidate gets
 * IdempotencyException, which sends it looking for the number the first claim took. Failed claims do
 * not record the token.
 */
const searchToken = (e: Event, variant: number): string =>
  clientToken(e.StackId, e.LogicalResourceId, e.RequestId, 'search', String(variant));

/** Claims one candidate: the answer, or the error of the race it lost (the number is not available any more). */
async function claimCandidate(
  client: ConnectClient,
  e: Event,
  p: Props,
  candidate: string,
  state: SearchState,
): Promise<{ readonly answer: OnEventResponse } | { readonly lost: unknown }> {
  for (;;) {
    state.attempts++;
    try {
      return { answer: await claim(client, e, p, candidate, searchToken(e, state.variant)) };
    } catch (err) {
      if (isNumberNotAvailable(err)) {
        log().info('Lost the race for a candidate; trying another', { phoneNumber: candidate });
        return { lost: err };
      }
      if (!isIdempotencyConflict(err)) {
        const recovered = await recoverClaim(err, () => findEarlierClaim(client, e, p));
        if (recovered) return { answer: answer(recovered, p.TargetArn) };
        throw err;
      }
      const earlier = await findEarlierClaim(client, e, p);
      if (earlier) {
        log().info('Found the number an earlier delivery of this event claimed', { phoneNumberArn: earlier.PhoneNumberArn });
        return { answer: answer(earlier, p.TargetArn) };
      }
      if (state.attempts >= MAX_CLAIM_ATTEMPTS) return { lost: err };
      state.variant++; // the same candidate, with a fresh token
    }
  }
}

/** Search mode: up to MAX_SEARCHES searches, CLAIMS_PER_SEARCH shuffled candidates each, MAX_CLAIM_ATTEMPTS claims in all. */
async function createBySearch(client: ConnectClient, e: Event, p: Props): Promise<OnEventResponse> {
  const state: SearchState = { attempts: 0, variant: 0 };
  let lastError: unknown;
  for (let search = 0; search < MAX_SEARCHES && state.attempts < MAX_CLAIM_ATTEMPTS; search++) {
    const candidates = shuffle(await searchCandidates(client, p)).slice(0, CLAIMS_PER_SEARCH);
    if (candidates.length === 0) break;
    for (const candidate of candidates) {
      if (state.attempts >= MAX_CLAIM_ATTEMPTS) break;
      const attempt = await claimCandidate(client, e, p, candidate, state);
      if ('answer' in attempt) return attempt.answer;
      lastError = attempt.lost;
    }
  }
  // A later poll of a create whose earlier poll claimed the last matching number finds no candidate to
  // try its token on: the number it claimed is looked for before failing (this reads every matching number).
  if (state.attempts === 0 || isNumberNotAvailable(lastError)) {
    const earlier = await findEarlierClaim(client, e, p);
    if (earlier) return answer(earlier, p.TargetArn);
  }
  const filter = `country ${p.CountryCode}, type ${numberTypeOf(p)}${p.Prefix ? `, prefix ${p.Prefix}` : ''}`;
  throw new PhoneNumberUnavailableError(
    state.attempts === 0
      ? `no phone number is available for ${filter} in ${p.TargetArn}.`
      : `no phone number could be claimed for ${filter} after ${state.attempts} attempt(s): ${errorMessage(lastError)}`,
    lastError === undefined ? undefined : { cause: lastError },
  );
}

/**
 * Claims or adopts the declared number (the number a create or a replacement holds from then on).
 * Idempotent, so that every poll of a create can run it again: a specific number this event already
 * claimed or adopts is found and answered; in search mode, the event's claim token makes a second claim
 * fail with IdempotencyException, which sends it to the number the first one claimed.
 */
export async function claimOrAdopt(e: Event, p: Props): Promise<OnEventResponse> {
  if (isImport(p)) return importOrAdopt(e, p); // ./import
  const client = connect(regionOfTarget(p.TargetArn));
  if (p.PhoneNumber !== undefined) return createSpecific(client, e, p);
  if (p.RemovalPolicy === 'retain') {
    // RETAIN keeps a number even when the deploy that claimed it fails: the next create of the same
    // resource takes that number back instead of claiming another (see README, "Removal and replacement").
    const owned = await findOwnedMatch(client, e, p, undefined, p.TargetArn);
    if (owned && owned.Tags?.[OWNER_TAG_KEY] === ownership(e, 'claim')) {
      // This very event claimed it (an earlier poll): it stays its claim.
      return answer(owned, p.TargetArn);
    }
    if (owned) {
      log().info('This resource already owns a number that matches: taking it back', { phoneNumberArn: owned.PhoneNumberArn });
      return adopt(client, e, p, owned);
    }
  }
  return createBySearch(client, e, p);
}
