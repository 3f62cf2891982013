/**
 * What one event cannot tell: the stack's own state, read from CloudFormation.
 *
 * - Whether the stack is rolling back (DescribeStacks: StackStatus). A Delete while the stack rolls back
 *   undoes what the failed operation created; a Delete otherwise removes something the user removed.
 * - What the stack declares NOW (GetTemplate + ListStackResources + the stack's Parameters), so that a
 *   renamed resource's cleanup Delete does not undo what the resource that replaced it declares.
 *
 * IAM: cloudformation:DescribeStacks, GetTemplate and DescribeStackResources on the stack's own ARN
 * (lib/private/provider.ts). The facts relied on are in docs/service-facts.md ("CloudFormation").
 *
 * A stack that CloudFormation does not know (the handler invoked outside a stack operation, as in unit
 * tests) reads as `undefined`: the caller then does what it would do outside any rollback or rename.
 */
import type { Template } from './stack-template';
import { declarationsIn, hasUnresolved, UNRESOLVED } from './stack-template';
import { cloudFormation, cloudFormationSdk } from './clients';
import { errorMessage, errorName } from './aws-errors';
import { log } from './logger';

/** Statuses during which CloudFormation undoes a failed create or update. */
export const ROLLBACK_STATUSES: ReadonlySet<string> = new Set([
  'ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'IMPORT_ROLLBACK_IN_PROGRESS',
]);

/** The stack's own region: arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/UUID. */
export function stackRegion(stackId: string): string | undefined {
  return /^arn:[^:]+:cloudformation:([^:]+):/.exec(stackId)?.[1];
}

function isStackUnknown(err: unknown): boolean {
  return errorName(err) === 'ValidationError' && /does not exist/i.test(errorMessage(err));
}

interface StackSummary {
  readonly status: string;
  readonly parameters: Record<string, string>;
}

async function describeStack(stackId: string): Promise<StackSummary | undefined> {
  const region = stackRegion(stackId);
  if (!region) return undefined;
  const { DescribeStacksCommand } = cloudFormationSdk();
  try {
    const out = await cloudFormation(region).send(new DescribeStacksCommand({ StackName: stackId }));
    const stack = out.Stacks?.[0];
    if (!stack?.StackStatus) return undefined;
    const parameters = Object.fromEntries(
      (stack.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ResolvedValue ?? p.ParameterValue ?? '']),
    );
    return { status: stack.StackStatus, parameters };
  } catch (err) {
    if (isStackUnknown(err)) {
      log().info('CloudFormation does not know the stack: treating the event as outside any rollback', { stackId });
      return undefined;
    }
    throw err;
  }
}

/** The stack's status now, or undefined when CloudFormation does not know the stack. */
export async function stackStatus(stackId: string): Promise<string | undefined> {
  return (await describeStack(stackId))?.status;
}

/** Tells whether the stack is undoing a failed create or update now. */
export async function isRollingBack(stackId: string): Promise<boolean> {
  const status = await stackStatus(stackId);
  return status !== undefined && ROLLBACK_STATUSES.has(status);
}

/** One resource of the stack's current template, its properties resolved as far as they can be. */
export interface Declaration {
  readonly logicalId: string;
  /** Resolved properties; a value that could not be resolved is `UNRESOLVED`. */
  readonly properties: Record<string, unknown>;
}

/** Statuses of an update rollback, in which GetTemplate may serve either template (see otherDeclarations). */
const UPDATE_ROLLBACK_STATUSES: ReadonlySet<string> = new Set([
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
]);

/** The event of the resource asking: what it is rolled back to (an Update) or that it is deleted. */
export interface OwnEvent {
  readonly RequestType: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly PhysicalResourceId?: string;
  readonly OldResourceProperties?: Record<string, unknown>;
}

/** Property values compared as CloudFormation sends them: every scalar a string. */
const asSent = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(asSent)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asSent(v)]))
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : value;

function sameDeclaration(declared: Record<string, unknown>, sent: Record<string, unknown>): boolean {
  if (hasUnresolved(declared)) return false;
  const keys = new Set([...Object.keys(declared), ...Object.keys(sent)].filter((k) => k !== 'ServiceToken'));
  return [...keys].every((k) => JSON.stringify(asSent(declared[k])) === JSON.stringify(asSent(sent[k])));
}

/**
 * While an update rolls back, whether the template GetTemplate served may be the failed update's rather
 * than the one the stack goes back to (no public source settles which: docs/service-facts.md). Told by
 * the asking resource itself: a rollback Delete is of a resource the failed update created (or of the
 * new physical id of one it replaced), so a template that declares it may be the failed one; a rollback
 * Update goes back to its ResourceProperties, so a template that declares what it leaves may be. The
 * Delete of the new physical id of a replaced resource (listed with its old one) tells nothing.
 */
function mayBeFailedTemplate(declarations: Declaration[], own: OwnEvent, logicalId: string, listedId: string | undefined): boolean {
  const self = declarations.find((d) => d.logicalId === logicalId);
  if (!self) return false;
  // The Delete of a replacement's other physical id (the stack lists the resource with another one) is
  // of a resource both templates declare: nothing to tell from it.
  if (own.RequestType === 'Delete') return listedId === undefined || listedId === own.PhysicalResourceId;
  // Only a template that declares what the failed update sent (OldResourceProperties) is taken for the
  // failed one: a value resolved through a resource still to be rolled back may differ either way.
  const failed = own.OldResourceProperties;
  return failed !== undefined && sameDeclaration(self.properties, failed) && !sameDeclaration(self.properties, own.ResourceProperties);
}

/**
 * The resources of `resourceType` that the stack's current template declares, other than `exceptLogicalId`.
 * undefined when the stack is unknown or its template cannot be read: the caller must then assume
 * anything may be declared. While an update rolls back, `own` (the asking resource's event) tells
 * whether the template served may be the failed update's: then what the stack goes back to is unknown,
 * and one declaration of every property unresolved stands for it (anything may be declared).
 */
export async function otherDeclarations(
  stackId: string,
  resourceType: string,
  exceptLogicalId: string,
  own?: OwnEvent,
): Promise<Declaration[] | undefined> {
  const region = stackRegion(stackId);
  if (!region) return undefined;
  const summary = await describeStack(stackId);
  if (!summary) return undefined;
  // The whole stack is going: nothing of it will be declared any more.
  if (summary.status === 'DELETE_IN_PROGRESS') return [];
  const { GetTemplateCommand, paginateListStackResources } = cloudFormationSdk();
  const client = cloudFormation(region);
  let template: Template;
  try {
    const out = await client.send(new GetTemplateCommand({ StackName: stackId }));
    template = JSON.parse(out.TemplateBody ?? '{}') as Template;
  } catch (err) {
    if (err instanceof SyntaxError) {
      log().warn('The stack template is not JSON: assuming every resource may declare anything', { error: errorMessage(err) });
      return undefined;
    }
    throw err;
  }
  // ListStackResources, paged: DescribeStackResources answers only the first 100 resources of a stack
  // (docs/service-facts.md), and a stack of this library holds up to 500.
  const physicalIds: Record<string, string> = {};
  for await (const page of paginateListStackResources({ client }, { StackName: stackId })) {
    for (const r of page.StackResourceSummaries ?? []) physicalIds[r.LogicalResourceId ?? ''] = r.PhysicalResourceId ?? '';
  }
  const declarations = declarationsIn(template, resourceType, {
    stackId,
    parameters: summary.parameters,
    physicalIds,
  });
  if (
    own &&
    UPDATE_ROLLBACK_STATUSES.has(summary.status) &&
    mayBeFailedTemplate(declarations, own, exceptLogicalId, physicalIds[exceptLogicalId])
  ) {
    log().warn("The template served during the rollback may be the failed update's: assuming any declaration", { stackId });
    const keys = new Set(declarations.flatMap((d) => Object.keys(d.properties)));
    return [{ logicalId: '', properties: Object.fromEntries([...keys].map((k) => [k, UNRESOLVED])) }];
  }
  return declarations.filter((d) => d.logicalId !== exceptLogicalId);
}
