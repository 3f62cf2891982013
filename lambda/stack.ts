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
import { declarationsIn } from './stack-template';
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

/**
 * The resources of `resourceType` that the stack's current template declares, other than `exceptLogicalId`.
 * undefined when the stack is unknown or its template cannot be read: the caller must then assume
 * anything may be declared.
 */
export async function otherDeclarations(
  stackId: string,
  resourceType: string,
  exceptLogicalId: string,
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
  return declarationsIn(template, resourceType, {
    stackId,
    parameters: summary.parameters,
    physicalIds,
  }).filter((d) => d.logicalId !== exceptLogicalId);
}
