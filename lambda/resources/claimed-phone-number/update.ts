/**
 * Update: in place (no call: settling is isComplete's, ./settle) when the number stays, which includes
 * a new declaration the held number satisfies; otherwise a replacement, which first takes back a number
 * this resource still owns that matches.
 */
import type { ClaimedPhoneNumberSummary } from '@aws-sdk/client-connect';
import { parsePhoneNumberArn } from '../../contract';
import { isNotFound } from '../../aws-errors';
import { connect } from '../../clients';
import { TargetRegionChangeError } from '../../errors';
import type { OnEventResponse, UpdateRequest } from '../../events';
import { log } from '../../logger';
import { readPrior } from './prior-state';
import { isRollingBack } from '../../stack';
import { adoptingHere, describe, numberIdentity, ownedByAnother, ownedByUs, regionOfTarget, type Props } from './common';
import { adopt, claimOrAdopt } from './claim';
import { findOwnedMatch, satisfies } from './lookups';

/** Brings the held number to the declaration; `known` is the number as the caller just read it. */
async function updateInPlace(e: UpdateRequest, p: Props, known?: ClaimedPhoneNumberSummary): Promise<OnEventResponse> {
  // No call here: the tags, the move and the description are isComplete's (`settle`), where a passing
  // failure is tried again at the next poll; in a rollback Update, failing would leave the stack in
  // UPDATE_ROLLBACK_FAILED. The number's attributes are completed there too.
  const arn = e.PhysicalResourceId;
  const id = known?.PhoneNumberId ?? parsePhoneNumberArn(arn)?.phoneNumberId ?? '';
  return {
    PhysicalResourceId: arn,
    Data: {
      PhoneNumberArn: arn,
      PhoneNumberId: id,
      TargetArn: p.TargetArn,
      ...(known?.PhoneNumber ? { PhoneNumber: known.PhoneNumber } : {}),
    },
  };
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

/**
 * In a rollback, the number at the physical id is gone (released outside the stack) or another resource
 * holds it now (taken over): there is nothing to put back, and claiming another number would leave it to
 * nobody, or fail and wedge the stack.
 */
async function lostWhileRollingBack(e: UpdateRequest): Promise<boolean> {
  const parsed = parsePhoneNumberArn(e.PhysicalResourceId);
  if (!parsed) return false;
  try {
    const current = await describe(connect(parsed.region), e.PhysicalResourceId);
    if (!ownedByAnother(e, current.Tags) || adoptingHere(e, readPrior(current.Tags))) return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return isRollingBack(e.StackId);
}

export async function update(e: UpdateRequest, p: Props, old: Props): Promise<OnEventResponse> {
  const parsed = parsePhoneNumberArn(e.PhysicalResourceId);
  if (parsed && numberIdentity(p) === numberIdentity(old)) {
    if (parsed.region !== regionOfTarget(p.TargetArn))
      throw new TargetRegionChangeError(e.LogicalResourceId, e.PhysicalResourceId, p.TargetArn);
    return updateInPlace(e, p);
  }
  const kept = await heldNumberKept(e, p);
  if (kept) {
    log().info('The number this resource holds satisfies the new declaration: keeping it in place', {
      phoneNumberArn: e.PhysicalResourceId,
    });
    return updateInPlace(e, p, kept);
  }
  if (await lostWhileRollingBack(e)) {
    log().warn('The number this resource held is gone or held by another resource: the rollback keeps the physical id', {
      phoneNumberArn: e.PhysicalResourceId,
    });
    return { PhysicalResourceId: e.PhysicalResourceId };
  }
  log().info('The number changed: replacing', { from: numberIdentity(old), to: numberIdentity(p) });
  if (p.PhoneNumber === undefined && p.SourcePhoneNumberArn === undefined) {
    const client = connect(regionOfTarget(p.TargetArn));
    const owned = await findOwnedMatch(client, e, p, e.PhysicalResourceId);
    if (owned) {
      log().info('This resource already owns a number that matches: taking it back', { phoneNumberArn: owned.PhoneNumberArn });
      return adopt(client, e, p, owned);
    }
  }
  return claimOrAdopt(e, p);
}
