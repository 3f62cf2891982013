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

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Attributes;
}

export type IsCompleteRequest = CloudFormationCustomResourceEvent & {
  readonly PhysicalResourceId: string;
  readonly Data?: Attributes;
  /** When onEvent ran (ms since the epoch; set by ./index). */
  readonly CdkPhoneNumbersStartedAt?: number;
};

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  readonly Data?: Attributes;
  /**
   * With IsComplete true only: the physical id CloudFormation gets (the framework merges the final
   * isComplete result into its response). A ClaimedPhoneNumber create answers its number's ARN here.
   */
  readonly PhysicalResourceId?: string;
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

/**
 * Key the one function adds to its onEvent result. The Provider framework merges that result into the
 * event it later passes to isComplete, so the key tells the two phases apart; it never reaches
 * CloudFormation (the framework's response carries only its own fields).
 */
export const ON_EVENT_DONE = 'CdkPhoneNumbersOnEventDone';
