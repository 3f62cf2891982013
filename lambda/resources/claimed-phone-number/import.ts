/**
 * Import mode (SourcePhoneNumberArn): the number is brought from AWS End User Messaging into the target
 * instance with ImportPhoneNumber, or adopted in place when it is already imported in this account.
 *
 * An import is a claim of this resource (the ownership tag's claim kind, written by the import call
 * itself), made in isComplete under the create's pending id like every create (./index), idempotent
 * with a client token derived from the event, and settled like a claim (./settle).
 *
 * What a release does to an imported number is not documented (docs/service-facts.md): it may hand it
 * back to End User Messaging, or release it for good. So a number this resource imported is released
 * only when its removal policy is DESTROY; any other Delete, a rollback's included, leaves it imported
 * and owned by this resource, and the next create of the same resource takes it back (`heldAlready`)
 * instead of importing again. Under either reading, a failed deploy never loses a number that existed
 * before it.
 */
import {
  ImportPhoneNumberCommand,
  paginateListPhoneNumbersV2,
  type ClaimedPhoneNumberSummary,
  type ConnectClient,
} from '@aws-sdk/client-connect';
import { OWNER_TAG_KEY, parseTargetArn, type InstanceArn } from '../../contract';
import { errorMessage, errorName, isNotFound, outcomeUnknown } from '../../aws-errors';
import { connect } from '../../clients';
import { PhoneNumberUnavailableError } from '../../errors';
import type { OnEventResponse } from '../../events';
import { clientToken } from '../../identity';
import { log } from '../../logger';
import { readPrior } from './prior-state';
import { adopt } from './claim';
import { refuseIfHeld } from './holders';
import { releaseStarted } from './lookups';
import { answer, claimedHere, describe, ownership, regionOfTarget, userTags, type Event, type Props } from './common';

/** The declaration imports its number (SourcePhoneNumberArn) rather than claiming one. */
export const isImport = (p: Props): boolean => p.SourcePhoneNumberArn !== undefined;

/**
 * Tells whether an undo (a rollback, a failed create, a failure after this event imported) leaves the
 * number imported instead of releasing it: an imported number (it names its source) under any policy
 * but DESTROY. See the head of this file.
 */
export const keptOnUndo = (p: Props, current: Pick<ClaimedPhoneNumberSummary, 'SourcePhoneNumberArn'>): boolean =>
  current.SourcePhoneNumberArn !== undefined && p.RemovalPolicy !== 'destroy';

/**
 * The number imported from `source` in this account and region (any target), read with its tags, or
 * undefined. ListPhoneNumbersV2 has no filter by source: every listed number is read from the list,
 * and only the match is described.
 */
export async function findImported(client: ConnectClient, source: string): Promise<ClaimedPhoneNumberSummary | undefined> {
  for await (const page of paginateListPhoneNumbersV2({ client, pageSize: 1000 }, {})) {
    const hit = (page.ListPhoneNumbersSummaryList ?? []).find((n) => n.SourcePhoneNumberArn === source);
    if (!hit) continue;
    try {
      return await describe(client, hit.PhoneNumberArn as string);
    } catch (err) {
      if (isNotFound(err)) return undefined; // released between the list and the read
      throw err;
    }
  }
  return undefined;
}

/** Imports the declared source into the target instance, marked as this event's claim from the start. */
async function importSource(client: ConnectClient, e: Event, p: Props): Promise<OnEventResponse> {
  const source = p.SourcePhoneNumberArn as string;
  const out = await client.send(
    new ImportPhoneNumberCommand({
      InstanceId: (parseTargetArn(p.TargetArn) as InstanceArn).instanceId,
      SourcePhoneNumberArn: source,
      PhoneNumberDescription: p.Description,
      Tags: { ...userTags(p), [OWNER_TAG_KEY]: ownership(e, 'claim') },
      ClientToken: clientToken(e.StackId, e.LogicalResourceId, e.RequestId, 'import', source),
    }),
  );
  log().info('Imported phone number', { sourcePhoneNumberArn: source, phoneNumberArn: out.PhoneNumberArn, targetArn: p.TargetArn });
  return answer(out, p.TargetArn);
}

/**
 * The source is imported already (not FAILED): this very event's import (an earlier poll), or this
 * resource's own earlier import (kept by an undo, see the head of this file), is answered as its claim;
 * anyone else's is adopted in place, like a specific number already claimed (./claim adopt), unless a live
 * resource of another stack holds it and the declaration does not say TakeOver (./holders).
 */
async function heldAlready(client: ConnectClient, e: Event, p: Props, found: ClaimedPhoneNumberSummary): Promise<OnEventResponse> {
  const thisEvent = found.Tags?.[OWNER_TAG_KEY] === ownership(e, 'claim') || readPrior(found.Tags)?.by === ownership(e, 'adopt');
  if (thisEvent) return answer(found, p.TargetArn);
  if (claimedHere(e, found.Tags)) {
    log().info("The source is this resource's own earlier import: taking it back", { phoneNumberArn: found.PhoneNumberArn });
    return answer(found, p.TargetArn);
  }
  // One number, one holder: another live resource's import is taken only with TakeOver (./holders).
  await refuseIfHeld(e, p, found);
  return adopt(client, e, p, found);
}

/** The error a refused import fails with: what was refused, and what to check. */
function refused(err: unknown, p: Props): unknown {
  const name = errorName(err);
  if (name !== 'ResourceNotFoundException' && name !== 'InvalidParameterException') return err;
  return new PhoneNumberUnavailableError(
    `phone number ${p.SourcePhoneNumberArn} cannot be imported into ${p.TargetArn}: ${errorMessage(err)} ` +
      '(check that the number is in AWS End User Messaging in the same account and region as the instance, and that the instance exists).',
    { cause: err },
  );
}

/**
 * Imports the declared source, or takes over the number already imported from it. Idempotent, so that
 * every poll of a create can run it again: the number this event imported is found by its source and
 * this event's marker. A number whose import ended FAILED is imported again (the service allows it).
 */
export async function importOrAdopt(e: Event, p: Props): Promise<OnEventResponse> {
  const client = connect(regionOfTarget(p.TargetArn));
  const source = p.SourcePhoneNumberArn as string;
  const found = await findImported(client, source);
  if (found && releaseStarted(found)) {
    throw new PhoneNumberUnavailableError(
      `phone number ${source} is being released from Connect (${found.PhoneNumberArn}); deploy again once the release is done.`,
    );
  }
  if (found && found.PhoneNumberStatus?.Status !== 'FAILED') return heldAlready(client, e, p, found);
  try {
    return await importSource(client, e, p);
  } catch (err) {
    if (outcomeUnknown(err)) {
      // The import may have been applied: its number carries this event's marker.
      const applied = await findImported(client, source).catch(() => undefined);
      if (applied?.Tags?.[OWNER_TAG_KEY] === ownership(e, 'claim')) return answer(applied, p.TargetArn);
    }
    throw refused(err, p);
  }
}
