/**
 * Custom::PhoneNumberFlowBinding: the contact flow a number's calls go to.
 *
 * Physical id: derived from the number's ARN only, so a new flow (even in another instance after the
 * number moved) is an in-place update; a different number is a replacement, whose cleanup Delete
 * (with the OLD properties) unbinds the old number only while it is still bound to the old flow.
 */
import {
  AssociatePhoneNumberContactFlowCommand,
  BatchGetFlowAssociationCommand,
  DisassociatePhoneNumberContactFlowCommand,
} from '@aws-sdk/client-connect';
import {
  parseContactFlowArn,
  validatePhoneNumberFlowBinding,
  type ContactFlowArn,
  type PhoneNumberFlowBindingProperties,
} from '../contract';
import { isNotFound } from '../aws-errors';
import { connect } from '../clients';
import type { CreateRequest, DeleteRequest, IsCompleteResponse, OnEventResponse, ResourceHandler, UpdateRequest } from '../events';
import { log } from '../logger';
import { upgradePhoneNumberFlowBinding } from '../upgrade';

type Props = PhoneNumberFlowBindingProperties;

const PHYSICAL_ID_SUFFIX = '/contact-flow-binding';

export const bindingPhysicalId = (phoneNumberArn: string): string => `${phoneNumberArn}${PHYSICAL_ID_SUFFIX}`;

const flowOf = (p: Props): ContactFlowArn => parseContactFlowArn(p.ContactFlowArn) as ContactFlowArn;

async function associate(p: Props): Promise<void> {
  const flow = flowOf(p);
  await connect(flow.region).send(new AssociatePhoneNumberContactFlowCommand({
    // The full ARN: a UUID is not found from a traffic distribution group's alternate region.
    PhoneNumberId: p.PhoneNumberArn,
    InstanceId: flow.instanceId,
    ContactFlowId: flow.contactFlowId,
  }));
  log().info('Associated contact flow', { phoneNumberArn: p.PhoneNumberArn, contactFlowArn: p.ContactFlowArn });
}

/** The flow (ARN or id, as the service reports it) the number is bound to in the flow's instance, if any. */
async function currentFlow(p: Props): Promise<string | undefined> {
  const flow = flowOf(p);
  try {
    const out = await connect(flow.region).send(new BatchGetFlowAssociationCommand({
      InstanceId: flow.instanceId,
      ResourceIds: [p.PhoneNumberArn],
      ResourceType: 'VOICE_PHONE_NUMBER',
    }));
    return out.FlowAssociationSummaryList?.find((a) => a.ResourceId === p.PhoneNumberArn || a.ResourceId === undefined)?.FlowId;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function isSameFlow(reported: string | undefined, p: Props): boolean {
  if (reported === undefined) return false;
  return reported === p.ContactFlowArn || reported === flowOf(p).contactFlowId || p.ContactFlowArn.endsWith(`/${reported}`);
}

/** Unbinds the number in the flow's instance, only while it is bound to that very flow. */
async function unbindIfOurs(p: Props): Promise<void> {
  const bound = await currentFlow(p);
  if (!isSameFlow(bound, p)) {
    log().info('Number is not bound to this flow: nothing to unbind', { phoneNumberArn: p.PhoneNumberArn, boundTo: bound });
    return;
  }
  try {
    await connect(flowOf(p).region).send(new DisassociatePhoneNumberContactFlowCommand({
      PhoneNumberId: p.PhoneNumberArn,
      InstanceId: flowOf(p).instanceId,
    }));
    log().info('Disassociated contact flow', { phoneNumberArn: p.PhoneNumberArn, contactFlowArn: p.ContactFlowArn });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

async function create(_e: CreateRequest, p: Props): Promise<OnEventResponse> {
  await associate(p);
  return { PhysicalResourceId: bindingPhysicalId(p.PhoneNumberArn) };
}

async function update(e: UpdateRequest, p: Props, old: Props): Promise<OnEventResponse> {
  const sameNumber = p.PhoneNumberArn === old.PhoneNumberArn;
  // Same number: same physical id, whatever its form (a different one would be a replacement whose
  // cleanup Delete unbinds the number just bound).
  const physicalId = sameNumber ? e.PhysicalResourceId : bindingPhysicalId(p.PhoneNumberArn);
  const unchanged = sameNumber && p.ContactFlowArn === old.ContactFlowArn && p.PhoneNumberTargetArn === old.PhoneNumberTargetArn;
  if (unchanged) return { PhysicalResourceId: physicalId };
  // Associate again even when only the target changed: the association does not follow a moved number.
  await associate(p);
  const oldInstance = flowOf(old);
  if (sameNumber && (oldInstance.instanceId !== flowOf(p).instanceId || oldInstance.region !== flowOf(p).region)) {
    // The number left the old instance's flow behind, or is bound in two instances: unbind the old.
    await unbindIfOurs(old);
  }
  return { PhysicalResourceId: physicalId };
}

async function remove(e: DeleteRequest, p: Props): Promise<OnEventResponse> {
  if (parseContactFlowArn(p.ContactFlowArn)) await unbindIfOurs(p);
  return { PhysicalResourceId: e.PhysicalResourceId };
}

async function isComplete(): Promise<IsCompleteResponse> {
  return { IsComplete: true };
}

export const phoneNumberFlowBinding: ResourceHandler<Props> = {
  upgrade: (raw) => upgradePhoneNumberFlowBinding(raw),
  validate: (p) => validatePhoneNumberFlowBinding(p),
  create,
  update,
  delete: remove,
  isComplete,
};
