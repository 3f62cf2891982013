/**
 * The verdicts: declarations against what the account holds. Pure.
 *
 * A Connect number is declared by a ClaimedPhoneNumber when it is that resource's number: its physical
 * id (deployed), else its PhoneNumber (specific-number mode), else the ownership tag the handler wrote
 * for it (search mode: `STACK/LOGICAL_ID@...`, lambda/identity). A PhoneNumberFlowBinding declares the
 * number it names (an ARN, or a ClaimedPhoneNumber of its stack). A Chime number is declared by every
 * VoiceConnectorNumbers listing it in its region.
 */
import { OWNER_TAG_KEY, parseContactFlowArn } from '../../lambda/contract';
import type {
  ChimeNumber,
  ClaimDeclaration,
  ConnectNumber,
  Declarations,
  Difference,
  FlowDeclaration,
  Inventory,
  Report,
  ReportRow,
  TrunkDeclaration,
  Verdict,
} from './model';
import { VERDICTS } from './model';

/** What a row shows for a value that is not there. */
export const NONE = '(none)';

/** The owner part of an ownership tag value (`STACK/LOGICAL_ID`), without the event marker. */
export function ownerPart(tagValue: string | undefined): string | undefined {
  if (tagValue === undefined) return undefined;
  const at = tagValue.lastIndexOf('@');
  return at > 0 ? tagValue.slice(0, at) : tagValue;
}

const ownerStack = (owner: string): string => owner.slice(0, owner.indexOf('/') < 0 ? owner.length : owner.indexOf('/'));

function claimMatches(d: ClaimDeclaration, n: ConnectNumber): boolean {
  if (d.physicalId !== undefined) return d.physicalId === n.phoneNumberArn;
  if (d.phoneNumber !== undefined) return d.phoneNumber === n.phoneNumber && d.region === n.region;
  return ownerPart(n.tags[OWNER_TAG_KEY]) === d.owner;
}

/** The numbers (ARNs) a binding names: its ARN, or those of the claim it names. */
function flowTargets(f: FlowDeclaration, claimsOf: Map<ClaimDeclaration, ConnectNumber[]>): string[] {
  if (f.phoneNumberArn !== undefined) return [f.phoneNumberArn];
  const claim = [...claimsOf.keys()].find((c) => c.holder.stack === f.holder.stack && c.holder.logicalId === f.claimLogicalId);
  return (claim && claimsOf.get(claim)?.map((n) => n.phoneNumberArn)) ?? [];
}

function claimDifferences(d: ClaimDeclaration, n: ConnectNumber): Difference[] {
  const out: Difference[] = [];
  // IN_PROGRESS is a change on its way (a deploy's, or a person's): only a FAILED one is drift.
  if (n.status === 'FAILED') out.push({ field: 'status', declared: 'CLAIMED', actual: n.status });
  if (d.targetArn !== n.targetArn) out.push({ field: 'target', declared: d.targetArn, actual: n.targetArn });
  if (d.description !== undefined && d.description !== (n.description ?? ''))
    out.push({ field: 'description', declared: d.description, actual: n.description ?? NONE });
  for (const [key, value] of Object.entries(d.tags)) {
    if (n.tags[key] !== value) out.push({ field: `tags.${key}`, declared: value, actual: n.tags[key] ?? NONE });
  }
  const owner = ownerPart(n.tags[OWNER_TAG_KEY]);
  if (owner !== d.owner) out.push({ field: 'owner', declared: d.owner, actual: owner ?? NONE });
  return out;
}

function flowDifference(f: FlowDeclaration, n: ConnectNumber): Difference | undefined {
  const instanceId = parseContactFlowArn(f.contactFlowArn)?.instanceId;
  const actual = instanceId === undefined ? undefined : n.flows[instanceId];
  return actual === f.contactFlowArn ? undefined : { field: 'flow', declared: f.contactFlowArn, actual: actual ?? NONE };
}

const flowShown = (n: ConnectNumber): string | undefined => {
  const flows = Object.values(n.flows);
  return flows.length === 0 ? undefined : flows.join(', ');
};

interface ConnectContext {
  readonly decl: Declarations;
  readonly claimsOf: Map<ClaimDeclaration, ConnectNumber[]>;
  readonly flowsOf: Map<string, FlowDeclaration[]>;
}

/** The row of one Connect number, or undefined when a stack outside the audit holds it. */
function connectRow(ctx: ConnectContext, n: ConnectNumber): ReportRow | undefined {
  const claims = [...ctx.claimsOf].filter(([, ns]) => ns.includes(n)).map(([d]) => d);
  const flows = ctx.flowsOf.get(n.phoneNumberArn) ?? [];
  const base = {
    phoneNumber: n.phoneNumber,
    phoneNumberArn: n.phoneNumberArn,
    service: 'connect' as const,
    region: n.region,
    target: n.targetArn,
    status: n.status,
    ...(flowShown(n) !== undefined ? { flow: flowShown(n) } : {}),
  };
  const declaredBy = [...claims, ...flows].map((d) => d.holder.path);
  if (claims.length > 1 || flows.length > 1) return { ...base, verdict: 'conflict', declaredBy, differences: [] };
  if (claims.length + flows.length > 0) {
    const differences = [...(claims[0] ? claimDifferences(claims[0], n) : []), ...flows.map((f) => flowDifference(f, n))].filter(
      (d): d is Difference => d !== undefined,
    );
    const holder = (claims[0] ?? flows[0]).holder.path;
    return { ...base, verdict: differences.length > 0 ? 'drift' : 'ok', holder, declaredBy, differences };
  }
  const owner = ownerPart(n.tags[OWNER_TAG_KEY]);
  if (owner === undefined) return { ...base, verdict: 'unowned', declaredBy, differences: [] };
  // Held by a stack that exists but is not audited (--stack chose others): not this audit's to judge.
  if (ctx.decl.otherLiveStacks.includes(ownerStack(owner))) return undefined;
  return { ...base, verdict: 'kept', holder: owner, declaredBy, differences: [] };
}

function judgeConnect(decl: Declarations, numbers: readonly ConnectNumber[]): ReportRow[] {
  const claimsOf = new Map(decl.claims.map((d) => [d, numbers.filter((n) => claimMatches(d, n))]));
  const flowsOf = new Map<string, FlowDeclaration[]>();
  const rows: ReportRow[] = [];
  for (const f of decl.flows) {
    const targets = flowTargets(f, claimsOf).filter((arn) => numbers.some((n) => n.phoneNumberArn === arn));
    for (const arn of targets) flowsOf.set(arn, [...(flowsOf.get(arn) ?? []), f]);
    if (targets.length === 0 && f.phoneNumberArn !== undefined) {
      // A binding of a number given by ARN that is not claimed (a claim's missing number has its own row).
      rows.push(missingRow(f.phoneNumberArn, f.holder.path, 'connect', regionOfArn(f.phoneNumberArn), { flow: f.contactFlowArn }));
    }
  }
  const ctx: ConnectContext = { decl, claimsOf, flowsOf };
  for (const n of numbers) {
    const row = connectRow(ctx, n);
    if (row) rows.push(row);
  }
  for (const [d, found] of claimsOf) {
    if (found.length === 0) {
      rows.push(missingRow(d.phoneNumber ?? `(search: ${d.search ?? 'any'})`, d.holder.path, 'connect', d.region, { target: d.targetArn }));
    }
  }
  return rows;
}

const regionOfArn = (arn: string): string => arn.split(':')[3] ?? '';

function missingRow(
  phoneNumber: string,
  holder: string,
  service: ReportRow['service'],
  region: string,
  extra: Partial<ReportRow>,
): ReportRow {
  return { phoneNumber, service, region, verdict: 'missing', holder, declaredBy: [holder], differences: [], ...extra };
}

function chimeRow(n: ChimeNumber, trunks: readonly TrunkDeclaration[]): ReportRow {
  const base = {
    phoneNumber: n.phoneNumber,
    service: 'chime-sdk-voice' as const,
    region: n.region,
    ...(n.status !== undefined ? { status: n.status } : {}),
    ...(n.voiceConnectorId !== undefined ? { voiceConnector: n.voiceConnectorId } : {}),
  };
  const declaredBy = trunks.map((t) => t.holder.path);
  if (trunks.length === 0) return { ...base, verdict: 'unowned', declaredBy, differences: [] };
  if (trunks.length > 1) return { ...base, verdict: 'conflict', declaredBy, differences: [] };
  const [t] = trunks;
  const differences =
    t.voiceConnectorId === n.voiceConnectorId
      ? []
      : [{ field: 'voiceConnector', declared: t.voiceConnectorId, actual: n.voiceConnectorId ?? NONE }];
  return { ...base, verdict: differences.length > 0 ? 'drift' : 'ok', holder: t.holder.path, declaredBy, differences };
}

function judgeChime(decl: Declarations, numbers: readonly ChimeNumber[]): ReportRow[] {
  const key = (region: string, e164: string) => `${region} ${e164}`;
  const declared = new Map<string, TrunkDeclaration[]>();
  for (const t of decl.trunks)
    for (const p of t.phoneNumbers) declared.set(key(t.region, p), [...(declared.get(key(t.region, p)) ?? []), t]);
  // A Chime number carries no owner: declared by no audited stack, it may be another live stack's.
  const judged = decl.otherLiveStacks.length > 0 ? numbers.filter((n) => declared.has(key(n.region, n.phoneNumber))) : numbers;
  const rows = judged.map((n) => chimeRow(n, declared.get(key(n.region, n.phoneNumber)) ?? []));
  const held = new Set(numbers.map((n) => key(n.region, n.phoneNumber)));
  for (const t of decl.trunks) {
    for (const p of t.phoneNumbers) {
      if (!held.has(key(t.region, p)))
        rows.push(missingRow(p, t.holder.path, 'chime-sdk-voice', t.region, { voiceConnector: t.voiceConnectorId }));
    }
  }
  return rows;
}

const ORDER: Record<Verdict, number> = Object.fromEntries(VERDICTS.map((v, i) => [v, i])) as Record<Verdict, number>;

/** One row per number (and per declared number not found), by verdict (ok first), Connect before Chime, and the count of each verdict. */
export function judge(decl: Declarations, inventory: Inventory): Report {
  const numbers = [...judgeConnect(decl, inventory.connect), ...judgeChime(decl, inventory.chime)].sort(
    (a, b) => ORDER[a.verdict] - ORDER[b.verdict] || b.service.localeCompare(a.service) || a.phoneNumber.localeCompare(b.phoneNumber),
  );
  const summary = Object.fromEntries(VERDICTS.map((v) => [v, numbers.filter((r) => r.verdict === v).length])) as Record<Verdict, number>;
  return { numbers, summary };
}

/** The exit code: 0 when every verdict is ok or allowed, else 1. */
export function exitCodeOf(report: Report, allowed: readonly Verdict[]): 0 | 1 {
  return report.numbers.every((r) => r.verdict === 'ok' || allowed.includes(r.verdict)) ? 0 : 1;
}
