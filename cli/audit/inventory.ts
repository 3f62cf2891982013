/**
 * What the account holds, read in bulk where the APIs allow it:
 * - Connect: ListPhoneNumbersV2 (1,000 numbers a page) lists the numbers; DescribePhoneNumber, one per
 *   number, is the only read of a number's tags and status (the list shows neither); BatchGetFlowAssociation
 *   reads the flows of up to 100 numbers of an instance at once.
 * - Chime SDK Voice: ListPhoneNumbers (100 a page) lists the inventory with each number's voice connector.
 * Each API has its own quota, so the three Connect reads overlap: the describes set the pace.
 */
import { paginateListPhoneNumbers } from '@aws-sdk/client-chime-sdk-voice';
import {
  BatchGetFlowAssociationCommand,
  DescribePhoneNumberCommand,
  paginateListPhoneNumbersV2,
  type ClaimedPhoneNumberSummary,
  type ListPhoneNumbersSummary,
} from '@aws-sdk/client-connect';
import { parseContactFlowArn, parsePhoneNumberArn } from '../../lambda/contract';
import type { AuditClients } from './clients';
import { accessError } from './errors';
import type { ChimeNumber, ConnectNumber, Declarations, Inventory } from './model';
import { chunks } from '../../lambda/batching';
import { allSettledOrThrow, mapPool } from './pool';

/** DescribePhoneNumber calls in flight at once: enough to keep a 2/s quota busy while throttled calls back off. */
export const DEFAULT_DESCRIBE_CONCURRENCY = 8;
const LIST_PAGE_SIZE = 1000;
const FLOW_BATCH = 100;
const CHIME_PAGE_SIZE = 100;
/** Regions of Chime SDK Voice voice connectors (VoiceConnectorAwsRegion in the model). */
export const CHIME_REGIONS: readonly string[] = [
  'us-east-1',
  'us-west-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'ap-northeast-2',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-2',
];

export interface InventoryOptions {
  readonly describeConcurrency?: number;
  readonly progress: (line: string) => void;
}

async function call<T>(service: 'connect' | 'chime', operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw accessError(err, service, operation) ?? err;
  }
}

const isNotFound = (err: unknown): boolean => (err as { name?: string }).name === 'ResourceNotFoundException';

async function listConnect(clients: AuditClients, region: string): Promise<ListPhoneNumbersSummary[]> {
  return call('connect', 'ListPhoneNumbersV2', async () => {
    const out: ListPhoneNumbersSummary[] = [];
    for await (const page of paginateListPhoneNumbersV2({ client: clients.connect(region), pageSize: LIST_PAGE_SIZE }, {}))
      out.push(...(page.ListPhoneNumbersSummaryList ?? []));
    return out;
  });
}

/** A number as its list entry and its description show it (the description wins: it is read later). */
function numberOf(region: string, s: ListPhoneNumbersSummary, d: ClaimedPhoneNumberSummary | undefined): Omit<ConnectNumber, 'flows'> {
  const instanceId = d?.InstanceId ?? s.InstanceId;
  const description = d?.PhoneNumberDescription ?? s.PhoneNumberDescription;
  return {
    region,
    phoneNumber: s.PhoneNumber ?? d?.PhoneNumber ?? '',
    phoneNumberArn: s.PhoneNumberArn ?? '',
    targetArn: d?.TargetArn ?? s.TargetArn ?? '',
    ...(instanceId ? { instanceId } : {}),
    ...(description !== undefined ? { description } : {}),
    tags: { ...(d?.Tags ?? {}) },
    status: d?.PhoneNumberStatus?.Status ?? 'UNKNOWN',
  };
}

/** Tags, status and description of each number (undefined for one released meanwhile). */
async function describeAll(
  clients: AuditClients,
  region: string,
  summaries: readonly ListPhoneNumbersSummary[],
  o: InventoryOptions,
): Promise<Array<Omit<ConnectNumber, 'flows'> | undefined>> {
  let done = 0;
  return mapPool(summaries, o.describeConcurrency ?? DEFAULT_DESCRIBE_CONCURRENCY, async (s) => {
    const client = clients.connect(region);
    let d: ClaimedPhoneNumberSummary | undefined;
    try {
      d = (
        await call('connect', 'DescribePhoneNumber', () =>
          client.send(new DescribePhoneNumberCommand({ PhoneNumberId: s.PhoneNumberArn! })),
        )
      ).ClaimedPhoneNumberSummary;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    done += 1;
    if (done % 100 === 0) o.progress(`described ${done}/${summaries.length} Connect numbers in ${region}`);
    return numberOf(region, s, d);
  });
}

/**
 * instance id -> number ARNs whose flow to read there: each number in its own instance; a number of a
 * traffic distribution group (no InstanceId in its list entry) in each instance a declared flow names.
 */
function flowQueries(region: string, summaries: readonly ListPhoneNumbersSummary[], decl: Declarations): Map<string, Set<string>> {
  const queries = new Map<string, Set<string>>();
  const add = (instanceId: string, arn: string) => queries.set(instanceId, (queries.get(instanceId) ?? new Set()).add(arn));
  for (const s of summaries) if (s.InstanceId && s.PhoneNumberArn) add(s.InstanceId, s.PhoneNumberArn);
  const flowInstances = decl.flows
    .map((f) => parseContactFlowArn(f.contactFlowArn))
    .filter((f) => f !== undefined && f.region === region)
    .map((f) => f!.instanceId);
  const ofGroups = summaries.filter((s) => !s.InstanceId && s.PhoneNumberArn);
  for (const instanceId of new Set(flowInstances)) for (const s of ofGroups) add(instanceId, s.PhoneNumberArn!);
  return queries;
}

/** number ARN -> instance id -> flow ARN. */
async function readFlows(
  clients: AuditClients,
  region: string,
  queries: Map<string, Set<string>>,
): Promise<Map<string, Record<string, string>>> {
  const flows = new Map<string, Record<string, string>>();
  const batches = [...queries].flatMap(([instanceId, arns]) => chunks([...arns], FLOW_BATCH).map((ids) => ({ instanceId, ids })));
  await mapPool(batches, 2, async ({ instanceId, ids }) => {
    const out = await call('connect', 'BatchGetFlowAssociation', () =>
      clients
        .connect(region)
        .send(new BatchGetFlowAssociationCommand({ InstanceId: instanceId, ResourceIds: ids, ResourceType: 'VOICE_PHONE_NUMBER' })),
    );
    for (const a of out.FlowAssociationSummaryList ?? []) {
      if (a.ResourceId && a.FlowId) flows.set(a.ResourceId, { ...(flows.get(a.ResourceId) ?? {}), [instanceId]: a.FlowId });
    }
  });
  return flows;
}

async function readConnect(clients: AuditClients, region: string, decl: Declarations, o: InventoryOptions): Promise<ConnectNumber[]> {
  const summaries = await listConnect(clients, region);
  o.progress(`listed ${summaries.length} Connect number(s) in ${region}; reading their tags, status and flows`);
  // Each API has its own quota: the flow batches run while the describes do.
  const [described, flows] = await allSettledOrThrow<
    [Array<Omit<ConnectNumber, 'flows'> | undefined>, Map<string, Record<string, string>>]
  >([describeAll(clients, region, summaries, o), readFlows(clients, region, flowQueries(region, summaries, decl))]);
  return described.filter((n) => n !== undefined).map((n) => ({ ...n!, flows: flows.get(n!.phoneNumberArn) ?? {} }));
}

async function readChime(clients: AuditClients, region: string): Promise<ChimeNumber[]> {
  return call('chime', 'ListPhoneNumbers', async () => {
    const out: ChimeNumber[] = [];
    for await (const page of paginateListPhoneNumbers({ client: clients.chime(region), pageSize: CHIME_PAGE_SIZE }, {})) {
      for (const n of page.PhoneNumbers ?? []) {
        const vc = n.Associations?.find((a) => a.Name === 'VoiceConnectorId')?.Value;
        out.push({
          region,
          phoneNumber: n.E164PhoneNumber ?? n.PhoneNumberId ?? '',
          ...(n.Status ? { status: n.Status } : {}),
          ...(vc ? { voiceConnectorId: vc } : {}),
        });
      }
    }
    return out;
  });
}

/**
 * A number of a traffic distribution group is listed in both its regions: when both are read, the
 * entry of the region it was claimed in (its ARN's) is kept.
 */
export function onePerNumber(numbers: readonly ConnectNumber[]): ConnectNumber[] {
  const byArn = new Map<string, ConnectNumber>();
  for (const n of numbers) {
    const kept = byArn.get(n.phoneNumberArn);
    if (!kept || parsePhoneNumberArn(n.phoneNumberArn)?.region === n.region) byArn.set(n.phoneNumberArn, n);
  }
  return [...byArn.values()];
}

/** The regions to read: the audit's, and every region a declaration names. */
export function regionsToRead(region: string, decl: Declarations): { connect: string[]; chime: string[] } {
  const connect = new Set([region, ...decl.claims.map((c) => c.region)]);
  const chime = new Set([...(CHIME_REGIONS.includes(region) ? [region] : []), ...decl.trunks.map((t) => t.region)]);
  return { connect: [...connect].sort(), chime: [...chime].sort() };
}

export async function readInventory(clients: AuditClients, decl: Declarations, o: InventoryOptions): Promise<Inventory> {
  const regions = regionsToRead(clients.region, decl);
  const [connect, chime] = await allSettledOrThrow<[ConnectNumber[][], ChimeNumber[][]]>([
    allSettledOrThrow<ConnectNumber[][]>(regions.connect.map((r) => readConnect(clients, r, decl, o))),
    allSettledOrThrow<ChimeNumber[][]>(regions.chime.map((r) => readChime(clients, r))),
  ]);
  const inventory = { connect: onePerNumber(connect.flat()), chime: chime.flat() };
  o.progress(`read ${inventory.connect.length} Connect and ${inventory.chime.length} Chime SDK Voice number(s)`);
  return inventory;
}
