/**
 * Custom::PhoneNumberFlowBinding: the contact flow a number's calls go to.
 *
 * Physical id: derived from the number's ARN only, so a new flow (even in another instance after the
 * number moved) is an in-place update; a different number is a replacement, whose cleanup Delete
 * (with the OLD properties) unbinds the old number only while this binding still owns it.
 *
 * Ownership and intent live on the number (../flow-intent): each binding records the flow it declares
 * and itself as the number's binding before it binds. So:
 * - a renamed binding (new logical id) takes the number over; the old one's cleanup Delete sees another
 *   owner and leaves the number bound, and the new one's Delete in the update rollback's cleanup puts
 *   back the flow and owner it took over;
 * - a Delete also leaves the number bound when another binding of the stack's current template declares
 *   it (or may: an unresolvable declaration counts), for numbers bound before these tags existed;
 * - a binding whose number is not (yet) in the flow's instance waits for it in isComplete going
 *   forward; while the stack rolls back it records the flow and completes instead (waiting could
 *   deadlock: CloudFormation may roll the number back after the binding), and the number's own
 *   completion binds the recorded flow (bindDeclaredFlow).
 */
import {
  DescribePhoneNumberCommand,
  DisassociatePhoneNumberContactFlowCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type ClaimedPhoneNumberSummary,
} from '@aws-sdk/client-connect';
import {
  parseContactFlowArn,
  parsePhoneNumberArn,
  parseTargetArn,
  ResourceTypes,
  validatePhoneNumberFlowBinding,
  type ContactFlowArn,
  type PhoneNumberFlowBindingAttributes,
  type PhoneNumberFlowBindingProperties,
} from '../contract';
import { isNotFound } from '../aws-errors';
import { connect } from '../clients';
import { completionTimedOut, completionTimeoutMs } from '../deadline';
import { PhoneNumbersError } from '../errors';
import type {
  CreateRequest,
  DeleteRequest,
  IsCompleteRequest,
  IsCompleteResponse,
  OnEventResponse,
  ResourceHandler,
  UpdateRequest,
} from '../events';
import {
  associateFlow,
  BINDING_TAG,
  boundFlow,
  FLOW_TAG,
  INTENT_TAGS,
  isSameFlow,
  isTaggableNumberArn,
  placementOf,
  PRIOR_BINDING_TAG,
  PRIOR_FLOW_TAG,
} from '../flow-intent';
import { heldError, liveHolder, NumberHeldError, transferredError } from '../holder';
import { ownerOf } from '../identity';
import { log } from '../logger';
import { asRequested, isPassingFailure, retryRequested } from '../retry-later';
import { isRollingBack, otherDeclarations } from '../stack';
import { hasUnresolved } from '../stack-template';
import { upgradePhoneNumberFlowBinding } from '../upgrade';

type Props = PhoneNumberFlowBindingProperties;
type Event = CreateRequest | UpdateRequest | DeleteRequest | IsCompleteRequest;

const PHYSICAL_ID_SUFFIX = '/contact-flow-binding';

export const bindingPhysicalId = (phoneNumberArn: string): string => `${phoneNumberArn}${PHYSICAL_ID_SUFFIX}`;

const flowOf = (p: Props): ContactFlowArn => parseContactFlowArn(p.ContactFlowArn) as ContactFlowArn;
const me = (e: Event): string => ownerOf(e.StackId, e.LogicalResourceId);

/** The number waited for never arrived in the flow's instance. */
export class FlowBindingTimedOutError extends PhoneNumbersError {
  constructor(p: Props, summary: ClaimedPhoneNumberSummary | undefined, waitedMs: number) {
    const where = summary
      ? `it is ${summary.PhoneNumberStatus?.Status ?? 'in an unknown state'} in '${summary.TargetArn ?? '?'}'`
      : 'it is not found';
    super(
      'FlowBindingTimedOutError',
      `the number '${p.PhoneNumberArn}' did not arrive in the instance of the flow '${p.ContactFlowArn}' within ` +
        `${Math.round(waitedMs / 60000)} minutes (${where}). Claim or move the number to that instance ` +
        '(ClaimedPhoneNumber targetArn), or bind a flow of the instance the number is in.',
    );
  }
}

async function describe(arn: string): Promise<ClaimedPhoneNumberSummary | undefined> {
  const region = (parsePhoneNumberArn(arn) as { region: string }).region;
  try {
    const out = await connect(region).send(new DescribePhoneNumberCommand({ PhoneNumberId: arn }));
    return out.ClaimedPhoneNumberSummary;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * The number's tags, or undefined when it is gone: all that a Delete needs to know whether this binding
 * owns the number. ListTagsForResource has its own quota (docs/service-facts.md), so a fleet's Deletes
 * do not queue on DescribePhoneNumber behind the numbers' own Deletes, which read their status there.
 * A legacy ARN cannot be tagged (nor listed): it is described instead (it carries no tags).
 */
async function readTags(arn: string): Promise<Record<string, string> | undefined> {
  if (!isTaggableNumberArn(arn)) {
    const current = await describe(arn);
    return current ? (current.Tags ?? {}) : undefined;
  }
  const region = (parsePhoneNumberArn(arn) as { region: string }).region;
  try {
    const out = await connect(region).send(new ListTagsForResourceCommand({ resourceArn: arn }));
    return out.tags ?? {};
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function tag(arn: string, tags: Record<string, string>): Promise<void> {
  if (Object.keys(tags).length === 0) return;
  const region = (parsePhoneNumberArn(arn) as { region: string }).region;
  await connect(region).send(new TagResourceCommand({ resourceArn: arn, tags }));
}

async function untag(arn: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const region = (parsePhoneNumberArn(arn) as { region: string }).region;
  try {
    await connect(region).send(new UntagResourceCommand({ resourceArn: arn, tagKeys: keys }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Records on the number that this binding owns it and declares `p`'s flow. When another binding (a
 * rename) owned it, its flow and name are kept in the prior-* tags for a rollback; when this binding
 * already owned it, the prior-* tags stay as they are (they belong to the change that took it over).
 * `bound` reads the flow the number is bound to in the flow's instance (once per step, see BoundFlow).
 */
async function recordIntent(e: Event, p: Props, current: ClaimedPhoneNumberSummary, bound: BoundFlow): Promise<void> {
  if (!isTaggableNumberArn(p.PhoneNumberArn)) return;
  const tags = current.Tags ?? {};
  const owner = tags[BINDING_TAG];
  const toSet: Record<string, string> = {};
  const toRemove: string[] = [];
  if (owner !== me(e)) {
    const priorFlow = tags[FLOW_TAG] ?? fullFlowArn(await bound(), flowOf(p));
    if (owner !== undefined) toSet[PRIOR_BINDING_TAG] = owner;
    else if (tags[PRIOR_BINDING_TAG] !== undefined) toRemove.push(PRIOR_BINDING_TAG);
    if (priorFlow !== undefined) toSet[PRIOR_FLOW_TAG] = priorFlow;
    else if (tags[PRIOR_FLOW_TAG] !== undefined) toRemove.push(PRIOR_FLOW_TAG);
    toSet[BINDING_TAG] = me(e);
  }
  if (tags[FLOW_TAG] !== p.ContactFlowArn) toSet[FLOW_TAG] = p.ContactFlowArn;
  await tag(p.PhoneNumberArn, toSet);
  await untag(p.PhoneNumberArn, toRemove);
  if (Object.keys(toSet).length > 0)
    log().info('Recorded the declared flow on the number', {
      phoneNumberArn: p.PhoneNumberArn,
      contactFlowArn: p.ContactFlowArn,
      previousBinding: owner,
    });
}

/** The full ARN of a flow of `flow`'s instance as the service reports it (it may report an id). */
function fullFlowArn(bound: string | undefined, flow: ContactFlowArn): string | undefined {
  if (bound === undefined) return undefined;
  return bound.startsWith('arn:')
    ? bound
    : `arn:${flow.partition}:connect:${flow.region}:${flow.account}:instance/${flow.instanceId}/contact-flow/${bound}`;
}

/**
 * The flow the number is bound to in the declared flow's instance, read at most once per bind step:
 * recording the intent (the prior flow) and binding (already bound?) ask the same question, and nothing
 * of this binding changes the association in between (the intent tags do not).
 */
type BoundFlow = (() => Promise<string | undefined>) & { readonly read: () => boolean };

function boundFlowOnce(p: Props): BoundFlow {
  let read: Promise<string | undefined> | undefined;
  return Object.assign(() => (read ??= boundFlow(p.PhoneNumberArn, flowOf(p))), { read: () => read !== undefined });
}

/**
 * Associates unless the number is bound to the flow already. When the number's recorded flow (FLOW_TAG,
 * read before this step) is another one, the number is not known to ring this flow: it is associated
 * without asking first (associating a number with the flow it already rings changes nothing), unless the
 * step has read the bound flow anyway.
 */
async function ensureBound(p: Props, bound: BoundFlow, recordedFlow: string | undefined): Promise<void> {
  if ((recordedFlow === p.ContactFlowArn || bound.read()) && isSameFlow(await bound(), p.ContactFlowArn)) return;
  await associateFlow(p.PhoneNumberArn, p.ContactFlowArn);
}

/** Unbinds the number in the flow's instance, only while it is bound to that very flow. */
async function unbindIfBoundTo(p: Props): Promise<void> {
  const flow = flowOf(p);
  const bound = await boundFlow(p.PhoneNumberArn, flow);
  if (!isSameFlow(bound, p.ContactFlowArn)) {
    log().info('Number is not bound to this flow: nothing to unbind', { phoneNumberArn: p.PhoneNumberArn, boundTo: bound });
    return;
  }
  try {
    await connect(flow.region).send(
      new DisassociatePhoneNumberContactFlowCommand({ PhoneNumberId: p.PhoneNumberArn, InstanceId: flow.instanceId }),
    );
    log().info('Disassociated contact flow', { phoneNumberArn: p.PhoneNumberArn, contactFlowArn: p.ContactFlowArn });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * What a bind did: bound now; recorded the flow for the number's own completion (rollback); waits for the
 * number; or left it to the live binding that took it over (rollback).
 */
type BindOutcome = 'bound' | 'deferred' | 'waiting' | 'left';

/**
 * One number, one binding: when another live binding (../holder) owns the number, a binding of another
 * stack with TakeOver takes it over ('go'); in a rollback this one leaves it ('leave'); otherwise this
 * throws before any change, naming the holder (the former holder, when it was this binding).
 */
async function guardHolder(e: Event, p: Props, tags: Record<string, string>): Promise<'go' | 'leave'> {
  const owner = tags[BINDING_TAG];
  if (owner === undefined || owner === me(e)) return 'go';
  const ownId = bindingPhysicalId(p.PhoneNumberArn);
  const holder = await liveHolder(e.StackId, owner, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, (id) => id === ownId);
  if (!holder) return 'go';
  if (await isRollingBack(e.StackId)) {
    log().warn('Another binding holds the number: the rollback leaves it alone', { phoneNumberArn: p.PhoneNumberArn, holder: owner });
    return 'leave';
  }
  const what = `the binding of phone number ${p.PhoneNumberArn}`;
  if (tags[PRIOR_BINDING_TAG] === me(e)) throw transferredError(what, holder);
  if (holder.sameStack || p.TakeOver !== 'true') throw heldError(what, holder, ResourceTypes.PHONE_NUMBER_FLOW_BINDING);
  log().warn('Taking the binding over from its holder (takeOver)', { phoneNumberArn: p.PhoneNumberArn, holder: owner });
  return 'go';
}

/**
 * Records the intent, then binds when the number is where the flow is. Waits otherwise: going forward
 * always; while the stack rolls back only when the number is already moving to the flow's instance
 * (which needs nothing from this binding to finish), else the flow stays recorded for the number's
 * own completion to bind.
 */
async function bind(e: Event, p: Props, current: ClaimedPhoneNumberSummary): Promise<BindOutcome> {
  if ((await guardHolder(e, p, current.Tags ?? {})) === 'leave') return 'left';
  const bound = boundFlowOnce(p);
  await recordIntent(e, p, current, bound);
  const placement = placementOf(current, flowOf(p));
  if (placement === 'ready') {
    await ensureBound(p, bound, current.Tags?.[FLOW_TAG]);
    return 'bound';
  }
  if (placement === 'elsewhere' && (await isRollingBack(e.StackId))) {
    log().info('Rolling back while the number is elsewhere: the flow is recorded on it, and bound when the number arrives', {
      phoneNumberArn: p.PhoneNumberArn,
      contactFlowArn: p.ContactFlowArn,
      targetArn: current.TargetArn,
    });
    return 'deferred';
  }
  log().info("Waiting for the number to be CLAIMED in the flow's instance", {
    phoneNumberArn: p.PhoneNumberArn,
    targetArn: current.TargetArn,
    status: current.PhoneNumberStatus?.Status,
  });
  return 'waiting';
}

/**
 * A Create's view of its number without DescribePhoneNumber, when the binding carries the number's target
 * (`PhoneNumberTargetArn`: the `TargetArn` attribute of a ClaimedPhoneNumber of the stack) and it is the
 * flow's instance. CloudFormation creates the binding only once that number's resource is complete (it
 * depends on it), which the number's handler answers only once the number is CLAIMED at that target; and a
 * Create is never part of a rollback (rollbacks update and delete). Only the tags are read, with
 * ListTagsForResource (a quota of its own): a fleet's bindings then do not queue behind the numbers' own
 * reads of DescribePhoneNumber. Undefined otherwise (an imported number, a traffic distribution group,
 * another instance, an untaggable ARN): the number is read.
 */
async function numberAsDeclared(e: IsCompleteRequest, p: Props): Promise<ClaimedPhoneNumberSummary | undefined> {
  if (e.RequestType !== 'Create' || p.PhoneNumberTargetArn === undefined || !isTaggableNumberArn(p.PhoneNumberArn)) return undefined;
  const target = parseTargetArn(p.PhoneNumberTargetArn);
  const flow = flowOf(p);
  if (target?.kind !== 'instance' || target.instanceId !== flow.instanceId || target.region !== flow.region) return undefined;
  const tags = await readTags(p.PhoneNumberArn);
  if (tags === undefined) return undefined;
  return { PhoneNumberArn: p.PhoneNumberArn, TargetArn: p.PhoneNumberTargetArn, PhoneNumberStatus: { Status: 'CLAIMED' }, Tags: tags };
}

/**
 * Binds a Create's number as its declaration says it is (numberAsDeclared), without reading it. False
 * when that does not apply, or when the service refuses the binding (the number is not where its
 * resource left it: changed since by hand): the caller then reads the number and goes the usual way.
 */
async function boundAsDeclared(e: IsCompleteRequest, p: Props): Promise<boolean> {
  const declared = await numberAsDeclared(e, p);
  if (!declared) return false;
  try {
    return (await bind(e, p, declared)) === 'bound';
  } catch (err) {
    if (isPassingFailure(err) || err instanceof NumberHeldError) throw err;
    log().warn('The binding was refused where the number was declared: reading where the number is', {
      phoneNumberArn: p.PhoneNumberArn,
      error: (err as Error).message,
    });
    return false;
  }
}

/**
 * The number to bind; undefined (nothing to put back) when it is gone while the stack rolls back: a
 * number released by hand must not wedge the rollback.
 */
async function numberToBind(e: Event, p: Props): Promise<ClaimedPhoneNumberSummary | undefined> {
  const current = await describe(p.PhoneNumberArn);
  if (!current && (await isRollingBack(e.StackId))) {
    log().warn('The number is no longer claimed: the rollback has nothing to bind', { phoneNumberArn: p.PhoneNumberArn });
    return undefined;
  }
  return current ?? describeClaimed(p);
}

async function describeClaimed(p: Props): Promise<ClaimedPhoneNumberSummary> {
  const current = await describe(p.PhoneNumberArn);
  if (!current) {
    throw new Error(
      `the number '${p.PhoneNumberArn}' is not claimed in this account; claim it (ClaimedPhoneNumber) before binding it to a flow.`,
    );
  }
  return current;
}

/**
 * Puts the intent tags back as they were before a Create that fails: the framework answers the Delete
 * of a failed Create itself, so tags naming this binding would otherwise stay, and the binding that
 * really owns the number would no longer unbind it. `now`: the number's tags, just read.
 */
async function revertIntent(p: Props, before: Record<string, string>, now: Record<string, string>): Promise<void> {
  if (!isTaggableNumberArn(p.PhoneNumberArn)) return;
  try {
    const toSet = Object.fromEntries(INTENT_TAGS.filter((k) => before[k] !== undefined && now[k] !== before[k]).map((k) => [k, before[k]]));
    await tag(p.PhoneNumberArn, toSet);
    await untag(
      p.PhoneNumberArn,
      INTENT_TAGS.filter((k) => before[k] === undefined && now[k] !== undefined),
    );
  } catch (err) {
    log().error("Could not put the number's binding tags back after a failed create; check them by hand", {
      phoneNumberArn: p.PhoneNumberArn,
      error: String(err),
    });
  }
}

/**
 * Key of an Update's onEvent result when the change is complete there (bound, left, deferred, or nothing
 * to bind): the framework merges it into the event isComplete receives, which then answers at once
 * instead of reading the number and its flow again.
 */
export const CHANGED_KEY = 'CdkPhoneNumbersBindingChanged';

const changed = (physicalId: string): OnEventResponse => {
  const response: OnEventResponse & Record<string, string> = { PhysicalResourceId: physicalId, [CHANGED_KEY]: 'true' };
  return response;
};

/** Whether the Update's onEvent made the whole change (CHANGED_KEY), and isComplete was not asked to run it again. */
const changedInOnEvent = (e: IsCompleteRequest): boolean =>
  !retryRequested(e) && (e as unknown as Record<string, unknown>)[CHANGED_KEY] === 'true';

async function update(e: UpdateRequest, p: Props, old: Props): Promise<OnEventResponse> {
  const sameNumber = p.PhoneNumberArn === old.PhoneNumberArn;
  // Same number: same physical id, whatever its form (a different one would be a replacement whose
  // cleanup Delete unbinds the number just bound).
  const physicalId = sameNumber ? e.PhysicalResourceId : bindingPhysicalId(p.PhoneNumberArn);
  if (isUnchanged(p, old)) return { PhysicalResourceId: physicalId };
  // Bind again even when only the target changed: the association does not follow a moved number.
  const current = await numberToBind(e, p);
  if (!current) return changed(physicalId);
  const outcome = await bind(e, p, current);
  if (outcome === 'bound') await unbindOldInstance(p, old);
  // Nothing else will unbind the other number when this Update is the rollback of a replacement: of a
  // failed one (the physical id is already the declared number's), or of a successful one rolled back
  // by an Update of the new physical id (the Delete that follows carries the declared properties).
  if (
    !sameNumber &&
    (e.PhysicalResourceId === physicalId ||
      (e.PhysicalResourceId === bindingPhysicalId(old.PhoneNumberArn) && (await isRollingBack(e.StackId))))
  ) {
    log().info("Rolling back a replacement: releasing the other number's binding", { phoneNumberArn: old.PhoneNumberArn });
    await release(e, old);
  }
  return outcome === 'waiting' ? { PhysicalResourceId: physicalId } : changed(physicalId);
}

const isUnchanged = (p: Props, old: Props): boolean =>
  p.PhoneNumberArn === old.PhoneNumberArn && p.ContactFlowArn === old.ContactFlowArn && p.PhoneNumberTargetArn === old.PhoneNumberTargetArn;

/**
 * Once bound in the new instance: the old instance's binding of the same number, left behind by a move
 * (or bound in two instances), goes.
 */
async function unbindOldInstance(p: Props, old: Props | undefined): Promise<void> {
  if (!old || old.PhoneNumberArn !== p.PhoneNumberArn) return;
  const oldFlow = parseContactFlowArn(old.ContactFlowArn);
  if (oldFlow && (oldFlow.instanceId !== flowOf(p).instanceId || oldFlow.region !== flowOf(p).region)) await unbindIfBoundTo(old);
}

/** Another binding of the stack's current template declares this number (or may: unresolvable). */
async function declaredElsewhere(e: DeleteRequest | UpdateRequest | IsCompleteRequest, p: Props): Promise<boolean> {
  const others = await otherDeclarations(e.StackId, ResourceTypes.PHONE_NUMBER_FLOW_BINDING, e.LogicalResourceId, e);
  if (others === undefined) return false;
  for (const d of others) {
    const arn = d.properties.PhoneNumberArn;
    if (hasUnresolved(arn)) {
      log().warn('Another binding of the stack declares a number that cannot be resolved: keeping this binding', {
        logicalId: d.logicalId,
        phoneNumberArn: p.PhoneNumberArn,
      });
      return true;
    }
    if (arn === p.PhoneNumberArn) {
      log().info('Another binding of the stack declares this number now: leaving it bound', {
        logicalId: d.logicalId,
        phoneNumberArn: p.PhoneNumberArn,
      });
      return true;
    }
  }
  return false;
}

/**
 * A rolled-back rename: puts back the flow and the binding this one took the number over from (the
 * prior-* tags). The flow is bound now when the number is where it is, else when the number arrives.
 */
async function restorePrior(p: Props, tags: Record<string, string>): Promise<void> {
  const priorFlowArn = tags[PRIOR_FLOW_TAG];
  const priorFlow = priorFlowArn === undefined ? undefined : parseContactFlowArn(priorFlowArn);
  const toSet: Record<string, string> = {};
  const toRemove = [PRIOR_FLOW_TAG, PRIOR_BINDING_TAG];
  if (tags[PRIOR_BINDING_TAG] !== undefined) toSet[BINDING_TAG] = tags[PRIOR_BINDING_TAG];
  else toRemove.push(BINDING_TAG);
  if (priorFlowArn !== undefined) toSet[FLOW_TAG] = priorFlowArn;
  else toRemove.push(FLOW_TAG);
  // The flow first, the tags after: a failure in between leaves the tags naming this binding, so that
  // the change, run again, restores again (tags naming the earlier binding would make it leave the number).
  const current = priorFlow ? await describe(p.PhoneNumberArn) : undefined;
  if (priorFlow && priorFlowArn && current && placementOf(current, priorFlow) === 'ready') {
    if (!isSameFlow(await boundFlow(p.PhoneNumberArn, priorFlow), priorFlowArn)) await associateFlow(p.PhoneNumberArn, priorFlowArn);
  } else if (!priorFlow) {
    await unbindIfBoundTo(p);
  }
  await tag(p.PhoneNumberArn, toSet);
  await untag(
    p.PhoneNumberArn,
    toRemove.filter((k) => k in tags),
  );
  log().info('Rolled back a binding that took the number over: its earlier flow and binding are back', {
    phoneNumberArn: p.PhoneNumberArn,
    flow: priorFlowArn,
    binding: tags[PRIOR_BINDING_TAG],
  });
}

async function remove(e: DeleteRequest, p: Props): Promise<OnEventResponse> {
  const done = { PhysicalResourceId: e.PhysicalResourceId };
  if (!parseContactFlowArn(p.ContactFlowArn) || !parsePhoneNumberArn(p.PhoneNumberArn)) return done;
  if (e.PhysicalResourceId.endsWith(PHYSICAL_ID_SUFFIX) && e.PhysicalResourceId !== bindingPhysicalId(p.PhoneNumberArn)) {
    // The properties are not this physical resource's (a replacement rolled back by an Update of the
    // new physical id, then its Delete with the declared properties): that Update released it.
    log().info("The Delete's properties name another number than its physical id: nothing of theirs to unbind", {
      physicalResourceId: e.PhysicalResourceId,
    });
    return done;
  }
  await release(e, p);
  return done;
}

/**
 * Undoes this binding of `p`'s number: leaves it when another binding owns it or the stack declares it
 * elsewhere; while rolling back, puts back what this binding took over; else unbinds it from this
 * binding's flow and drops the tags.
 */
async function release(e: DeleteRequest | UpdateRequest | IsCompleteRequest, p: Props): Promise<void> {
  const tags = await readTags(p.PhoneNumberArn);
  if (!tags) return;
  const owner = tags[BINDING_TAG];
  if (owner !== undefined && owner !== me(e)) {
    log().info('Another binding owns the number now: leaving it alone', { phoneNumberArn: p.PhoneNumberArn, owner });
    return;
  }
  const ours = owner === me(e);
  if (ours && (tags[PRIOR_BINDING_TAG] !== undefined || tags[PRIOR_FLOW_TAG] !== undefined) && (await isRollingBack(e.StackId))) {
    await restorePrior(p, tags);
    return;
  }
  if (await declaredElsewhere(e, p)) return;
  await unbindIfBoundTo(p);
  if (ours)
    await untag(
      p.PhoneNumberArn,
      INTENT_TAGS.filter((k) => k in tags),
    );
}

/**
 * The intent tags as they were before this binding took the number over: the number's `tags` themselves
 * when another binding (or none) owns it, else what the prior-* tags kept.
 */
function tagsBefore(e: Event, tags: Record<string, string>): Record<string, string> {
  if (tags[BINDING_TAG] !== me(e)) return Object.fromEntries(INTENT_TAGS.filter((k) => tags[k] !== undefined).map((k) => [k, tags[k]]));
  const before: Record<string, string> = {};
  if (tags[PRIOR_BINDING_TAG] !== undefined) before[BINDING_TAG] = tags[PRIOR_BINDING_TAG];
  if (tags[PRIOR_FLOW_TAG] !== undefined) before[FLOW_TAG] = tags[PRIOR_FLOW_TAG];
  return before;
}

/** The change of the request: onEvent runs it; isComplete runs it again after a passing failure (../retry-later). */
function change(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<OnEventResponse> {
  switch (e.RequestType) {
    case 'Create':
      return Promise.resolve({ PhysicalResourceId: physicalIdOf(asRequested<CreateRequest>(e), p) }); // made by isComplete's check
    case 'Update':
      return update(asRequested<UpdateRequest>(e), p, old as Props);
    default:
      return remove(asRequested<DeleteRequest>(e), p);
  }
}

/**
 * The binding's attributes: the flow it binds (ContactFlowArn, as declared) and its number. Answered by
 * every complete Create and Update, so a consumer's `Fn::GetAtt` reads which flow the number rings.
 */
export const bindingAttributes = (p: Props): PhoneNumberFlowBindingAttributes & Record<string, string> => ({
  ContactFlowArn: p.ContactFlowArn,
  PhoneNumberArn: p.PhoneNumberArn,
});

async function isComplete(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  const result = await checkComplete(e, p, old);
  return result.IsComplete && e.RequestType !== 'Delete' ? { ...result, Data: bindingAttributes(p) } : result;
}

async function checkComplete(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<IsCompleteResponse> {
  return { IsComplete: await checkDone(e, p, old) };
}

async function checkDone(e: IsCompleteRequest, p: Props, old: Props | undefined): Promise<boolean> {
  if (retryRequested(e)) await change(e, p, old);
  if (e.RequestType === 'Delete') return true;
  if (e.RequestType === 'Update' && old && isUnchanged(p, old)) return true;
  if (e.RequestType === 'Update' && changedInOnEvent(e)) return true;
  if (await boundAsDeclared(e, p)) return true;
  const current = await numberToBind(e, p);
  if (!current) return true;
  const outcome = await bind(e, p, current);
  if (outcome === 'bound') await unbindOldInstance(p, old);
  if (outcome !== 'waiting') return true;
  // The same completion deadline as a claim's (../deadline): well before the Provider waiter gives up,
  // so the binding fails with its own message and a create can still put the number's tags back.
  if (completionTimedOut(e)) throw new FlowBindingTimedOutError(p, current, completionTimeoutMs());
  return false;
}

/** Giving up: a create puts the number's tags back, since the framework sends no Delete for it to. */
async function undoCreate(e: IsCompleteRequest, p: Props): Promise<void> {
  if (e.RequestType !== 'Create') return;
  const now = await readTags(p.PhoneNumberArn);
  if (now) await revertIntent(p, tagsBefore(e, now), now);
}

/** The physical id each request answers with, known before any call (a retried change answers the same). */
function physicalIdOf(e: Event, p: Props, old?: Props): string {
  if (e.RequestType === 'Create') return bindingPhysicalId(p.PhoneNumberArn);
  if (e.RequestType === 'Update' && old && old.PhoneNumberArn !== p.PhoneNumberArn) return bindingPhysicalId(p.PhoneNumberArn);
  return (e as UpdateRequest | DeleteRequest).PhysicalResourceId;
}

export const phoneNumberFlowBinding: ResourceHandler<Props> = {
  upgrade: (raw) => upgradePhoneNumberFlowBinding(raw),
  validate: (p) => validatePhoneNumberFlowBinding(p),
  // Update and Delete: a passing failure in onEvent is run again by isComplete; giving up, a create puts the tags back.
  failures: { onEvent: { kind: 'defer', physicalId: (e, p, old) => physicalIdOf(e, p, old) }, giveUp: { kind: 'undo', undo: undoCreate } },
  // A Create is made by isComplete, which binds anyway (see ../retry-later deferred): a failure then gets a Delete that undoes it.
  create: async (e, p) => ({ PhysicalResourceId: physicalIdOf(e, p) }),
  update: (e, p, old) => update(e, p, old),
  delete: (e, p) => remove(e, p),
  isComplete,
};
