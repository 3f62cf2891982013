/**
 * The changes more than one step makes to a number: a move to another target, and a release.
 */
import { ReleasePhoneNumberCommand, TagResourceCommand, UpdatePhoneNumberCommand, type ConnectClient } from '@aws-sdk/client-connect';
import { errorMessage, errorName, isNotFound, isResourceInUse } from '../../aws-errors';
import { backoffDelayMs, sleep } from '../../clients';
import { PhoneNumberReleaseFailedError } from '../../errors';
import { clientToken } from '../../identity';
import { log } from '../../logger';
import type { Event } from './common';
import { RELEASE_TAG_KEY } from './lookups';

/** Releases retried while the number has an operation in progress (ResourceInUseException). */
export const MAX_RELEASE_ATTEMPTS = 8;

/**
 * Tag written on a number just before this handler moves it; its value is the move's client token. A
 * move is asynchronous and may end FAILED, and PhoneNumberStatus does not say which operation failed:
 * the tag tells this event's own failed move (which fails the event) from a FAILED left by an earlier
 * operation (history: the event goes on).
 */
export const CHANGE_TAG_KEY = 'cdk-phone-numbers:change';

/** The client token of `e`'s move of `arn` to `targetArn` (also the value of CHANGE_TAG_KEY it writes). */
export const moveToken = (e: Event, arn: string, targetArn: string): string =>
  clientToken(e.StackId, e.LogicalResourceId, e.RequestId, arn, 'target', targetArn);

export async function moveTo(client: ConnectClient, e: Event, arn: string, targetArn: string): Promise<void> {
  const ClientToken = moveToken(e, arn, targetArn);
  await client.send(new TagResourceCommand({ resourceArn: arn, tags: { [CHANGE_TAG_KEY]: ClientToken } }));
  await client.send(new UpdatePhoneNumberCommand({ PhoneNumberId: arn, TargetArn: targetArn, ClientToken }));
  log().info('Moving phone number', { phoneNumberArn: arn, targetArn });
}

/**
 * Releases a number: marks it (RELEASE_TAG_KEY) so that lookups no longer count it as held, then
 * asks for the release, retrying while the number has another operation in progress. The release
 * itself runs on asynchronously (IN_PROGRESS until the number is gone); isComplete waits for it.
 */
export async function release(client: ConnectClient, e: Event, arn: string, maxAttempts = MAX_RELEASE_ATTEMPTS): Promise<void> {
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
      if (!isResourceInUse(err) || maxAttempts === 1) throw err;
      if (attempt >= maxAttempts) {
        throw new PhoneNumberReleaseFailedError(`release of ${arn} still refused after ${attempt} attempts: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      await sleep(backoffDelayMs(attempt));
    }
  }
}
