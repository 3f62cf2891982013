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
 * Ownership: the tag OWNER_TAG_KEY (see ../../identity).
 *
 * This folder: ./claim (search, claim, adopt, and the recovery of a lost claim answer), ./import (import
 * mode: a number from AWS End User Messaging, SourcePhoneNumberArn), ./update,
 * ./settle (isComplete of a create or update), ./delete, ./lookups (finding numbers), ./changes (a move,
 * a release), ./common (types, ownership markers, physical ids, the answer built from a number).
 */
import type { CreateRequest, IsCompleteRequest, IsCompleteResponse, OnEventResponse, ResourceHandler } from '../../events';
import { validateClaimedPhoneNumber } from '../../contract';
import { settledWithin } from './settle-wait';
import { upgradeClaimedPhoneNumber } from '../../upgrade';
import { claimOrAdopt } from './claim';
import { pendingId, pendingRequestOf, regionOfTarget, type Props } from './common';
import { completeDelete, remove } from './delete';
import { settleOrUndo } from './settle';
import { update } from './update';

export { CLAIMS_PER_SEARCH, MAX_CLAIM_ATTEMPTS, MAX_SEARCHES, SEARCH_PAGES } from './claim';
export { MAX_RELEASE_ATTEMPTS } from './changes';
export { PENDING_ID_PREFIX, numberIdentity, pendingId, pendingRequestOf } from './common';
export { MAX_PREFIX_DIGITS, RELEASE_TAG_KEY, listPrefixOf, releaseStarted } from './lookups';

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
  let result: IsCompleteResponse = { IsComplete: false };
  await settledWithin(async () => (result = await settleOrUndo(at, p, undefined)).IsComplete, true);
  return result.IsComplete ? { ...result, PhysicalResourceId: arn } : { IsComplete: false };
}

/**
 * isComplete: a Delete decides and acts (./delete); a Create claims and settles (completeCreate); an
 * Update settles (./settle), releasing a number this very event claimed when it fails for good.
 */
async function isComplete(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  if (e.RequestType === 'Delete') return completeDelete(e, p);
  if (e.RequestType === 'Create' && pendingRequestOf(e.PhysicalResourceId) !== undefined) return completeCreate(e, p);
  return settleOrUndo(e, p, old);
}

export const claimedPhoneNumber: ResourceHandler<Props> = {
  upgrade: (raw) => upgradeClaimedPhoneNumber(raw),
  validate: (p) => validateClaimedPhoneNumber(p),
  // onEvent calls only for an Update that replaces the number, whose answer (the new ARN) exists only once
  // claimed: it cannot be deferred, so it runs again in the invocation. Giving up, ./settle undoes the step.
  failures: { onEvent: { kind: 'rerun' }, giveUp: { kind: 'in-step' } },
  create,
  update,
  delete: remove,
  isComplete,
};
