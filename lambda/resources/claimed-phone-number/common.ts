/**
 * What every part of Custom::ClaimedPhoneNumber shares: the property and event types, the ownership
 * markers (../../identity) as this resource reads them, its physical ids (the number's ARN, or a create's
 * pending id), and the answer built from a number.
 */
import {
  DescribePhoneNumberCommand,
  type ClaimedPhoneNumberSummary,
  type ConnectClient,
  type PhoneNumberType,
} from '@aws-sdk/client-connect';
import {
  DEFAULT_PHONE_NUMBER_TYPE,
  OWNER_TAG_KEY,
  parsePhoneNumberArn,
  parseTargetArn,
  type ClaimedPhoneNumberAttributes,
  type ClaimedPhoneNumberProperties,
} from '../../contract';
import { PhysicalIdInvalidError } from '../../errors';
import type { CreateRequest, DeleteRequest, IsCompleteRequest, OnEventResponse, UpdateRequest } from '../../events';
import { isOwnedBy, ownershipKindOf, ownershipValue } from '../../identity';
import type { PriorState } from './prior-state';

export type Props = ClaimedPhoneNumberProperties;
export type Event = CreateRequest | UpdateRequest | DeleteRequest | IsCompleteRequest;

/** Physical id of a create until its number is known: this prefix, then the create's request id. */
export const PENDING_ID_PREFIX = 'cdk-phone-numbers:pending:';

export const pendingId = (requestId: string): string => `${PENDING_ID_PREFIX}${requestId}`;

/** The request id of the create that answered a pending physical id, or undefined for any other id. */
export const pendingRequestOf = (physicalId: string): string | undefined =>
  physicalId.startsWith(PENDING_ID_PREFIX) && physicalId.length > PENDING_ID_PREFIX.length
    ? physicalId.slice(PENDING_ID_PREFIX.length)
    : undefined;

export const regionOfTarget = (targetArn: string): string => (parseTargetArn(targetArn) as { region: string }).region;

export function regionOfNumber(arn: string): string {
  const parsed = parsePhoneNumberArn(arn);
  if (!parsed) throw new PhysicalIdInvalidError(arn);
  return parsed.region;
}

/** The number type a declaration selects: the search's, DID when it names none. */
export const numberTypeOf = (p: Props): PhoneNumberType => (p.Type ?? DEFAULT_PHONE_NUMBER_TYPE) as PhoneNumberType;

/** What selects the number: a change of any of these is a replacement. */
export function numberIdentity(p: Props): string {
  return JSON.stringify([
    p.PhoneNumber ?? null,
    p.CountryCode ?? null,
    p.PhoneNumber === undefined ? numberTypeOf(p) : null,
    p.Prefix ?? null,
    ...(p.SourcePhoneNumberArn !== undefined ? [p.SourcePhoneNumberArn] : []),
  ]);
}

export const userTags = (p: Props | undefined): Record<string, string> =>
  Object.fromEntries((p?.Tags ?? []).filter((t) => t.Key !== OWNER_TAG_KEY).map((t) => [t.Key, t.Value]));

export const ownership = (e: Event, kind: 'claim' | 'adopt'): string => ownershipValue(e.StackId, e.LogicalResourceId, e.RequestId, kind);

export const ownedByUs = (e: Event, tags: Record<string, string> | undefined): boolean =>
  isOwnedBy(tags?.[OWNER_TAG_KEY], e.StackId, e.LogicalResourceId);

export const ownedByAnother = (e: Event, tags: Record<string, string> | undefined): boolean =>
  tags?.[OWNER_TAG_KEY] !== undefined && !ownedByUs(e, tags);

/** The prior record was written by an adoption of this resource (any event of it). */
export const adoptingHere = (e: Event, prior: PriorState | undefined): boolean =>
  prior !== undefined && isOwnedBy(prior.by, e.StackId, e.LogicalResourceId);

/** The ownership tag value says the number was claimed (not adopted) by this resource. */
export const claimedHere = (e: Event, tags: Record<string, string> | undefined): boolean =>
  ownedByUs(e, tags) && ownershipKindOf(tags?.[OWNER_TAG_KEY]) === 'claim';

/** The number as a number lookup, a claim or a description reads it: enough to answer with. */
export type NumberRead = Pick<ClaimedPhoneNumberSummary, 'PhoneNumberArn' | 'PhoneNumberId' | 'PhoneNumber'>;

/** The answer for the number `n` held at `targetArn`: its ARN as physical id, its attributes as Data. */
export function answer(
  n: NumberRead,
  targetArn: string,
): OnEventResponse & { Data: ClaimedPhoneNumberAttributes & Record<string, string> } {
  const arn = n.PhoneNumberArn as string;
  return {
    PhysicalResourceId: arn,
    Data: { PhoneNumberArn: arn, PhoneNumberId: n.PhoneNumberId as string, PhoneNumber: n.PhoneNumber as string, TargetArn: targetArn },
  };
}

/** The description the resource declares: undefined leaves it alone; a removed description is cleared. */
export function desiredDescription(p: Props, old: Props | undefined): string | undefined {
  if (p.Description !== undefined) return p.Description;
  return old?.Description !== undefined ? '' : undefined;
}

export async function describe(client: ConnectClient, arn: string): Promise<ClaimedPhoneNumberSummary> {
  const out = await client.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn }));
  return out.ClaimedPhoneNumberSummary as ClaimedPhoneNumberSummary;
}
