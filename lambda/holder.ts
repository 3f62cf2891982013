/**
 * Who holds a number now: the live resource an ownership value names (`STACK_NAME/LOGICAL_ID`, as
 * ./identity writes it on a number, with or without its marker), read from that resource's stack.
 *
 * A holder is live while its stack exists (DescribeStackResources by the stack's name: a deleted stack is
 * found by its id only), lists the resource with this number as its physical id (or with a request, or an
 * operation of its stack, under way: DescribeStacks), and its current template (GetTemplate) still
 * declares that logical id (or, for another stack's resource, while that stack's update or its rollback is
 * under way: see UPDATE_MAY_KEEP). So a number kept by RETAIN
 * in a stack that is gone, or left by a resource since renamed or removed, is held by nobody.
 *
 * IAM: cloudformation:DescribeStacks, DescribeStackResources and GetTemplate on the stacks of the handler's account and
 * region (lib/private/provider.ts, 'ReadHolderStacks'); the trade-off is in README ("Ownership rules").
 * The holder's stack is looked up in the handler's own stack's region: the ownership value does not say
 * another one.
 */
import { ResourceTypes } from './contract';
import { cloudFormation, cloudFormationSdk } from './clients';
import { errorMessage, errorName } from './aws-errors';
import { ownerOf, stackNameOf } from './identity';
import { log } from './logger';
import { stackRegion } from './stack';
import type { Template } from './stack-template';

export interface Holder {
  /** The ownership value without its marker: STACK_NAME/LOGICAL_ID. */
  readonly owner: string;
  readonly stackName: string;
  readonly logicalId: string;
  /** The construct path CDK recorded (Metadata aws:cdk:path), less its /Resource/Default tail. */
  readonly path?: string;
  /** The holder is a resource of the handler's own stack. */
  readonly sameStack: boolean;
}

/** The owner part of an ownership tag value (the '@' marker dropped). */
export const ownerPart = (tagValue: string): string => tagValue.replace(/@[ca][0-9a-f]*$/, '');

const isUnknownStack = (err: unknown): boolean => errorName(err) === 'ValidationError' && /does not exist/i.test(errorMessage(err));

/** Statuses under which a listed resource is no longer there. */
const GONE = new Set(['DELETE_COMPLETE', 'DELETE_SKIPPED']);

/**
 * Stack statuses under which a listed resource that the current template no longer declares still holds
 * its number for another stack: an update (or its rollback) under way may keep it or bring it back, and
 * a rename's new logical id has not yet tagged the number (the gap `rename-taken-by-other-stack`). Only
 * the update's own cleanup (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS) removes it for good. Within its own
 * stack such a resource holds nothing: this very deploy renamed or removed it.
 */
const UPDATE_MAY_KEEP = new Set(['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS']);

type CfnClient = ReturnType<typeof cloudFormation>;
type Listed = { StackId?: string; LogicalResourceId?: string; PhysicalResourceId?: string; ResourceStatus?: string; ResourceType?: string };

/**
 * The resource of `resourceType` that `owner` names, as its stack lists it; undefined when the stack is
 * gone. DescribeStackResources answers at most 100 resources: the one logical id is asked for (a hashed
 * owner value, of a logical id too long to write whole, is looked for among those 100).
 */
async function listedResource(client: CfnClient, stackName: string, owner: string, resourceType: string): Promise<Listed | undefined> {
  const { DescribeStackResourcesCommand } = cloudFormationSdk();
  const logicalId = /=[0-9a-f]{32}$/.test(owner) ? undefined : owner.slice(stackName.length + 1);
  try {
    const out = await client.send(new DescribeStackResourcesCommand({ StackName: stackName, LogicalResourceId: logicalId }));
    return (out.StackResources ?? []).find(
      (x) => x.ResourceType === resourceType && ownerOf(x.StackId ?? '', x.LogicalResourceId ?? '') === owner,
    );
  } catch (err) {
    if (isUnknownStack(err)) return undefined;
    throw err;
  }
}

/** The construct path (or '' without path metadata) when the stack's current template declares `r`; undefined when it does not. */
async function declaredPath(client: CfnClient, r: Listed): Promise<string | undefined> {
  const { GetTemplateCommand } = cloudFormationSdk();
  const out = await client.send(new GetTemplateCommand({ StackName: r.StackId }));
  let template: Template;
  try {
    template = JSON.parse(out.TemplateBody ?? '{}') as Template;
  } catch {
    return ''; // Not JSON (a YAML template): the resource is listed, so it is taken as declared.
  }
  const declared = template.Resources?.[r.LogicalResourceId as string] as { Metadata?: Record<string, unknown> } | undefined;
  if (!declared) return undefined;
  const cdkPath = declared.Metadata?.['aws:cdk:path'];
  return typeof cdkPath === 'string' ? cdkPath.replace(/\/Resource(\/Default)?$/, '') : '';
}

/**
 * The live resource of `resourceType` that `tagValue` names, or undefined when none holds the number.
 * `holds(physicalId)` tells whether the listed resource's physical id is this number's (a request, or an
 * operation of its stack, under way holds whatever the listed physical id says: a replaced resource's
 * old number comes back if the operation rolls back).
 */
export async function liveHolder(
  ownStackId: string,
  tagValue: string,
  resourceType: string,
  holds: (physicalId: string | undefined) => boolean,
): Promise<Holder | undefined> {
  const owner = ownerPart(tagValue);
  const slash = owner.indexOf('/');
  const region = stackRegion(ownStackId);
  if (slash <= 0 || !region) return undefined;
  const stackName = owner.slice(0, slash);
  const client = cloudFormation(region);
  const r = await listedResource(client, stackName, owner, resourceType);
  if (!r || GONE.has(r.ResourceStatus ?? '')) return undefined;
  const sameStack = stackName === stackNameOf(ownStackId);
  let status: Promise<string> | undefined;
  const stackStatus = (): Promise<string> => (status ??= stackStatusOf(client, r.StackId ?? stackName));
  const underWay = (r.ResourceStatus ?? '').endsWith('_IN_PROGRESS') || (await stackStatus()).endsWith('_IN_PROGRESS');
  if (!underWay && !holds(r.PhysicalResourceId)) return undefined;
  const path = await declaredPath(client, r);
  if (path === undefined && (sameStack || !UPDATE_MAY_KEEP.has(await stackStatus()))) return undefined;
  const holder: Holder = {
    owner,
    stackName,
    logicalId: r.LogicalResourceId as string,
    ...(path ? { path } : {}),
    sameStack,
  };
  log().info('The number is held by a live resource', { ...holder });
  return holder;
}

/** The stack's status ('' when not answered); an operation is under way while it ends with _IN_PROGRESS. */
async function stackStatusOf(client: CfnClient, stackId: string): Promise<string> {
  const { DescribeStacksCommand } = cloudFormationSdk();
  const out = await client.send(new DescribeStacksCommand({ StackName: stackId }));
  return out.Stacks?.[0]?.StackStatus ?? '';
}

/** How an error names a holder: its construct path (or logical id) and stack. */
export const describeHolder = (h: Holder): string => `${h.path ?? h.owner} (stack ${h.stackName}, logical id ${h.logicalId})`;

export class NumberHeldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NumberHeldError';
  }
}

/**
 * The refusal of a declaration that would take `what` from a live holder: another stack's holder may be
 * transferred with the construct's takeOver; one of the same stack never (two resources of a stack
 * cannot end on one number).
 */
export function heldError(what: string, h: Holder, resourceType: string): NumberHeldError {
  const construct = resourceType === ResourceTypes.PHONE_NUMBER_FLOW_BINDING ? 'PhoneNumberFlowBinding' : 'ClaimedPhoneNumber';
  const fix = h.sameStack
    ? `Two resources of one stack cannot hold one number: remove ${h.logicalId} from the stack (or change what it declares) in the same deploy.`
    : `To transfer it, set takeOver: true on this ${construct} (the holder's later deploys then fail and its delete leaves the number alone); ` +
      `or remove it from stack ${h.stackName} first.`;
  return new NumberHeldError(`${what} is held by ${describeHolder(h)}; nothing was changed. ${fix}`);
}

/**
 * The refusal of a change by a former holder: another live resource holds the number now (it was
 * transferred with takeOver).
 */
export function transferredError(what: string, h: Holder): NumberHeldError {
  return new NumberHeldError(
    `${what} is now held by ${describeHolder(h)}, which took it over; this resource no longer holds it and changes nothing. ` +
      'Remove this resource, or take the number back with takeOver: true here.',
  );
}
