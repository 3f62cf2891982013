/**
 * One number, one holder (README, "Ownership rules"): a specific number that another live
 * ClaimedPhoneNumber holds is not adopted without TakeOver (never from the same stack), and a resource
 * whose number another live resource took over changes nothing.
 */
import type { ClaimedPhoneNumberSummary } from '@aws-sdk/client-connect';
import { OWNER_TAG_KEY, ResourceTypes } from '../../contract';
import { heldError, liveHolder, transferredError, type Holder } from '../../holder';
import { log } from '../../logger';
import { ROLLBACK_STATUSES, stackStatus } from '../../stack';
import { ownedByAnother, type Event, type Props } from './common';

/** The live ClaimedPhoneNumber, other than this resource, that holds `n` by its ownership tag. */
async function holderOf(e: Event, n: ClaimedPhoneNumberSummary): Promise<Holder | undefined> {
  if (!ownedByAnother(e, n.Tags)) return undefined;
  return liveHolder(e.StackId, n.Tags?.[OWNER_TAG_KEY] as string, ResourceTypes.CLAIMED_PHONE_NUMBER, (id) => id === n.PhoneNumberArn);
}

/**
 * Before adopting `n`: throws, before any change, when a live resource holds it, unless it is another
 * stack's and the declaration says TakeOver.
 */
export async function refuseIfHeld(e: Event, p: Props, n: ClaimedPhoneNumberSummary): Promise<void> {
  const holder = await holderOf(e, n);
  if (!holder) return;
  if (holder.sameStack || p.TakeOver !== 'true')
    throw heldError(`phone number ${n.PhoneNumber}`, holder, ResourceTypes.CLAIMED_PHONE_NUMBER);
  log().warn('Taking the number over from its holder (takeOver)', { phoneNumberArn: n.PhoneNumberArn, holder: holder.owner });
}

/**
 * A number of this resource that another owner's tag names: while the stack rolls back, 'leave' it as it
 * is (a rollback must complete); when a live resource holds it (it was taken over), throws naming it;
 * otherwise (the holder is gone) 'reclaim': this resource takes it back.
 */
export async function ownedElsewhere(e: Event, n: ClaimedPhoneNumberSummary): Promise<'leave' | 'reclaim'> {
  const status = await stackStatus(e.StackId);
  if (status !== undefined && ROLLBACK_STATUSES.has(status)) {
    log().warn('Another resource owns the number: the rollback leaves it alone', { phoneNumberArn: n.PhoneNumberArn });
    return 'leave';
  }
  const holder = await holderOf(e, n);
  if (holder) throw transferredError(`phone number ${n.PhoneNumber}`, holder);
  log().info('The owner the number names holds it no more: this resource takes it back', {
    phoneNumberArn: n.PhoneNumberArn,
    owner: n.Tags?.[OWNER_TAG_KEY],
  });
  return 'reclaim';
}
