/**
 * The Provider framework's contract. onEvent receives the CloudFormation event; isComplete receives
 * the same event with the onEvent result merged in (PhysicalResourceId, Data).
 */
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';

export type OnEventRequest = CloudFormationCustomResourceEvent;
export type CreateRequest = CloudFormationCustomResourceCreateEvent;
export type UpdateRequest = CloudFormationCustomResourceUpdateEvent;
export type DeleteRequest = CloudFormationCustomResourceDeleteEvent;

export type Attributes = Record<string, string>;

/** What isComplete does for a Delete (decided by onEvent, see resources/claimed-phone-number.ts). */
export type DeleteStep = 'none' | 'release' | 'restore';

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Attributes;
  /**
   * Carried to isComplete: the framework merges the whole onEvent result into the event isComplete
   * gets; only PhysicalResourceId and Data reach CloudFormation.
   */
  readonly CdkPhoneNumbersDeleteStep?: DeleteStep;
}

export type IsCompleteRequest = CloudFormationCustomResourceEvent & {
  readonly PhysicalResourceId: string;
  readonly Data?: Attributes;
  readonly CdkPhoneNumbersDeleteStep?: DeleteStep;
  /** When onEvent ran (ms since the epoch; set by ./index). */
  readonly CdkPhoneNumbersStartedAt?: number;
};

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  readonly Data?: Attributes;
}

/** One module per resource type. Properties arrive already upgraded to the current FormatVersion and validated. */
export interface ResourceHandler<P> {
  /** The raw properties of an event (any FormatVersion this handler reads) in the current shape. */
  upgrade(raw: Record<string, unknown>): P;
  /** Validation messages of the (upgraded) properties; empty when valid. */
  validate(properties: P): string[];
  create(event: CreateRequest, properties: P): Promise<OnEventResponse>;
  update(event: UpdateRequest, properties: P, oldProperties: P): Promise<OnEventResponse>;
  delete(event: DeleteRequest, properties: P): Promise<OnEventResponse>;
  isComplete(event: IsCompleteRequest, properties: P, oldProperties: P | undefined): Promise<IsCompleteResponse>;
}
