/** Classification of SDK errors by name (the SDK sets `name` from the wire error type). */

export function errorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : undefined;
}

export function errorMessage(e: unknown): string {
  return typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e);
}

export const isNotFound = (e: unknown): boolean => {
  const n = errorName(e);
  return n === 'ResourceNotFoundException' || n === 'NotFoundException';
};

export const isThrottling = (e: unknown): boolean => {
  const n = errorName(e);
  const status = (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  // CloudFormation (AWS Query protocol) answers throttling as HTTP 400 'Throttling'.
  return (
    n === 'ThrottlingException' ||
    n === 'ThrottledClientException' ||
    n === 'TooManyRequestsException' ||
    n === 'Throttling' ||
    status === 429
  );
};

export const isResourceInUse = (e: unknown): boolean => errorName(e) === 'ResourceInUseException';

const httpStatusOf = (e: unknown): number | undefined =>
  (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
/** An error the AWS SDK raised for a call (service errors, and network errors and timeouts after its retries). */
const fromSdk = (e: unknown): boolean => typeof e === 'object' && e !== null && '$metadata' in e;

/**
 * Tells whether a failed call may have been applied all the same: no HTTP answer (a lost response, a
 * timeout), a server error or throttling. A client error (4xx) says the request was refused.
 */
export function outcomeUnknown(e: unknown): boolean {
  const status = httpStatusOf(e);
  return status === undefined || status >= 500 || isThrottling(e);
}

/**
 * A failure that the same call may not meet a little later: the SDK's own (after its retries) with no
 * answer, a server error, throttling, or a resource busy with another operation. isComplete polls again
 * instead of failing the event on one of these.
 */
export const isTransient = (e: unknown): boolean => fromSdk(e) && (outcomeUnknown(e) || isResourceInUse(e));
export const isIdempotencyConflict = (e: unknown): boolean => errorName(e) === 'IdempotencyException';

/**
 * The claim lockout after claim+release churn past 200% of the account's phone-number quota: the
 * documentation describes the lockout but gives no error name or text (docs/service-facts.md), so any
 * message that speaks of a block, a quota, a limit or support is read as it.
 */
export const CLAIM_LOCKOUT_WORDS = /\b(block(ed|s)?|quota|limit(s|ed)?|exceed(s|ed)?|support|200\s*%)/i;

export const isClaimLockout = (e: unknown): boolean => CLAIM_LOCKOUT_WORDS.test(errorMessage(e));

/**
 * ClaimPhoneNumber of a number that is taken (or cooling down): InvalidParameterException
 * "Phone number not available". Never true for a message that could be the churn lockout: a lockout
 * read as a lost race would send a search create on to claim other candidates.
 */
export const isNumberNotAvailable = (e: unknown): boolean =>
  errorName(e) === 'InvalidParameterException' && /\bnot available\b/i.test(errorMessage(e)) && !isClaimLockout(e);
