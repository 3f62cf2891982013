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

/**
 * What onEvent does when its change fails for a passing reason past the SDK's retries (rung 2 or 3 of
 * the ladder at the top of ./index):
 * - defer: answer `physicalId` (known before any call) and have isComplete run the same idempotent
 *   change again at every poll (./retry-later), until the completion deadline;
 * - rerun: run the whole change again in this invocation (ON_EVENT_RUNS, while time is left), then
 *   fail the event. For a change whose answer is only known once it is made.
 */
export type OnEventFailurePolicy<P> =
  | { readonly kind: 'defer'; physicalId(event: OnEventRequest, properties: P, oldProperties: P | undefined): string }
  | { readonly kind: 'rerun' };

/**
 * What giving up does in isComplete (a failure that is not passing, or any failure past the completion
 * deadline), before the failure stands (rung 4 of the ladder at the top of ./index):
 * - undo: the dispatcher runs `undo` (best effort: its own failure is logged, the original one stands);
 * - in-step: the resource's isComplete undoes what the failing step did before it throws (what to undo
 *   depends on the step);
 * - none: nothing is left that CloudFormation's rollback (its Delete of the answered physical id) does not undo.
 */
export type GiveUpPolicy<P> =
  | { readonly kind: 'undo'; undo(event: IsCompleteRequest, properties: P, oldProperties: P | undefined): Promise<void> }
  | { readonly kind: 'in-step' }
  | { readonly kind: 'none' };

/** A resource's place on the failure ladder (./index): the two rungs that differ between resources. */
export interface FailurePolicy<P> {
  readonly onEvent: OnEventFailurePolicy<P>;
  readonly giveUp: GiveUpPolicy<P>;
}

/** One module per resource type. Properties arrive already upgraded to the current FormatVersion and validated. */
export interface ResourceHandler<P> {
  /** What a passing failure in onEvent and giving up in isComplete do (applied by ./index). */
  readonly failures: FailurePolicy<P>;
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
