/**
 * Amazon Connect phone-number operations.
 *
 * Behaviour with a public source (docs/service-facts.md gives each address):
 * - Claim / Update / UpdateMetadata are asynchronous: IN_PROGRESS, then CLAIMED or FAILED; a FAILED
 *   claim can be retried for a day (PhoneNumberStatus, API reference).
 * - A claim or move to a target that holds `phoneNumbersPerTarget` numbers (default 5) is accepted and
 *   ends FAILED with a message naming the target (PhoneNumberStatus: "a common reason for a failure may
 *   be that the TargetArn ... has reached its limit of total claimed numbers"; quota: Amazon Connect
 *   service quotas). FAILED numbers do not count; numbers IN_PROGRESS (claiming or releasing) do.
 * - Release is asynchronous: IN_PROGRESS for `releaseDelayMs`, then gone (ResourceNotFound) and cooling
 *   down (the Terraform AWS provider's release waiter waits through IN_PROGRESS until not found).
 * - ClientToken must match the UUID pattern of the API reference (the model extract has only a length).
 * - A TDG number: found by UUID only in its claim region, by full ARN in both; Search and ListV2 accept
 *   the TDG ARN in both regions (API reference of DisassociatePhoneNumberContactFlow, Search, ListV2).
 *
 * Readings where no source says, each a switch (`readings`, see readings.ts and docs/service-facts.md):
 * whether an unfiltered ListPhoneNumbersV2 lists TDG numbers, a PhoneNumberPrefix without '+', a
 * PhoneNumberPrefix of more than 11 digits, releasing a FAILED claim. A ClientToken is remembered for
 * `tokenTtlMs` (default: forever); claims take `claimDelayMs`, moves `moveDelayMs`.
 *
 * Choices where no source says (unverified; every error is a modelled error of the operation):
 * - Claim of a number that is not in the inventory, claimed, or cooling down: InvalidParameterException
 *   "Phone number not available: +1..." (the text Terraform users report; unverified for all cases).
 * - Claim while claim+release churn in the rolling window exceeds 200% of `phoneNumberQuota`:
 *   InvalidParameterException whose message says "blocked" and never "not available" (the lockout is
 *   documented, its error is not; ClaimPhoneNumber has no quota error in its model).
 * - Release / UpdatePhoneNumber from the TDG's alternate region (by full ARN): InvalidParameterException
 *   (not ResourceNotFound, so that a "delete if exists" caller cannot mistake it for "already released").
 * - Update / UpdateMetadata / Release while the number is IN_PROGRESS (a claim, move or release under
 *   way): ResourceInUseException (ResourceType PHONE_NUMBER, ResourceId = phone number id). Tagging
 *   stays allowed.
 * - A release replayed with its ClientToken while it runs is answered like the first call.
 * - A TDG searched from its alternate region shows the inventory of the TDG's own region.
 * - Flow bindings are kept per region and instance: the TDG's replica instance keeps the instance id,
 *   and a binding made in one region leaves the other region's binding alone.
 * - Associating a flow with a number that is not CLAIMED: InvalidParameterException; with a number not
 *   claimed to that instance (or to a TDG of it): ResourceNotFoundException.
 * - TagResource beyond 50 tags in total: InvalidParameterException.
 * - Both InstanceId and TargetArn given to Claim / Update / Search: InvalidParameterException; neither: same.
 * - SearchAvailablePhoneNumbers with an unknown target: InvalidParameterException (no ResourceNotFound in its model).
 * - ImportPhoneNumber (documented: into an instance of the request's region, asynchronous like a claim,
 *   counted in the claim/release churn) of an End User Messaging number (seedSourceNumber):
 *   a SourcePhoneNumberArn that is not an `sms-voice` phone-number ARN: InvalidParameterException; one
 *   not in this account and region: ResourceNotFoundException; a source already imported (any status
 *   but a FAILED import, which can be retried like a FAILED claim), or whose E.164 is claimed in
 *   Connect: InvalidParameterException "already imported" / "not available". A FAILED import leaves
 *   the source in End User Messaging.
 * - ReleasePhoneNumber of an imported number: asynchronous like any release, counted in the churn;
 *   then `importedNumberRelease` (docs/service-facts.md, undocumented): 'return-to-source' (default)
 *   leaves it in End User Messaging, importable again, no cooldown; 'release-source' releases it for
 *   good (gone from End User Messaging too).
 */
import { randomUUID } from 'node:crypto';
import type { Handler, OperationContext } from './context';
import { decodeToken, encodeToken, page } from './context';
import { connectErrors as E } from './errors';
import {
  flowArn,
  parseFlowArn,
  parseInstanceArn,
  parsePhoneNumberArn,
  parseSourcePhoneNumberArn,
  parseTdgArn,
  phoneNumberArn,
} from './arns';
import { normalizeE164 } from './phone-numbers';
import type { ConnectNumber, Inventory, SourceNumber } from './state';
import { flowKey } from './state';
import {
  Target,
  findNumber,
  heldBy,
  idempotent,
  quotaMessage,
  requireClaimRegion,
  requireInstance,
  requireNotInProgress,
  requireNumber,
  resolveTarget,
  startTransition,
  statusOf,
  targetInstanceId,
} from './connect-common';

// ---- operations ---------------------------------------------------------------------------------

/** Claims and imports are refused while the churn exceeds 200% of the quota (docs/service-facts.md). */
function requireNotBlocked(ctx: OperationContext): void {
  if (ctx.rs.churn.length > 2 * ctx.phoneNumberQuota) {
    throw E.invalidParameter(
      `Phone number claims are blocked: claims and releases in the rolling window (${ctx.rs.churn.length}) exceed 200% of the phone number quota (${ctx.phoneNumberQuota}). Contact AWS Support.`,
    );
  }
}

const claimPhoneNumber: Handler = idempotent('ClaimPhoneNumber', (ctx, input) => {
  const target = resolveTarget(ctx, input, E.notFound) as Target;
  const e164 = input.PhoneNumber as string;
  requireNotBlocked(ctx);
  const numbers = ctx.state.accountNumbers(ctx.accountId);
  const held = ctx.state.numberByE164(ctx.accountId, ctx.region, e164);
  let inventory = ctx.rs.available.get(e164);
  if (held && held.status === 'FAILED' && held.failedClaimAt !== undefined && !held.pending) {
    // A FAILED claim can be retried (docs/service-facts.md): the number is still reserved for this account.
    numbers.delete(held.id);
    inventory = { countryCode: held.countryCode, type: held.type };
  } else if (held || !inventory) {
    throw E.invalidParameter(`Phone number not available: ${e164}`);
  }
  ctx.rs.available.delete(e164);
  const id = randomUUID();
  const n: ConnectNumber = {
    id,
    arn: phoneNumberArn(ctx.region, ctx.accountId, id),
    phoneNumber: e164,
    countryCode: inventory.countryCode,
    type: inventory.type,
    accountId: ctx.accountId,
    region: ctx.region,
    targetArn: target.arn,
    description: input.PhoneNumberDescription as string | undefined,
    tags: { ...((input.Tags as Record<string, string> | undefined) ?? {}) },
    flows: new Map(),
    status: 'IN_PROGRESS',
  };
  // Past the target's quota the claim is accepted and ends FAILED (PhoneNumberStatus docs).
  const full = heldBy(ctx, target.arn) >= ctx.phoneNumbersPerTarget;
  numbers.set(id, n);
  ctx.rs.churn.push(ctx.now);
  startTransition(ctx, n, 'ClaimPhoneNumber', undefined, full ? quotaMessage(ctx, target.arn) : undefined);
  return { PhoneNumberId: n.id, PhoneNumberArn: n.arn };
});

/** The End User Messaging number a SourcePhoneNumberArn names, in the request's account and region. */
function requireSource(ctx: OperationContext, arn: string): SourceNumber {
  if (!parseSourcePhoneNumberArn(arn)) {
    throw E.invalidParameter(`SourcePhoneNumberArn is not an AWS End User Messaging phone number ARN: ${arn}`);
  }
  const source = ctx.rs.sources.get(arn);
  if (!source) throw E.notFound(`Source phone number not found in ${ctx.region}: ${arn}`);
  return source;
}

const importPhoneNumber: Handler = idempotent('ImportPhoneNumber', (ctx, input) => {
  const inst = requireInstance(ctx, input.InstanceId as string);
  const source = requireSource(ctx, input.SourcePhoneNumberArn as string);
  requireNotBlocked(ctx);
  const numbers = ctx.state.accountNumbers(ctx.accountId);
  const imported = ctx.state.importedFrom(ctx.accountId, source.arn);
  if (imported && imported.status === 'FAILED' && imported.failedClaimAt !== undefined && !imported.pending) {
    numbers.delete(imported.id); // a FAILED import can be retried, as a FAILED claim can
  } else if (imported) {
    throw E.invalidParameter(`Phone number ${source.e164} is already imported: ${imported.arn}`);
  } else if (ctx.state.numberByE164(ctx.accountId, ctx.region, source.e164)) {
    throw E.invalidParameter(`Phone number not available: ${source.e164}`);
  }
  const id = randomUUID();
  const n: ConnectNumber = {
    id,
    arn: phoneNumberArn(ctx.region, ctx.accountId, id),
    phoneNumber: source.e164,
    countryCode: source.countryCode,
    type: source.type,
    accountId: ctx.accountId,
    region: ctx.region,
    targetArn: inst.arn,
    description: input.PhoneNumberDescription as string | undefined,
    tags: { ...((input.Tags as Record<string, string> | undefined) ?? {}) },
    flows: new Map(),
    status: 'IN_PROGRESS',
    sourceArn: source.arn,
  };
  const full = heldBy(ctx, inst.arn) >= ctx.phoneNumbersPerTarget;
  numbers.set(id, n);
  ctx.rs.churn.push(ctx.now);
  startTransition(ctx, n, 'ImportPhoneNumber', undefined, full ? quotaMessage(ctx, inst.arn) : undefined);
  return { PhoneNumberId: n.id, PhoneNumberArn: n.arn };
});

const searchAvailablePhoneNumbers: Handler = (ctx, input) => {
  // A TDG can be searched from both of its regions; its numbers are claimed in the TDG's own region.
  const target = resolveTarget(ctx, input, E.invalidParameter, false, true) as Target;
  const inventory: Map<string, Inventory> = ctx.state.region(ctx.accountId, target.homeRegion).available;
  const country = input.PhoneNumberCountryCode as string;
  const type = input.PhoneNumberType as string;
  const prefix = prefixOf(ctx, input);
  const max = (input.MaxResults as number | undefined) ?? 10;
  let after: string | undefined;
  if (input.NextToken !== undefined) {
    after = decodeToken('SearchAvailablePhoneNumbers', input.NextToken as string);
    if (after === undefined) throw E.invalidParameter('Invalid NextToken');
  }
  const matches = [...inventory.entries()].filter(
    ([e164, inv]) => inv.countryCode === country && inv.type === type && (prefix === undefined || e164.startsWith(prefix)),
  );
  const { items, last } = page(matches, ([e164]) => e164, after, max);
  return {
    AvailableNumbersList: items.map(([e164, inv]) => ({
      PhoneNumber: e164,
      PhoneNumberCountryCode: inv.countryCode,
      PhoneNumberType: inv.type,
    })),
    ...(last !== undefined ? { NextToken: encodeToken('SearchAvailablePhoneNumbers', last) } : {}),
  };
};

const describePhoneNumber: Handler = (ctx, input) => {
  const n = requireNumber(ctx, input.PhoneNumberId as string);
  const instanceId = parseInstanceArn(n.targetArn)?.instanceId;
  const status = statusOf(n);
  return {
    ClaimedPhoneNumberSummary: {
      PhoneNumberId: n.id,
      PhoneNumberArn: n.arn,
      PhoneNumber: n.phoneNumber,
      PhoneNumberCountryCode: n.countryCode,
      PhoneNumberType: n.type,
      ...(n.description !== undefined ? { PhoneNumberDescription: n.description } : {}),
      TargetArn: n.targetArn,
      ...(instanceId !== undefined ? { InstanceId: instanceId } : {}),
      ...(Object.keys(n.tags).length > 0 ? { Tags: { ...n.tags } } : {}),
      PhoneNumberStatus: { Status: status, ...(status === 'FAILED' && n.message ? { Message: n.message } : {}) },
      ...(n.sourceArn !== undefined ? { SourcePhoneNumberArn: n.sourceArn } : {}),
    },
  };
};

const updatePhoneNumber: Handler = idempotent('UpdatePhoneNumber', (ctx, input) => {
  const n = requireNumber(ctx, input.PhoneNumberId as string);
  requireClaimRegion(ctx, n, 'UpdatePhoneNumber');
  requireNotInProgress(n);
  const target = resolveTarget(ctx, input, E.notFound) as Target;
  const previousTarget = n.targetArn;
  const previousFlows = new Map(n.flows);
  const full = target.arn !== previousTarget && heldBy(ctx, target.arn, n) >= ctx.phoneNumbersPerTarget;
  if (target.arn !== previousTarget) {
    n.targetArn = target.arn;
    // The flow association does not follow the number (docs/service-facts.md).
    n.flows = new Map();
  }
  startTransition(
    ctx,
    n,
    'UpdatePhoneNumber',
    () => {
      n.targetArn = previousTarget;
      n.flows = previousFlows;
    },
    full ? quotaMessage(ctx, target.arn) : undefined,
  );
  return { PhoneNumberId: n.id, PhoneNumberArn: n.arn };
});

const updatePhoneNumberMetadata: Handler = idempotent('UpdatePhoneNumberMetadata', (ctx, input) => {
  const n = requireNumber(ctx, input.PhoneNumberId as string);
  requireNotInProgress(n);
  const previous = n.description;
  if (input.PhoneNumberDescription !== undefined) n.description = input.PhoneNumberDescription as string;
  startTransition(ctx, n, 'UpdatePhoneNumberMetadata', () => {
    n.description = previous;
  });
  return undefined;
});

const releasePhoneNumber: Handler = idempotent('ReleasePhoneNumber', (ctx, input) => {
  const n = requireNumber(ctx, input.PhoneNumberId as string);
  requireClaimRegion(ctx, n, 'ReleasePhoneNumber');
  requireNotInProgress(n);
  if (n.failedClaimAt !== undefined && n.status === 'FAILED' && ctx.readings.failedClaimRelease === 'instant') {
    // Never really claimed or imported (the 'instant' reading): back to inventory (or End User Messaging) at once,
    // no cooldown, no churn.
    ctx.state.dropFailedClaim(ctx.accountId, n);
    return undefined;
  }
  ctx.rs.churn.push(ctx.now);
  if (ctx.releaseDelayMs <= 0) {
    ctx.state.finishRelease(ctx.accountId, n, ctx.now);
    return undefined;
  }
  // Asynchronous: IN_PROGRESS (still described and listed, refusing other changes) until it is gone.
  n.status = 'IN_PROGRESS';
  n.message = undefined;
  n.pending = { until: ctx.now + ctx.releaseDelayMs, outcome: 'RELEASED', isClaim: false };
  return undefined;
});

/** The flow id from an id or a contact-flow ARN of this instance. */
function flowIdOf(ctx: OperationContext, instanceId: string, idOrArn: string): string | undefined {
  if (!idOrArn.startsWith('arn:')) return idOrArn;
  const p = parseFlowArn(idOrArn);
  if (!p || p.region !== ctx.region || p.accountId !== ctx.accountId || p.instanceId !== instanceId) return undefined;
  return p.flowId;
}

const associatePhoneNumberContactFlow: Handler = (ctx, input) => {
  const inst = requireInstance(ctx, input.InstanceId as string);
  const n = requireNumber(ctx, input.PhoneNumberId as string);
  const flowId = flowIdOf(ctx, inst.id, input.ContactFlowId as string);
  if (flowId === undefined || !ctx.rs.flows.get(inst.id)?.has(flowId)) {
    throw E.notFound(`Contact flow not found in instance ${inst.id}: ${input.ContactFlowId as string}`);
  }
  if (targetInstanceId(ctx, n.targetArn) !== inst.id) {
    throw E.notFound(`Phone number ${n.id} is not claimed to instance ${inst.id}`);
  }
  const status = statusOf(n);
  if (status !== 'CLAIMED')
    throw E.invalidParameter(`Phone number ${n.id} is ${status}; a contact flow can be associated only with a CLAIMED number.`);
  n.flows.set(flowKey(ctx.region, inst.id), flowId);
  return undefined;
};

const disassociatePhoneNumberContactFlow: Handler = (ctx, input) => {
  const inst = requireInstance(ctx, input.InstanceId as string);
  const n = requireNumber(ctx, input.PhoneNumberId as string);
  const key = flowKey(ctx.region, inst.id);
  if (!n.flows.has(key)) throw E.notFound(`No contact flow is associated with phone number ${n.id} in instance ${inst.id}`);
  n.flows.delete(key);
  return undefined;
};

/**
 * The request's PhoneNumberPrefix with its '+'. Without one it is taken as if it had it, or refused
 * (the reading prefixWithoutPlus; the API reference: "it must contain + as part of the country code").
 */
function prefixOf(ctx: OperationContext, input: Record<string, unknown>): string | undefined {
  const raw = input.PhoneNumberPrefix as string | undefined;
  if (raw === undefined) return undefined;
  if (!raw.startsWith('+') && ctx.readings.prefixWithoutPlus === 'refused') {
    throw E.invalidParameter(`PhoneNumberPrefix '${raw}' must contain '+' as part of the country code, e.g. '+${raw}'.`);
  }
  return normalizeE164(raw);
}

/** Whether an unfiltered ListPhoneNumbersV2 lists the number (the reading unfilteredListTdgNumbers). */
const listedUnfiltered = (ctx: OperationContext, n: ConnectNumber): boolean =>
  ctx.readings.unfilteredListTdgNumbers === 'listed' || parseTdgArn(n.targetArn) === undefined;

function visibleNumbers(ctx: OperationContext): ConnectNumber[] {
  return [...ctx.state.accountNumbers(ctx.accountId).values()].filter((n) => ctx.state.visibleRegions(n).includes(ctx.region));
}

const listPhoneNumbersV2: Handler = (ctx, input) => {
  const target = resolveTarget(ctx, input, E.notFound, true, true);
  const countries = input.PhoneNumberCountryCodes as string[] | undefined;
  const types = input.PhoneNumberTypes as string[] | undefined;
  const prefix = prefixOf(ctx, input);
  const max = Math.min((input.MaxResults as number | undefined) ?? 100, ctx.maxPageSize);
  let after: string | undefined;
  if (input.NextToken !== undefined) {
    after = decodeToken('ListPhoneNumbersV2', input.NextToken as string);
    if (after === undefined) throw E.invalidParameter('Invalid NextToken');
  }
  const matches = visibleNumbers(ctx).filter(
    (n) =>
      (target === undefined ? listedUnfiltered(ctx, n) : n.targetArn === target.arn) &&
      (!countries || countries.length === 0 || countries.includes(n.countryCode)) &&
      (!types || types.length === 0 || types.includes(n.type)) &&
      (prefix === undefined || n.phoneNumber.startsWith(prefix)),
  );
  const { items, last } = page(matches, (n) => `${n.phoneNumber}|${n.id}`, after, max);
  return {
    ListPhoneNumbersSummaryList: items.map((n) => {
      const instanceId = parseInstanceArn(n.targetArn)?.instanceId;
      return {
        PhoneNumberId: n.id,
        PhoneNumberArn: n.arn,
        PhoneNumber: n.phoneNumber,
        PhoneNumberCountryCode: n.countryCode,
        PhoneNumberType: n.type,
        TargetArn: n.targetArn,
        ...(instanceId !== undefined ? { InstanceId: instanceId } : {}),
        ...(n.description !== undefined ? { PhoneNumberDescription: n.description } : {}),
        ...(n.sourceArn !== undefined ? { SourcePhoneNumberArn: n.sourceArn } : {}),
      };
    }),
    ...(last !== undefined ? { NextToken: encodeToken('ListPhoneNumbersV2', last) } : {}),
  };
};

function flowSummary(ctx: OperationContext, n: ConnectNumber, instanceId: string): Record<string, unknown> {
  return {
    ResourceId: n.arn,
    FlowId: flowArn(ctx.region, ctx.accountId, instanceId, n.flows.get(flowKey(ctx.region, instanceId)) as string),
    ResourceType: 'VOICE_PHONE_NUMBER',
  };
}

const listFlowAssociations: Handler = (ctx, input) => {
  const inst = requireInstance(ctx, input.InstanceId as string);
  const type = input.ResourceType as string | undefined;
  const max = (input.MaxResults as number | undefined) ?? 100;
  let after: string | undefined;
  if (input.NextToken !== undefined) {
    after = decodeToken('ListFlowAssociations', input.NextToken as string);
    if (after === undefined) throw E.invalidParameter('Invalid NextToken');
  }
  const matches =
    type !== undefined && type !== 'VOICE_PHONE_NUMBER' ? [] : visibleNumbers(ctx).filter((n) => n.flows.has(flowKey(ctx.region, inst.id)));
  const { items, last } = page(matches, (n) => n.arn, after, max);
  return {
    FlowAssociationSummaryList: items.map((n) => flowSummary(ctx, n, inst.id)),
    ...(last !== undefined ? { NextToken: encodeToken('ListFlowAssociations', last) } : {}),
  };
};

const batchGetFlowAssociation: Handler = (ctx, input) => {
  const inst = requireInstance(ctx, input.InstanceId as string);
  const type = input.ResourceType as string | undefined;
  const out: Record<string, unknown>[] = [];
  if (type === undefined || type === 'VOICE_PHONE_NUMBER') {
    for (const id of input.ResourceIds as string[]) {
      const n = findNumber(ctx, id);
      if (n && n.flows.has(flowKey(ctx.region, inst.id))) out.push(flowSummary(ctx, n, inst.id));
    }
  }
  return { FlowAssociationSummaryList: out };
};

const MAX_TAGS = 50;

function taggable(ctx: OperationContext, arn: string): ConnectNumber {
  const n = parsePhoneNumberArn(arn) && findNumber(ctx, arn);
  if (!n) throw E.notFound(`Resource not found: ${arn}`);
  return n;
}

const tagResource: Handler = (ctx, input) => {
  const n = taggable(ctx, input.resourceArn as string);
  const merged = { ...n.tags, ...(input.tags as Record<string, string>) };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw E.invalidParameter(`A resource can have at most ${MAX_TAGS} tags; this request would leave ${Object.keys(merged).length}.`);
  }
  n.tags = merged;
  return undefined;
};

const untagResource: Handler = (ctx, input) => {
  const n = taggable(ctx, input.resourceArn as string);
  for (const k of input.tagKeys as string[]) delete n.tags[k];
  return undefined;
};

const listTagsForResource: Handler = (ctx, input) => {
  const n = taggable(ctx, input.resourceArn as string);
  return { tags: { ...n.tags } };
};

export const CONNECT_HANDLERS: Record<string, Handler> = {
  ClaimPhoneNumber: claimPhoneNumber,
  ImportPhoneNumber: importPhoneNumber,
  SearchAvailablePhoneNumbers: searchAvailablePhoneNumbers,
  DescribePhoneNumber: describePhoneNumber,
  UpdatePhoneNumber: updatePhoneNumber,
  UpdatePhoneNumberMetadata: updatePhoneNumberMetadata,
  ReleasePhoneNumber: releasePhoneNumber,
  AssociatePhoneNumberContactFlow: associatePhoneNumberContactFlow,
  DisassociatePhoneNumberContactFlow: disassociatePhoneNumberContactFlow,
  ListPhoneNumbersV2: listPhoneNumbersV2,
  ListFlowAssociations: listFlowAssociations,
  BatchGetFlowAssociation: batchGetFlowAssociation,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
