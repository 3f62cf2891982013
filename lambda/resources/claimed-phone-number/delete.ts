/**
 * Delete: nothing in onEvent; isComplete decides at every poll what deleting the resource does to its
 * number (restore an adoption, release, or nothing) and does it one step at a time.
 */
import {
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePhoneNumberMetadataCommand,
  type ClaimedPhoneNumberSummary,
  type ConnectClient,
} from '@aws-sdk/client-connect';
import { OWNER_TAG_KEY, parsePhoneNumberArn } from '../../contract';
import { isNotFound } from '../../aws-errors';
import { connect } from '../../clients';
import { settledWithin } from './settle-wait';
import type { DeleteRequest, IsCompleteRequest, IsCompleteResponse, OnEventResponse } from '../../events';
import { clientToken } from '../../identity';
import { log } from '../../logger';
import { PRIOR_TAG_KEYS, readPrior, type PriorState } from './prior-state';
import { ROLLBACK_STATUSES, stackStatus } from '../../stack';
import { adoptingHere, claimedHere, describe, ownedByUs, ownership, pendingRequestOf, regionOfTarget, type Props } from './common';
import { CHANGE_TAG_KEY, moveTo, release } from './changes';
import { findClaimed, findTagged, isListed } from './lookups';
import { findImported, isImport, keptOnUndo } from './import';

/**
 * Delete: nothing is called here. The decision and the work are isComplete's (`completeDelete`), one
 * step per poll, so that a passing failure (throttling, a 5xx, a number busy with an operation) is
 * tried again at the next poll instead of failing the Delete, which in a rollback would leave the stack
 * in ROLLBACK_FAILED.
 */
export async function remove(e: DeleteRequest): Promise<OnEventResponse> {
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
export async function completeDelete(e: IsCompleteRequest, p: Props, failedCreate = false): Promise<IsCompleteResponse> {
  const arn = e.PhysicalResourceId;
  const createRequest = pendingRequestOf(arn);
  if (createRequest !== undefined) return completePendingDelete(e, p, createRequest);
  const parsed = parsePhoneNumberArn(arn);
  if (!parsed) {
    log().info('Physical id is not a phone number ARN: nothing to release', { physicalResourceId: arn });
    return { IsComplete: true };
  }
  if (p.RemovalPolicy === 'retain' && !p.PhoneNumber && !isImport(p)) {
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
  const decided = await deleteAction(e, p, current, failedCreate);
  const about = { phoneNumberArn: arn, removalPolicy: p.RemovalPolicy, stackStatus: decided.stackStatus };
  switch (decided.action) {
    case 'restore':
      log().info('Undoing the adoption of the number: putting its earlier state back', about);
      return restoreStep(client, e, current);
    case 'release':
      log().info('Releasing the number', about);
      return releaseStep(client, e, current);
    case 'not-owned':
      log().warn('Number is not owned by this resource (anymore): left claimed', { ...about, owner: current.Tags?.[OWNER_TAG_KEY] });
      return { IsComplete: true };
    case 'retain':
      log().info('Removal policy retains the number', about);
      return { IsComplete: true };
  }
}

/**
 * What deleting the resource does to the number it holds (see completeDelete). Undoing a failed deploy
 * (the stack rolls back, or the create failed) restores what this resource was adopting and releases
 * what it claimed, unless the policy is RETAIN; otherwise the policy decides. The stack's status is read
 * only when it matters.
 */
async function deleteAction(
  e: IsCompleteRequest,
  p: Props,
  current: ClaimedPhoneNumberSummary,
  failedCreate: boolean,
): Promise<{ action: 'restore' | 'release' | 'not-owned' | 'retain'; stackStatus?: string }> {
  const adopting = adoptingHere(e, readPrior(current.Tags));
  const owned = ownedByUs(e, current.Tags);
  // A number this resource claimed under DESTROY is released whether or not the deploy is being undone.
  if (!adopting && p.RemovalPolicy === 'destroy' && claimedHere(e, current.Tags)) return { action: 'release' };
  const status = adopting || (owned && p.RemovalPolicy !== 'retain') ? await stackStatus(e.StackId) : undefined;
  const undoing = failedCreate || (status !== undefined && ROLLBACK_STATUSES.has(status));
  if (adopting && (undoing || !owned)) return { action: 'restore', stackStatus: status };
  if (!owned) return { action: 'not-owned', stackStatus: status };
  // An adopted number existed before the deploy: undoing never releases it.
  // An imported number is released by an undo only under DESTROY (./import keptOnUndo).
  const release = undoing
    ? claimedHere(e, current.Tags) && p.RemovalPolicy !== 'retain' && !keptOnUndo(p, current)
    : p.RemovalPolicy === 'destroy';
  return { action: release ? 'release' : 'retain', stackStatus: status };
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
  const found = isImport(p)
    ? await findImported(client, p.SourcePhoneNumberArn as string)
    : p.PhoneNumber !== undefined
      ? await findClaimed(client, p.PhoneNumber, { includeReleasing: true, targetArn: p.TargetArn })
      : await findTagged(client, p, mine, { targetArn: p.TargetArn });
  if (!found || !mine(found)) {
    log().info('The failed create left no number: nothing to undo', { physicalResourceId: e.PhysicalResourceId });
    return { IsComplete: true };
  }
  log().info('Undoing what the failed create did to its number', { phoneNumberArn: found.PhoneNumberArn });
  return completeDelete({ ...e, PhysicalResourceId: found.PhoneNumberArn as string }, p, true);
}

async function releaseStep(client: ConnectClient, e: IsCompleteRequest, current: ClaimedPhoneNumberSummary): Promise<IsCompleteResponse> {
  // One attempt: a number still busy is tried again at the next poll (see ../../index).
  await release(client, e, e.PhysicalResourceId, 1);
  // The release is asynchronous: it is waited for here, then (past this wait) by the next polls, which
  // read the number while it is IN_PROGRESS, until it is gone.
  return { IsComplete: await unlistedWithin(client, current.PhoneNumber as string, e.PhysicalResourceId, current.TargetArn) };
}

/**
 * Waits in this invocation (the settle wait of ../../deadline, off in local runs) for a released number
 * to leave ListPhoneNumbersV2: that API has a quota of its own, while this Delete's decision read, and a
 * fleet's other Deletes, queue on DescribePhoneNumber. Tells whether it left in time.
 */
async function unlistedWithin(client: ConnectClient, phoneNumber: string, arn: string, targetArn?: string): Promise<boolean> {
  const gone = await settledWithin(async () => !(await isListed(client, phoneNumber, arn, targetArn)), false);
  if (gone) log().info('The released number is gone', { phoneNumberArn: arn });
  return gone;
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
    await client.send(
      new UpdatePhoneNumberMetadataCommand({
        PhoneNumberId: arn,
        PhoneNumberDescription: description,
        ClientToken: clientToken(e.StackId, e.LogicalResourceId, e.RequestId, arn, 'restore-description', description),
      }),
    );
    return { IsComplete: false };
  }
  const tags = current.Tags ?? {};
  const toSet: Record<string, string> = {};
  // The record and the mark of the adoption's move go with it.
  const toRemove = [...PRIOR_TAG_KEYS, CHANGE_TAG_KEY].filter((k) => tags[k] !== undefined);
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
