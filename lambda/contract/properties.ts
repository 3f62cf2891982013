/**
 * The custom-resource properties as the handler receives them. CloudFormation passes scalar values
 * as strings (a boolean arrives as 'true' / 'false'), so every leaf here is a string.
 */

/** The handler's names of the removal policies a ClaimedPhoneNumber supports. */
export const REMOVAL_POLICY_NAMES = ['retain-except-on-create', 'retain', 'destroy'] as const;
export type RemovalPolicyName = (typeof REMOVAL_POLICY_NAMES)[number];

/** Custom::ClaimedPhoneNumber */
export interface ClaimedPhoneNumberProperties {
  readonly FormatVersion?: string;
  /** Connect instance ARN or traffic distribution group ARN. */
  readonly TargetArn: string;
  /** A specific E.164 number: claimed if free, adopted if already claimed in this account and region. */
  readonly PhoneNumber?: string;
  /** Search mode: ISO 3166-1 alpha-2 country code. */
  readonly CountryCode?: string;
  /**
   * Import mode: the ARN of a number in AWS End User Messaging (or another external service) that
   * ImportPhoneNumber brings into the instance TargetArn names.
   */
  readonly SourcePhoneNumberArn?: string;
  /** Search mode: the number type. */
  readonly Type?: string;
  /** Search mode: the number prefix, e.g. '+1206'. */
  readonly Prefix?: string;
  /**
   * Search mode: numbers that specific-number resources of the same stack declare. Search never
   * claims them, so it cannot take a number another resource of the stack is about to claim or adopt.
   * Not part of which number the resource declares: a change never replaces.
   */
  readonly ExcludedPhoneNumbers?: ReadonlyArray<string>;
  readonly Description?: string;
  /** User tags, sorted by key. */
  readonly Tags?: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
  /**
   * 'destroy' releases the number on delete; 'retain' always leaves it claimed;
   * 'retain-except-on-create' (the default) leaves it claimed, except when the deploy that claimed it
   * rolls back (CloudFormation's DeletionPolicy RetainExceptOnCreate).
   */
  readonly RemovalPolicy?: string;
  /**
   * 'true': a specific number held by a live resource of another stack is taken over (transferred);
   * otherwise such a declaration fails naming the holder. Not part of which number is declared.
   */
  readonly TakeOver?: string;
}

/** Custom::PhoneNumberFlowBinding */
export interface PhoneNumberFlowBindingProperties {
  readonly FormatVersion?: string;
  /** Full ARN of the phone number. */
  readonly PhoneNumberArn: string;
  /** Contact flow ARN; the instance is read from it. */
  readonly ContactFlowArn: string;
  /**
   * The number's current target when known. Carried so that a move of the number changes the
   * binding's properties and the binding runs again, after the move, in the same deploy.
   */
  readonly PhoneNumberTargetArn?: string;
  /** 'true': a number another live binding of another stack declares is taken over; otherwise that fails naming it. */
  readonly TakeOver?: string;
}

/** Custom::VoiceConnectorNumbers */
export interface VoiceConnectorNumbersProperties {
  readonly FormatVersion?: string;
  readonly VoiceConnectorId: string;
  /** E.164 numbers. */
  readonly PhoneNumbers: ReadonlyArray<string>;
  /** 'true' takes numbers from other connectors. */
  readonly ForceAssociate?: string;
  /** The connector's region. */
  readonly Region: string;
}

/** Attributes (the `Data` of the response) of Custom::ClaimedPhoneNumber. */
export interface ClaimedPhoneNumberAttributes {
  readonly PhoneNumberArn: string;
  readonly PhoneNumberId: string;
  readonly PhoneNumber: string;
  readonly TargetArn: string;
}

/** Attributes (the `Data` of a complete Create or Update) of Custom::PhoneNumberFlowBinding. */
export interface PhoneNumberFlowBindingAttributes {
  /** The contact flow the number rings: the declared ContactFlowArn. */
  readonly ContactFlowArn: string;
  readonly PhoneNumberArn: string;
}
