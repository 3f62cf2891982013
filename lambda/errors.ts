/**
 * Errors the handler raises. Each names the thing and the problem, sets `name`, and carries the
 * underlying `cause` when there is one. Messages stay short: CloudFormation's response is limited
 * to 4096 bytes, stack trace included.
 */

/** Longest message an error carries; the rest is cut with an ellipsis. */
export const MAX_MESSAGE_LENGTH = 1000;

export function truncate(text: string, max = MAX_MESSAGE_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** "a, b, c and 7 more": at most `max` entries of a list. */
export function listSome(items: ReadonlyArray<string>, max = 10): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** The root of every error the handler raises on purpose (tests and callers can tell them from the SDK's). */
export abstract class PhoneNumbersError extends Error {
  protected constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(truncate(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
  }
}

/** The event's ResourceType is not served by this handler. */
export class ResourceTypeUnknownError extends PhoneNumbersError {
  constructor(resourceType: unknown) {
    super(
      'ResourceTypeUnknownError',
      `resource type ${JSON.stringify(resourceType)} is not served by this handler; expected one of Custom::ClaimedPhoneNumber, Custom::PhoneNumberFlowBinding, Custom::VoiceConnectorNumbers.`,
    );
  }
}

/** The resource properties fail validation (same validators as synth). */
export class PropertiesInvalidError extends PhoneNumbersError {
  constructor(logicalId: string, messages: ReadonlyArray<string>) {
    super('PropertiesInvalidError', `${logicalId}: ${listSome(messages, 5)}`);
  }
}

/** The properties carry a FormatVersion newer than this handler reads. */
export class FormatVersionUnsupportedError extends PhoneNumbersError {
  constructor(version: string, supported: string) {
    super(
      'FormatVersionUnsupportedError',
      `FormatVersion '${version}' is newer than this handler reads (up to '${supported}'); deploy with the library version that wrote it.`,
    );
  }
}

/** No number could be claimed by search. */
export class PhoneNumberUnavailableError extends PhoneNumbersError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PhoneNumberUnavailableError', message, options);
  }
}

/** A claim this event made ended FAILED; the number has been released. */
export class PhoneNumberClaimFailedError extends PhoneNumbersError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PhoneNumberClaimFailedError', message, options);
  }
}

/** A move or a description change of a number ended FAILED; the number stays where the service left it. */
export class PhoneNumberUpdateFailedError extends PhoneNumbersError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PhoneNumberUpdateFailedError', message, options);
  }
}

/** The number a resource holds is no longer claimed in the account (released outside the stack). */
export class PhoneNumberGoneError extends PhoneNumbersError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PhoneNumberGoneError', message, options);
  }
}

/** A ClaimedPhoneNumber event's physical id is not a phone-number ARN (nor a create's pending id). */
export class PhysicalIdInvalidError extends PhoneNumbersError {
  constructor(physicalId: string) {
    super(
      'PhysicalIdInvalidError',
      `physical id '${physicalId}' is not a phone number ARN (arn:aws:connect:REGION:ACCOUNT:phone-number/ID); a ` +
        "ClaimedPhoneNumber answers its number's ARN. If the resource was changed by hand, delete it from the stack and declare the number again (it is adopted).",
    );
  }
}

/** A release of a number did not succeed. */
export class PhoneNumberReleaseFailedError extends PhoneNumbersError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PhoneNumberReleaseFailedError', message, options);
  }
}

/** Chime SDK Voice reported PhoneNumberErrors for some numbers. */
export class VoiceConnectorAssociationFailedError extends PhoneNumbersError {
  readonly failures: ReadonlyArray<{ phoneNumber: string; code: string }>;
  constructor(action: string, voiceConnectorId: string, failures: ReadonlyArray<{ phoneNumber: string; code: string; message?: string }>) {
    super(
      'VoiceConnectorAssociationFailedError',
      `${action} of ${failures.length} number(s) with voice connector '${voiceConnectorId}' failed: ` +
        listSome(
          failures.map((f) => `${f.phoneNumber} (${f.code}${f.message ? `: ${truncate(f.message, 80)}` : ''})`),
          10,
        ),
    );
    this.failures = failures.map(({ phoneNumber, code }) => ({ phoneNumber, code }));
  }
}

/**
 * Numbers held on another connector by a VoiceConnectorNumbers of the same stack whose current declaration
 * no longer has them: that resource takes them off in the same operation, so the association is run
 * again later (../retry-later, a passing failure) until the completion deadline.
 */
export class NumbersHeldBySiblingError extends PhoneNumbersError {
  readonly held: ReadonlyArray<{ phoneNumber: string; voiceConnectorId: string; logicalId: string }>;
  constructor(voiceConnectorId: string, held: ReadonlyArray<{ phoneNumber: string; voiceConnectorId: string; logicalId: string }>) {
    super(
      'NumbersHeldBySiblingError',
      `association of ${held.length} number(s) with voice connector '${voiceConnectorId}' waits for their release by another ` +
        'VoiceConnectorNumbers of the stack that no longer declares them: ' +
        listSome(
          held.map((h) => `${h.phoneNumber} (on '${h.voiceConnectorId}', held by ${h.logicalId || 'a resource of the stack'})`),
          10,
        ) +
        '. If it does not release them, take them off that connector, or set forceAssociate.',
    );
    this.held = held;
  }
}

/** An Update moves a number to a target in another region: a number never changes region. */
export class TargetRegionChangeError extends PhoneNumbersError {
  constructor(logicalId: string, phoneNumberArn: string, targetArn: string) {
    super(
      'TargetRegionChangeError',
      `${logicalId}: targetArn '${targetArn}' is in another region than the number it holds (${phoneNumberArn}); a number cannot change ` +
        'region. Keep the target in its region, or declare a new ClaimedPhoneNumber (a new construct id) for the other region.',
    );
  }
}

/** A claim or move did not settle before the completion deadline (see ./deadline). */
export class CompletionTimedOutError extends PhoneNumbersError {
  constructor(message: string) {
    super('CompletionTimedOutError', message);
  }
}
