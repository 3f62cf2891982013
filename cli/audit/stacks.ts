/**
 * Declarations read from the deployed stacks of the account and region: ListStacks (every stack not
 * deleted), ListStackResources of each (physical ids, and whether it holds this library's resources),
 * then GetTemplate (and DescribeStacks when the template has parameters) of those that do.
 */
import {
  DescribeStacksCommand,
  GetTemplateCommand,
  paginateListStackResources,
  paginateListStacks,
  StackStatus,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import type { CfnTemplate } from '../../local/deploy/types';
import type { AuditClients } from './clients';
import { declarationsOf, LIBRARY_TYPES, type StackDeclarations } from './declarations';
import { accessError, AuditUsageError } from './errors';
import type { Declarations } from './model';
import { mapPool } from './pool';

/** Stacks read at once (CloudFormation's read quotas are well above the phone-number APIs'). */
const STACK_CONCURRENCY = 4;

export interface LiveStack {
  readonly name: string;
  readonly id: string;
}

async function cfnCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw accessError(err, 'cloudformation', operation) ?? err;
  }
}

/** Every stack of the account and region that is not deleted. */
export async function liveStacks(clients: AuditClients): Promise<LiveStack[]> {
  const statuses = Object.values(StackStatus).filter((s) => s !== StackStatus.DELETE_COMPLETE);
  return cfnCall('ListStacks', async () => {
    const out: LiveStack[] = [];
    for await (const page of paginateListStacks({ client: clients.cloudFormation() }, { StackStatusFilter: statuses })) {
      for (const s of page.StackSummaries ?? []) if (s.StackName && s.StackId) out.push({ name: s.StackName, id: s.StackId });
    }
    return out;
  });
}

/** The stacks `--stack` names, each of which must exist; all of them when none is named. */
export function chooseStacks(live: readonly LiveStack[], names: readonly string[], region: string): LiveStack[] {
  if (names.length === 0) return [...live];
  return names.map((name) => {
    const found = live.find((s) => s.name === name);
    if (!found) {
      const known = live.length === 0 ? 'none' : live.map((s) => s.name).join(', ');
      throw new AuditUsageError(`unknown stack ${name} in ${region} (stacks there: ${known}). Check --stack, --region and AWS_PROFILE.`);
    }
    return found;
  });
}

async function resourcesOf(clients: AuditClients, stack: LiveStack): Promise<StackResourceSummary[]> {
  return cfnCall('ListStackResources', async () => {
    const out: StackResourceSummary[] = [];
    for await (const page of paginateListStackResources({ client: clients.cloudFormation() }, { StackName: stack.id })) {
      out.push(...(page.StackResourceSummaries ?? []));
    }
    return out;
  });
}

async function parametersOf(clients: AuditClients, stack: LiveStack): Promise<Record<string, string>> {
  const { Stacks } = await cfnCall('DescribeStacks', () =>
    clients.cloudFormation().send(new DescribeStacksCommand({ StackName: stack.id })),
  );
  return Object.fromEntries((Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ResolvedValue ?? p.ParameterValue ?? '']));
}

const accountOf = (stackId: string): string => stackId.split(':')[4] ?? '';

/** The declarations of one deployed stack; none when it holds no resource of this library. */
async function readStack(clients: AuditClients, stack: LiveStack): Promise<StackDeclarations | undefined> {
  const resources = await resourcesOf(clients, stack);
  if (!resources.some((r) => LIBRARY_TYPES.includes(r.ResourceType ?? ''))) return undefined;
  const { TemplateBody } = await cfnCall('GetTemplate', () =>
    clients.cloudFormation().send(new GetTemplateCommand({ StackName: stack.id })),
  );
  const template = JSON.parse(TemplateBody ?? '{"Resources":{}}') as CfnTemplate;
  const parameters = Object.keys(template.Parameters ?? {}).length > 0 ? await parametersOf(clients, stack) : {};
  const physicalIds = new Map(
    resources.filter((r) => r.LogicalResourceId && r.PhysicalResourceId).map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]),
  );
  return declarationsOf({
    stackName: stack.name,
    stackId: stack.id,
    region: clients.region,
    accountId: accountOf(stack.id),
    template,
    parameters,
    physicalIds,
  });
}

/** Merges the declarations of several stacks. */
export function mergeDeclarations(
  stacks: readonly string[],
  otherLiveStacks: readonly string[],
  parts: ReadonlyArray<StackDeclarations | undefined>,
): Declarations {
  const present = parts.filter((p): p is StackDeclarations => p !== undefined);
  return {
    stacks,
    otherLiveStacks,
    claims: present.flatMap((p) => p.claims),
    flows: present.flatMap((p) => p.flows),
    trunks: present.flatMap((p) => p.trunks),
    skipped: present.flatMap((p) => p.skipped),
  };
}

/** The declarations of the chosen deployed stacks (all by default). */
export async function declarationsFromStacks(
  clients: AuditClients,
  names: readonly string[],
  progress: (line: string) => void,
): Promise<Declarations> {
  const live = await liveStacks(clients);
  const chosen = chooseStacks(live, names, clients.region);
  progress(`reading ${chosen.length} stack(s) of ${clients.region}`);
  const parts = await mapPool(chosen, STACK_CONCURRENCY, (s) => readStack(clients, s));
  const holding = chosen.filter((_, i) => parts[i] !== undefined).map((s) => s.name);
  progress(`${holding.length} stack(s) hold resources of cdk-phone-numbers${holding.length ? `: ${holding.join(', ')}` : ''}`);
  const others = live.filter((s) => !chosen.includes(s)).map((s) => s.name);
  return mergeDeclarations(
    chosen.map((s) => s.name),
    others,
    parts,
  );
}
