/**
 * The flow a number should ring, written ON the number (Connect numbers are taggable), so that whoever
 * sees the number arrive in an instance can bind it, and so that a binding's Delete knows whether it
 * still owns the binding.
 *
 * Tags (Connect TagResource on the phone-number ARN):
 * - FLOW_TAG: the contact-flow ARN the binding that owns the number declares;
 * - BINDING_TAG: that binding, as `STACK_NAME/LOGICAL_ID` (../identity ownerOf);
 * - PRIOR_FLOW_TAG / PRIOR_BINDING_TAG: the values before a binding of another logical id (a rename)
 *   took the number over, kept so that the rollback of that change (the new binding's Delete while
 *   the stack rolls back) puts them back. Rewritten by every change of owner; removed by a Delete.
 *
 * Why ON the number: in a rollback, CloudFormation may roll a binding back before or after the number
 * it binds (the number moving back to the flow's instance). A binding that waited for its number could
 * wait for an event that only comes after it: so a rolling-back binding records the flow and completes,
 * and the number's own completion (ClaimedPhoneNumber, once CLAIMED at its target) calls
 * `bindDeclaredFlow`, which binds the recorded flow when the number is now in the flow's instance.
 *
 * The legacy ARN form `instance/ID/phone-number/ID` cannot be tagged (docs/service-facts.md): such numbers carry no
 * intent, and their bindings behave as before (Delete unbinds only while bound to its flow).
 */
import {
  AssociatePhoneNumberContactFlowCommand,
  BatchGetFlowAssociationCommand,
  type ClaimedPhoneNumberSummary,
  type ConnectClient,
} from '@aws-sdk/client-connect';
import { parseContactFlowArn, parseTargetArn, type ContactFlowArn } from './contract';
import { isNotFound } from './aws-errors';
import { connect } from './clients';
import { log } from './logger';

export const FLOW_TAG = 'cdk-phone-numbers:flow';
export const BINDING_TAG = 'cdk-phone-numbers:binding';
export const PRIOR_FLOW_TAG = 'cdk-phone-numbers:prior-flow';
export const PRIOR_BINDING_TAG = 'cdk-phone-numbers:prior-binding';
export const INTENT_TAGS: ReadonlyArray<string> = [FLOW_TAG, BINDING_TAG, PRIOR_FLOW_TAG, PRIOR_BINDING_TAG];

/** Only `arn:...:phone-number/ID` can be tagged; the legacy `instance/ID/phone-number/ID` form cannot. */
export function isTaggableNumberArn(arn: string): boolean {
  return /^arn:[^:]+:connect:[^:]+:\d{12}:phone-number\/[^/]+$/.test(arn);
}

/** Where a number is now, as far as binding a flow of `flow`'s instance is concerned. */
export type Placement =
  /** CLAIMED in the flow's instance, or CLAIMED to a traffic distribution group (which may be the instance's: try). */
  | 'ready'
  /** Its target is the flow's instance, but a claim or move is still IN_PROGRESS. */
  | 'arriving'
  /** Elsewhere: another instance, or FAILED. */
  | 'elsewhere';

export function placementOf(summary: ClaimedPhoneNumberSummary, flow: ContactFlowArn): Placement {
  const target = parseTargetArn(summary.TargetArn ?? '');
  const status = summary.PhoneNumberStatus?.Status;
  const inInstance = target?.kind === 'instance' && target.instanceId === flow.instanceId && target.region === flow.region;
  const inGroup = target?.kind === 'traffic-distribution-group';
  if (!inInstance && !inGroup) return 'elsewhere';
  if (status === 'CLAIMED') return 'ready';
  return status === 'IN_PROGRESS' ? 'arriving' : 'elsewhere';
}

/** The flow (ARN or id, as the service reports it) the number is bound to in `flow`'s instance, if any. */
export async function boundFlow(phoneNumberArn: string, flow: ContactFlowArn): Promise<string | undefined> {
  try {
    const out = await connect(flow.region).send(
      new BatchGetFlowAssociationCommand({
        InstanceId: flow.instanceId,
        ResourceIds: [phoneNumberArn],
        ResourceType: 'VOICE_PHONE_NUMBER',
      }),
    );
    return out.FlowAssociationSummaryList?.find((a) => a.ResourceId === phoneNumberArn || a.ResourceId === undefined)?.FlowId;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Tells whether a reported flow (ARN or id) is `flowArn`. */
export function isSameFlow(reported: string | undefined, flowArn: string): boolean {
  if (reported === undefined) return false;
  const flow = parseContactFlowArn(flowArn);
  return reported === flowArn || reported === flow?.contactFlowId || flowArn.endsWith(`/${reported}`);
}

/** Associates the number with the flow, in the flow's region, by the number's full ARN (works from a TDG's alternate region). */
export async function associateFlow(phoneNumberArn: string, flowArn: string): Promise<void> {
  const flow = parseContactFlowArn(flowArn) as ContactFlowArn;
  await connect(flow.region).send(
    new AssociatePhoneNumberContactFlowCommand({
      PhoneNumberId: phoneNumberArn,
      InstanceId: flow.instanceId,
      ContactFlowId: flow.contactFlowId,
    }),
  );
  log().info('Associated contact flow', { phoneNumberArn, contactFlowArn: flowArn });
}

/**
 * Binds the flow a binding of this library recorded on the number (FLOW_TAG), when the number is now
 * CLAIMED where that flow is and not bound to it yet. For ClaimedPhoneNumber's completion: a binding
 * that rolled back while its number was elsewhere left this intent and completed.
 *
 * Does nothing for a number without intent, not CLAIMED, or in another instance than the flow's.
 * Errors of the association propagate (the number is where the flow is: a failure is real).
 * `client` is used when it is in the flow's region; a flow in a traffic distribution group's other
 * region is reached with that region's client.
 */
export async function bindDeclaredFlow(client: ConnectClient, summary: ClaimedPhoneNumberSummary): Promise<void> {
  const flowArn = summary.Tags?.[FLOW_TAG];
  const numberArn = summary.PhoneNumberArn;
  const flow = flowArn === undefined ? undefined : parseContactFlowArn(flowArn);
  if (!flow || !flowArn || !numberArn) return;
  if (placementOf(summary, flow) !== 'ready') {
    log().info('The number is not (yet) where its declared flow is: not binding', {
      phoneNumberArn: numberArn,
      contactFlowArn: flowArn,
      targetArn: summary.TargetArn,
    });
    return;
  }
  const region = await client.config.region();
  const reader = region === flow.region ? client : connect(flow.region);
  const out = await reader
    .send(new BatchGetFlowAssociationCommand({ InstanceId: flow.instanceId, ResourceIds: [numberArn], ResourceType: 'VOICE_PHONE_NUMBER' }))
    .catch((err: unknown) => {
      if (isNotFound(err)) return { FlowAssociationSummaryList: [] };
      throw err;
    });
  const bound = out.FlowAssociationSummaryList?.find((a) => a.ResourceId === numberArn || a.ResourceId === undefined)?.FlowId;
  if (isSameFlow(bound, flowArn)) return;
  await reader.send(
    new AssociatePhoneNumberContactFlowCommand({
      PhoneNumberId: numberArn,
      InstanceId: flow.instanceId,
      ContactFlowId: flow.contactFlowId,
    }),
  );
  log().info('Bound the flow its binding declared, now that the number is in its instance', {
    phoneNumberArn: numberArn,
    contactFlowArn: flowArn,
  });
}
