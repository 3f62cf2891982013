/**
 * Finding numbers: a specific number by itself, numbers matching a search declaration, and the number
 * an event claimed or this resource owns. The service lists without tags, so every candidate is read
 * (DescribePhoneNumber) before it is judged.
 */
import {
  paginateListPhoneNumbersV2,
  type ClaimedPhoneNumberSummary,
  type ConnectClient,
  type ListPhoneNumbersSummary,
  type ListPhoneNumbersV2CommandInput,
  type PhoneNumberCountryCode,
} from '@aws-sdk/client-connect';
import { OWNER_TAG_KEY, parseTargetArn } from '../../contract';
import { isNotFound } from '../../aws-errors';
import { log } from '../../logger';
import { describe, numberTypeOf, ownedByUs, ownership, type Event, type Props } from './common';

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
export const releaseStarted = (n: { readonly Tags?: Record<string, string> } | undefined): boolean =>
  n?.Tags?.[RELEASE_TAG_KEY] !== undefined;

/**
 * Every number ListPhoneNumbersV2 lists for `filter`, page after page (the SDK's paginator, 1000 a
 * page); a caller that stops early reads no further page.
 */
async function* listed(
  client: ConnectClient,
  filter: Omit<ListPhoneNumbersV2CommandInput, 'MaxResults' | 'NextToken'>,
): AsyncGenerator<ListPhoneNumbersSummary> {
  for await (const page of paginateListPhoneNumbersV2({ client, pageSize: 1000 }, filter)) yield* page.ListPhoneNumbersSummaryList ?? [];
}

/**
 * The TargetArn filters to list under: none, then `targetArn` when it is a traffic distribution group.
 * Whether a list without TargetArn shows numbers claimed to one is unverified (docs/service-facts.md);
 * a list by the group's ARN does.
 */
function targetFilters(targetArn: string | undefined): Array<string | undefined> {
  return targetArn !== undefined && parseTargetArn(targetArn)?.kind === 'traffic-distribution-group' ? [undefined, targetArn] : [undefined];
}

/**
 * The listing of the exact number, claimed to any target or to `targetArn`: the service takes a prefix
 * of at most MAX_PREFIX_DIGITS digits, which may match others.
 */
async function listing(client: ConnectClient, phoneNumber: string, targetArn?: string): Promise<ListPhoneNumbersSummary | undefined> {
  for (const TargetArn of targetFilters(targetArn)) {
    for await (const n of listed(client, { TargetArn, PhoneNumberPrefix: listPrefixOf(phoneNumber) }))
      if (n.PhoneNumber === phoneNumber) return n;
  }
  return undefined;
}

/**
 * The number if it is claimed in this account and region (any target) and not being released by
 * this handler, else undefined. The exact number is matched here: the service takes a prefix of at
 * most MAX_PREFIX_DIGITS digits, which may match other numbers.
 */
export async function findClaimed(
  client: ConnectClient,
  phoneNumber: string,
  options: { includeReleasing?: boolean; targetArn?: string } = {},
): Promise<ClaimedPhoneNumberSummary | undefined> {
  const hit = await listing(client, phoneNumber, options.targetArn);
  if (!hit) return undefined;
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

/** Tells whether ListPhoneNumbersV2 still lists the number `arn`, claimed to `targetArn` (a released one is listed until it is gone). */
export async function isListed(client: ConnectClient, phoneNumber: string, arn: string, targetArn?: string): Promise<boolean> {
  return (await listing(client, phoneNumber, targetArn))?.PhoneNumberArn === arn;
}

/**
 * The first claimed number that matches a search declaration (in `targetArn` when given; any target
 * otherwise), is not `except`, and satisfies `wanted`. Reads every matching number, one Describe each
 * (stopping early would make the caller claim a second number or leak the first): it runs only on
 * replays, replacements and creates with RemovalPolicy RETAIN, never on a plain create.
 */
export async function findTagged(
  client: ConnectClient,
  p: Props,
  wanted: (n: ClaimedPhoneNumberSummary) => boolean,
  options: { targetArn?: string; except?: string } = {},
): Promise<ClaimedPhoneNumberSummary | undefined> {
  // Without a target: any target, then the declaration's own when it is a traffic distribution group (see targetFilters).
  for (const TargetArn of options.targetArn !== undefined ? [options.targetArn] : targetFilters(p.TargetArn)) {
    const found = await firstWanted(client, p, wanted, { TargetArn, except: options.except });
    if (found) return found;
  }
  return undefined;
}

async function firstWanted(
  client: ConnectClient,
  p: Props,
  wanted: (n: ClaimedPhoneNumberSummary) => boolean,
  options: { TargetArn?: string; except?: string },
): Promise<ClaimedPhoneNumberSummary | undefined> {
  const matching = listed(client, {
    TargetArn: options.TargetArn,
    PhoneNumberCountryCodes: [p.CountryCode as PhoneNumberCountryCode],
    PhoneNumberTypes: [numberTypeOf(p)],
    PhoneNumberPrefix: p.Prefix,
  });
  for await (const n of matching) {
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
  return undefined;
}

/**
 * The number an earlier delivery (or an earlier, unanswered call) of this same event claimed in search
 * mode: it carries this event's claim marker in its ownership tag. Called only after the service said
 * the event's client token was already used, which proves such a claim happened, or after a claim
 * call whose outcome is unknown: every matching number is read (no limit), since giving up early would
 * make the caller claim a second number or leak the first.
 */
export function findEarlierClaim(client: ConnectClient, e: Event, p: Props): Promise<ClaimedPhoneNumberSummary | undefined> {
  const mine = ownership(e, 'claim');
  return findTagged(client, p, (n) => n.Tags?.[OWNER_TAG_KEY] === mine, { targetArn: p.TargetArn });
}

/**
 * A number other than `except` that this resource owns and that matches a search declaration: the
 * number a replacement left behind. A rollback of a replacement (old and new swapped) comes back to
 * it, instead of claiming yet another number; so does a declaration changed back to an earlier one.
 */
export function findOwnedMatch(
  client: ConnectClient,
  e: Event,
  p: Props,
  except: string | undefined,
  targetArn?: string,
): Promise<ClaimedPhoneNumberSummary | undefined> {
  return findTagged(client, p, (n) => ownedByUs(e, n.Tags) && satisfies(n, p) && !releaseStarted(n), { except, targetArn });
}

/**
 * Tells whether a claimed number satisfies a declaration: the very number, or a search's country, type
 * and prefix (less the numbers the stack declares elsewhere); never a number whose claim FAILED.
 */
export function satisfies(n: ClaimedPhoneNumberSummary, p: Props): boolean {
  if (n.PhoneNumberStatus?.Status === 'FAILED') return false;
  if (p.PhoneNumber !== undefined) return n.PhoneNumber === p.PhoneNumber;
  if (p.SourcePhoneNumberArn !== undefined) return n.SourcePhoneNumberArn === p.SourcePhoneNumberArn;
  return (
    n.PhoneNumberCountryCode === p.CountryCode &&
    n.PhoneNumberType === numberTypeOf(p) &&
    (p.Prefix === undefined || (n.PhoneNumber ?? '').startsWith(p.Prefix)) &&
    !(p.ExcludedPhoneNumbers ?? []).includes(n.PhoneNumber ?? '')
  );
}
