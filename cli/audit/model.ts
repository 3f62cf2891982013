/**
 * What the audit works with: the declarations read from stacks or a cloud assembly, the numbers read
 * from the account, and the report it makes of them. Pure types and constants.
 */

/** The verdicts, in the order the summary lists them. */
export const VERDICTS = ['ok', 'drift', 'missing', 'conflict', 'kept', 'unowned'] as const;
export type Verdict = (typeof VERDICTS)[number];
/** Verdicts `--allow` may accept besides `ok`. */
export const ALLOWABLE: readonly Verdict[] = VERDICTS.filter((v) => v !== 'ok');

/** A resource of this library in a stack: the stack, its logical id and its construct path. */
export interface Holder {
  readonly stack: string;
  readonly logicalId: string;
  /** The construct path (aws:cdk:path metadata), else STACK/LOGICAL_ID. */
  readonly path: string;
}

/** A Custom::ClaimedPhoneNumber as the handler reads its properties. */
export interface ClaimDeclaration {
  readonly holder: Holder;
  /** `STACK/LOGICAL_ID` (lambda/identity ownerOf): the owner part of the ownership tag the handler writes. */
  readonly owner: string;
  readonly region: string;
  readonly targetArn: string;
  /** Specific-number mode. */
  readonly phoneNumber?: string;
  /** Search mode, for people: 'US DID +1206'. */
  readonly search?: string;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The number's ARN when the stack is deployed (its physical id). */
  readonly physicalId?: string;
}

/** A Custom::PhoneNumberFlowBinding. */
export interface FlowDeclaration {
  readonly holder: Holder;
  /** The number's ARN when known (literal, or the claim's physical id). */
  readonly phoneNumberArn?: string;
  /** Else the logical id of the ClaimedPhoneNumber of the same stack it names. */
  readonly claimLogicalId?: string;
  readonly contactFlowArn: string;
}

/** A Custom::VoiceConnectorNumbers. */
export interface TrunkDeclaration {
  readonly holder: Holder;
  readonly voiceConnectorId: string;
  readonly phoneNumbers: readonly string[];
  readonly region: string;
}

export interface Declarations {
  /** Stacks audited (their resources are the declarations). */
  readonly stacks: readonly string[];
  /** Stacks that exist in the account and region but are not audited (--stack chose others). */
  readonly otherLiveStacks: readonly string[];
  readonly claims: readonly ClaimDeclaration[];
  readonly flows: readonly FlowDeclaration[];
  readonly trunks: readonly TrunkDeclaration[];
  /** Resources whose properties could not be read, with why. */
  readonly skipped: readonly string[];
}

/** A Connect number as ListPhoneNumbersV2, DescribePhoneNumber and BatchGetFlowAssociation show it. */
export interface ConnectNumber {
  readonly region: string;
  readonly phoneNumber: string;
  readonly phoneNumberArn: string;
  readonly targetArn: string;
  readonly instanceId?: string;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: string;
  /** instance id -> contact flow ARN. */
  readonly flows: Readonly<Record<string, string>>;
}

/** A Chime SDK Voice inventory number. */
export interface ChimeNumber {
  readonly region: string;
  readonly phoneNumber: string;
  readonly status?: string;
  readonly voiceConnectorId?: string;
}

export interface Inventory {
  readonly connect: readonly ConnectNumber[];
  readonly chime: readonly ChimeNumber[];
}

export interface Difference {
  readonly field: string;
  readonly declared: string;
  readonly actual: string;
}

/** One row of the report: one number (or one declaration of a number not found). */
export interface ReportRow {
  readonly phoneNumber: string;
  readonly phoneNumberArn?: string;
  readonly service: 'connect' | 'chime-sdk-voice';
  readonly region: string;
  readonly verdict: Verdict;
  /** The resource holding it (construct path), or the owner its tag names. */
  readonly holder?: string;
  /** Every resource declaring it (construct paths). */
  readonly declaredBy: readonly string[];
  readonly target?: string;
  readonly flow?: string;
  readonly voiceConnector?: string;
  readonly status?: string;
  readonly differences: readonly Difference[];
}

export interface Report {
  readonly numbers: readonly ReportRow[];
  readonly summary: Readonly<Record<Verdict, number>>;
}
