/**
 * isComplete of a create or an update: brings the number to its declaration one change per poll (the
 * target, the description, the adoption's ownership, the tags), reports a claim or move that ended
 * FAILED, enforces the completion deadline, and, in a rollback, releases what a failed change claimed.
 */
import {
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePhoneNumberMetadataCommand,
  type ClaimedPhoneNumberSummary,
  type ConnectClient,
} from '@aws-sdk/client-connect';
import { OWNER_TAG_KEY } from '../../contract';
import { errorMessage, isNotFound, isThrottling, isTransient } from '../../aws-errors';
import { connect } from '../../clients';
import { completionTimedOut, completionTimeoutMs } from '../../deadline';
import {
  CompletionTimedOutError,
  PhoneNumberClaimFailedError,
  PhoneNumberGoneError,
  PhoneNumberUpdateFailedError,
  PhysicalIdInvalidError,
} from '../../errors';
import type { IsCompleteRequest, IsCompleteResponse } from '../../events';
import { clientToken } from '../../identity';
import { log } from '../../logger';
import { readPrior } from './prior-state';
import { ROLLBACK_STATUSES, stackStatus } from '../../stack';
import { bindDeclaredFlow } from '../../flow-intent';
import {
  answer,
  claimedHere,
  describe,
  desiredDescription,
  numberIdentity,
  ownedByAnother,
  ownership,
  regionOfNumber,
  regionOfTarget,
  userTags,
  type Props,
} from './common';
import { CHANGE_TAG_KEY, moveTo, moveToken, release } from './changes';
import { ownedElsewhere } from './holders';
import { findClaimed, findTagged, releaseStarted } from './lookups';
import { findImported, isImport, keptOnUndo } from './import';

/** `settle`; when it fails for good, a number this very event claimed is released first. */
export async function settleOrUndo(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  try {
    return await settle(e, p, old);
  } catch (err) {
    // A passing failure is not a failure: the waiter polls again (see ../../index).
    // A FAILED claim was released already; a malformed physical id names no number.
    const nothingToRelease = err instanceof PhoneNumberClaimFailedError || err instanceof PhysicalIdInvalidError;
    if (!nothingToRelease && !isTransient(err)) await releaseIfThisEventClaimed(e, p, err);
    throw err;
  }
}

async function releaseIfThisEventClaimed(e: IsCompleteRequest, p: Props, failure: unknown): Promise<void> {
  const arn = e.PhysicalResourceId;
  try {
    const client = connect(regionOfNumber(arn));
    const current = await describe(client, arn);
    // Released already (the deadline's release, still IN_PROGRESS): a second release's answer is unverified.
    if (current.Tags?.[OWNER_TAG_KEY] !== ownership(e, 'claim') || keptOnUndo(p, current) || releaseStarted(current)) return;
    log().warn('Completion check failed: releasing the number this event claimed', { phoneNumberArn: arn, reason: errorMessage(failure) });
    await release(client, e, arn);
  } catch (cleanup) {
    // The original failure is what CloudFormation must see; the log says the number may be left.
    log().error('Could not release the number this event claimed; release it by hand if it is not wanted', {
      phoneNumberArn: arn,
      error: errorMessage(cleanup),
    });
  }
}

const NOT_YET: IsCompleteResponse = { IsComplete: false };

/**
 * One poll: reads the number, then fails (a FAILED claim or change, the completion deadline), waits
 * (IN_PROGRESS), makes the next change the declaration needs (one per poll), or, with nothing left to
 * change, completes: ownership and tags, the flow a binding recorded, and a rolled-back replacement's
 * abandoned claim. A passing failure (throttled, 5xx, timed out) is "not yet": the waiter polls again.
 */
async function settle(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  const arn = e.PhysicalResourceId;
  const client = connect(regionOfNumber(arn));
  let current: ClaimedPhoneNumberSummary;
  try {
    current = await describe(client, arn);
  } catch (err) {
    if (isThrottling(err)) return NOT_YET;
    if (isNotFound(err)) return gone(e);
    throw err;
  }
  const status = current.PhoneNumberStatus?.Status;
  const data = answer(current, p.TargetArn).Data;
  log().info('Phone number status', { phoneNumberArn: arn, status });

  if (completionTimedOut(e)) return timedOut(client, e, p, current);
  if (status === 'IN_PROGRESS') return NOT_YET;
  if (status === 'FAILED') await failIfThisEvent(client, e, p, current);
  const standing = await standingOf(e, current);
  if (standing === 'leave') return { IsComplete: true, Data: data };
  try {
    if (await changeTowardDeclaration(client, e, p, old, current)) return NOT_YET;
    await settleTags(client, e, p, old, current, standing !== 'own');
    // CLAIMED at its target: bind the flow a binding recorded on it while it was elsewhere (a binding
    // rolled back before its number does not wait for it; see ../../flow-intent).
    await bindDeclaredFlow(client, current);
    if (e.RequestType === 'Update' && old && numberIdentity(old) !== numberIdentity(p)) {
      if (await releaseAbandonedClaims(e, p, old)) return NOT_YET;
    }
  } catch (err) {
    if (isTransient(err)) return NOT_YET;
    throw err;
  }
  return { IsComplete: true, Data: data };
}

/**
 * Whose the number is for this event: 'adopt' (this event is adopting it), 'own' (this resource's, or
 * nobody's), 'reclaim' (an owner that holds it no more: taken back), 'leave' (another's, in a rollback).
 */
async function standingOf(e: IsCompleteRequest, current: ClaimedPhoneNumberSummary): Promise<'adopt' | 'own' | 'reclaim' | 'leave'> {
  if (readPrior(current.Tags)?.by === ownership(e, 'adopt')) return 'adopt';
  if (!ownedByAnother(e, current.Tags)) return 'own';
  return ownedElsewhere(e, current);
}

/**
 * The number is gone (released outside the stack, by hand or by another tool): a rollback has nothing to
 * put back and completes; a change fails naming what is gone.
 */
async function gone(e: IsCompleteRequest): Promise<IsCompleteResponse> {
  const status = await stackStatus(e.StackId);
  if (status !== undefined && ROLLBACK_STATUSES.has(status)) {
    log().warn('The number is no longer claimed: the rollback has nothing to put back', { phoneNumberArn: e.PhysicalResourceId });
    return { IsComplete: true };
  }
  throw new PhoneNumberGoneError(
    `phone number ${e.PhysicalResourceId} is no longer claimed in this account (released outside this stack, e.g. in the console); ` +
      'nothing was changed. Declare another number (a new phoneNumber, or a search) to claim one, or remove this resource.',
  );
}

/**
 * With the number where it is declared: an adoption now takes ownership (its changes have succeeded, so
 * only now does the number change owner), and an update brings the user tags to the declaration.
 */
async function settleTags(
  client: ConnectClient,
  e: IsCompleteRequest,
  p: Props,
  old: Props | undefined,
  current: ClaimedPhoneNumberSummary,
  adopting: boolean,
): Promise<void> {
  const arn = e.PhysicalResourceId;
  if (adopting && current.Tags?.[OWNER_TAG_KEY] !== ownership(e, 'adopt')) {
    // The adoption's changes have succeeded: only now does the number change owner.
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { ...userTags(p), [OWNER_TAG_KEY]: ownership(e, 'adopt') } }));
    log().info('Adopted phone number', { phoneNumberArn: arn, previousOwner: current.Tags?.[OWNER_TAG_KEY] });
  } else if (e.RequestType === 'Update' && !adopting) {
    await syncTags(client, e, current, p, old);
  }
}

/** The description the event declares (undefined: left alone) and whether the number has it and its target. */
function declarationMet(e: IsCompleteRequest, p: Props, old: Props | undefined, current: ClaimedPhoneNumberSummary) {
  const description = desiredDescription(p, e.RequestType === 'Update' ? old : undefined);
  return {
    description,
    target: current.TargetArn === p.TargetArn,
    describedAs: description === undefined || (current.PhoneNumberDescription ?? '') === description,
  };
}

/**
 * Makes the next change the number needs to meet the declaration: a move, then the description. One
 * per poll (the service refuses another while one is IN_PROGRESS). Tells whether it made one.
 */
async function changeTowardDeclaration(
  client: ConnectClient,
  e: IsCompleteRequest,
  p: Props,
  old: Props | undefined,
  current: ClaimedPhoneNumberSummary,
): Promise<boolean> {
  const arn = e.PhysicalResourceId;
  const met = declarationMet(e, p, old, current);
  if (!met.target) {
    await moveTo(client, e, arn, p.TargetArn);
    return true;
  }
  if (!met.describedAs) {
    const description = met.description as string;
    await client.send(
      new UpdatePhoneNumberMetadataCommand({
        PhoneNumberId: arn,
        PhoneNumberDescription: description,
        ClientToken: clientToken(e.StackId, e.LogicalResourceId, e.RequestId, arn, 'description', description),
      }),
    );
    return true;
  }
  return false;
}

/**
 * A number whose last operation ended FAILED: this event's claim is released and fails the event, and
 * this event's move fails it (the rollback puts the number back). A FAILED left by an earlier operation
 * (another event, another stack's refused adoption, a change by hand) is history: the event goes on and
 * makes its own changes.
 */
async function failIfThisEvent(client: ConnectClient, e: IsCompleteRequest, p: Props, current: ClaimedPhoneNumberSummary): Promise<void> {
  const reason = current.PhoneNumberStatus?.Message ?? 'no message';
  if (current.Tags?.[OWNER_TAG_KEY] === ownership(e, 'claim') && keptOnUndo(p, current)) {
    throw new PhoneNumberClaimFailedError(`import of ${current.PhoneNumber} failed: ${reason}; the FAILED import is left as it is.`);
  }
  if (current.Tags?.[OWNER_TAG_KEY] === ownership(e, 'claim')) {
    // This event claimed the number: give it back before failing (nobody else will).
    await release(client, e, e.PhysicalResourceId);
    throw new PhoneNumberClaimFailedError(`claim of ${current.PhoneNumber} failed: ${reason}; the number was released.`);
  }
  if (current.Tags?.[CHANGE_TAG_KEY] === moveToken(e, e.PhysicalResourceId, p.TargetArn)) {
    throw new PhoneNumberUpdateFailedError(`update of ${current.PhoneNumber} failed: ${reason}`);
  }
  log().warn('Number reports FAILED from an earlier operation: going on with this change', { reason });
}

/** Brings the number's user tags to the declaration (and marks an unowned number as adopted). */
async function syncTags(
  client: ConnectClient,
  e: IsCompleteRequest,
  current: ClaimedPhoneNumberSummary,
  p: Props,
  old: Props | undefined,
): Promise<boolean> {
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
 * The rollback of a change of number (old and new declarations swapped): a number this resource claimed
 * for the failed declaration (`failed`, the rollback's OldResourceProperties) that CloudFormation never
 * learned of, because the forward event ended before answering (it died after its claim, or the waiter
 * gave up), is held by nothing: it is released, unless the removal policy is RETAIN (then the next deploy
 * takes it back). A claim still IN_PROGRESS cannot be released yet: true, the caller polls again. Runs
 * only while the stack rolls back.
 */
async function releaseAbandonedClaims(e: IsCompleteRequest, p: Props, failed: Props): Promise<boolean> {
  if (p.RemovalPolicy === 'retain') return false;
  if (isImport(failed) && p.RemovalPolicy !== 'destroy') return false; // kept for the next deploy (./import keptOnUndo)
  const status = await stackStatus(e.StackId);
  if (status === undefined || !ROLLBACK_STATUSES.has(status)) return false;
  const abandoned = (n: ClaimedPhoneNumberSummary): boolean =>
    n.PhoneNumberArn !== e.PhysicalResourceId && claimedHere(e, n.Tags) && !releaseStarted(n) && n.PhoneNumberStatus?.Status !== 'FAILED';
  const where = connect(regionOfTarget(failed.TargetArn));
  const found = isImport(failed)
    ? await findImported(where, failed.SourcePhoneNumberArn as string)
    : failed.PhoneNumber !== undefined
      ? await findClaimed(where, failed.PhoneNumber, { targetArn: failed.TargetArn })
      : await findTagged(where, failed, abandoned, { except: e.PhysicalResourceId });
  if (!found || !abandoned(found)) return false;
  if (found.PhoneNumberStatus?.Status === 'IN_PROGRESS') {
    log().info('A number the failed change claimed is still being claimed: waiting to release it', {
      phoneNumberArn: found.PhoneNumberArn,
    });
    return true;
  }
  log().warn('Releasing a number the failed change claimed and the stack never held', { phoneNumberArn: found.PhoneNumberArn });
  await release(where, e, found.PhoneNumberArn as string, 1);
  return false;
}

/**
 * Past the completion deadline (well before the Provider's waiter gives up, which would leave the
 * number to nobody): a number this event claimed is released once its claim has settled, then the
 * event fails; anything else fails at once, and CloudFormation's rollback puts it back.
 */
async function timedOut(
  client: ConnectClient,
  e: IsCompleteRequest,
  p: Props,
  current: ClaimedPhoneNumberSummary,
): Promise<IsCompleteResponse> {
  const minutes = Math.round(completionTimeoutMs() / 60_000);
  const what = `${current.PhoneNumber} did not reach its declared state within ${minutes} min (status ${current.PhoneNumberStatus?.Status})`;
  if (current.Tags?.[OWNER_TAG_KEY] !== ownership(e, 'claim')) throw new CompletionTimedOutError(`${what}; the rollback puts it back.`);
  if (keptOnUndo(p, current)) throw new CompletionTimedOutError(`${what}; the imported number is kept, and the next deploy takes it back.`);
  if (current.PhoneNumberStatus?.Status === 'IN_PROGRESS') return { IsComplete: false }; // cannot be released yet
  await release(client, e, e.PhysicalResourceId);
  throw new CompletionTimedOutError(`${what}; the number this deploy claimed was released.`);
}
