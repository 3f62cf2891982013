/**
 * What must hold after one contract step, whatever fault hit it: each invariant a named check of the
 * step's outcome (the account before and after, the stack's status and resources) that returns its
 * violations, each with where to look. The runner (./runner.ts) runs them all, in the order of INVARIANTS.
 */
import { parseContactFlowArn } from '../../lambda/contract';
import type { DeployedResource, RetainedEntry } from '../deploy';
import { BYSTANDER, BYSTANDER_OWNER, CHIME_BYSTANDER, REGION, STACK_NAME, VC_OTHER } from './world';
import { differences, show } from './view';
import type { NumberView, World } from './view';

/** One broken promise: what is wrong, and where to look. */
export interface Finding {
  readonly problem: string;
  readonly hint: string;
}

/** What a step ended in: the inputs of every check. */
export interface StepOutcome {
  /** A fault was injected (or an invocation replayed). */
  readonly faulted: boolean;
  /** The step ends with a resource that must fail (the Breaker), so it must roll back. */
  readonly breaker: boolean;
  readonly before: World;
  readonly after: World;
  /** The stack's status, 'none' when it has none. */
  readonly status: string;
  /** What the step's deploy threw, if it did. */
  readonly error?: Error;
  /** The stack's resources after the step. */
  readonly resources: readonly DeployedResource[];
  /** What CloudFormation kept by policy (the deployer's log). */
  readonly retained: readonly RetainedEntry[];
}

export interface Invariant {
  readonly name: string;
  readonly check: (o: StepOutcome) => Finding[];
}

/** Ids that differ from run to run (generated phone-number ids) would split one problem into many groups. */
export const stripIds = (text: string): string => text.replace(/phone-number\/[0-9a-f-]{36}/g, 'phone-number/<id>');

const firstLine = (text: string | undefined): string => stripIds((text ?? '').split('\n')[0]);
const failed = (o: StepOutcome): boolean => o.status.endsWith('_FAILED');
const rolledBack = (o: StepOutcome): boolean => o.error !== undefined && !failed(o);

/** The stack never ends *_FAILED: every rollback request succeeds, whatever failed before it. */
export function stackNeverFailed(o: StepOutcome): Finding[] {
  if (!failed(o)) return [];
  const failures = (o.error as { rollbackFailures?: Array<{ logicalId: string; reason: string }> } | undefined)?.rollbackFailures ?? [];
  const what =
    failures.map((f) => `${f.logicalId.replace(/[0-9A-F]{8}$/, '')}: ${firstLine(f.reason)}`).join('; ') || firstLine(o.error?.message);
  return [
    {
      problem: `the stack ended ${o.status}; rollback request failed for ${what}`,
      hint: 'the rollback request of that resource (deployer.requests, phase rollback) and its module in lambda/resources/',
    },
  ];
}

/** The deploy ends as the case says: only a deploy failure, the Breaker always failing, a clean run never failing. */
export function deployEndsAsExpected(o: StepOutcome): Finding[] {
  const out: Finding[] = [];
  if (o.error && o.error.name !== 'DeployFailedError')
    out.push({ problem: `the deploy threw ${o.error.name}: ${firstLine(o.error.message)}`, hint: 'local/deploy or the template' });
  if (o.breaker && !o.error)
    out.push({ problem: 'the deploy succeeded although the Breaker resource must fail', hint: 'local/contract/cases.ts (Breaker)' });
  if (!o.faulted && !o.breaker && o.error)
    out.push({ problem: `the clean deploy failed: ${firstLine(o.error.message)}`, hint: 'lambda/ (no fault was injected)' });
  return out;
}

/** Where each kind of resource's behaviour lives, for the hints. */
const HANDLER_FILE: Record<string, string> = {
  'Custom::ClaimedPhoneNumber': 'lambda/resources/claimed-phone-number/',
  'Custom::PhoneNumberFlowBinding': 'lambda/resources/phone-number-flow-binding.ts',
  'Custom::VoiceConnectorNumbers': 'lambda/resources/voice-connector-numbers.ts',
};

type Numbered = NumberView & { readonly arn: string; readonly phone: string };

/** A ClaimedPhoneNumber's number: claimed, where declared, as described and tagged, owned by it. */
function claimedNumberProblems(r: DeployedResource, n: Numbered | undefined): string[] {
  if (!n) return [`${r.logicalId} holds ${r.physicalResourceId}, which is not claimed`];
  const p = r.properties as Record<string, unknown>;
  const out: string[] = [];
  if (n.status !== 'CLAIMED') out.push(`${r.logicalId}'s number ${n.phone} is ${n.status}, not CLAIMED`);
  if (n.targetArn !== p.TargetArn) out.push(`${r.logicalId}'s number ${n.phone} targets ${n.targetArn}, declared ${String(p.TargetArn)}`);
  if (typeof p.PhoneNumber === 'string' && p.PhoneNumber !== n.phone)
    out.push(`${r.logicalId} holds ${n.phone}, declared ${p.PhoneNumber}`);
  if (typeof p.Prefix === 'string' && !n.phone.startsWith(p.Prefix))
    out.push(`${r.logicalId} holds ${n.phone}, outside prefix ${p.Prefix}`);
  if (typeof p.Description === 'string' && p.Description !== n.description)
    out.push(`${r.logicalId}'s number ${n.phone} has description ${show(n.description)}, declared ${show(p.Description)}`);
  for (const t of (p.Tags as Array<{ Key: string; Value: string }> | undefined) ?? []) {
    if (n.tags[t.Key] !== t.Value)
      out.push(`${r.logicalId}'s number ${n.phone} has tag ${t.Key}=${show(n.tags[t.Key])}, declared ${show(t.Value)}`);
  }
  if (n.owner !== `${STACK_NAME}/${r.logicalId}`) out.push(`${r.logicalId}'s number ${n.phone} is owned by ${show(n.owner)}, not by it`);
  return out;
}

/** A PhoneNumberFlowBinding's number rings the declared flow. */
function bindingProblems(r: DeployedResource, byArn: Map<string, Numbered>): string[] {
  const p = r.properties as Record<string, unknown>;
  const n = byArn.get(String(p.PhoneNumberArn));
  const declared = parseContactFlowArn(String(p.ContactFlowArn));
  const instance = declared?.instanceId ?? '';
  const flow = declared?.contactFlowId ?? '';
  if (!n) return [`${r.logicalId} binds ${String(p.PhoneNumberArn)}, which is not claimed`];
  if (n.flows[instance] !== flow) return [`${r.logicalId}: ${n.phone} rings ${show(n.flows)}, declared ${instance}: ${flow}`];
  return [];
}

/** A VoiceConnectorNumbers' numbers are all on its connector. */
function trunkProblems(r: DeployedResource, world: World): string[] {
  const p = r.properties as Record<string, unknown>;
  const key = `${String(p.Region ?? REGION)}/${String(p.VoiceConnectorId)}`;
  const held = world.connectors.get(key) ?? [];
  return ((p.PhoneNumbers as string[] | undefined) ?? [])
    .filter((phone) => !held.includes(phone))
    .map((phone) => `${r.logicalId}: ${phone} is not on connector ${key} (it holds ${show(held)})`);
}

/** The problems of one declared resource in the world. */
function resourceProblems(r: DeployedResource, world: World, byArn: Map<string, Numbered>): string[] {
  if (r.type === 'Custom::ClaimedPhoneNumber') return claimedNumberProblems(r, byArn.get(r.physicalResourceId));
  if (r.type === 'Custom::PhoneNumberFlowBinding') return bindingProblems(r, byArn);
  if (r.type === 'Custom::VoiceConnectorNumbers') return trunkProblems(r, world);
  return [];
}

/** Declarations the world must match after a successful deploy. */
export function declarationProblems(resources: readonly DeployedResource[], world: World): Finding[] {
  const byArn = new Map([...world.numbers].map(([phone, v]) => [v.arn, { phone, ...v }]));
  return resources.flatMap((r) =>
    resourceProblems(r, world, byArn).map((problem) => ({ problem, hint: HANDLER_FILE[r.type] ?? 'lambda/' })),
  );
}

/** After success, AWS matches every declaration. */
export function declarationsHold(o: StepOutcome): Finding[] {
  if (o.error) return [];
  return declarationProblems(o.resources, o.after).map((f) => ({ ...f, problem: `after success: ${f.problem}` }));
}

/** After success, what others hold (a number another stack owns and binds, a number on someone else's connector) is untouched. */
export function bystandersUntouched(o: StepOutcome): Finding[] {
  if (o.error) return [];
  const out: string[] = [];
  const b = o.after.numbers.get(BYSTANDER);
  const wasB = o.before.numbers.get(BYSTANDER)!;
  const owner = BYSTANDER_OWNER.split('@')[0];
  if (!b) out.push(`${BYSTANDER} (owned by ${owner}) was released`);
  else {
    const d = differences(
      { numbers: new Map([[BYSTANDER, wasB]]), connectors: new Map() },
      { numbers: new Map([[BYSTANDER, b]]), connectors: new Map() },
    );
    if (d.length > 0) out.push(`${BYSTANDER} (owned by ${owner}) changed: ${d.join('; ')}`);
  }
  if (!(o.after.connectors.get(`${REGION}/${VC_OTHER}`) ?? []).includes(CHIME_BYSTANDER))
    out.push(`${CHIME_BYSTANDER} was taken off someone else's connector ${VC_OTHER}`);
  return out.map((p) => ({ problem: `after success: ${p}`, hint: 'the handler touched what another stack or connector holds' }));
}

/** After success, no number is owned by this stack without a resource that declares it (or a policy that keeps it). */
export function noLeakedClaims(o: StepOutcome): Finding[] {
  if (o.error) return [];
  const held = new Set(
    o.resources.filter((r) => r.type === 'Custom::ClaimedPhoneNumber').map((r) => `${r.logicalId} ${r.physicalResourceId}`),
  );
  const kept = new Set(o.retained.map((r) => r.physicalResourceId));
  const out: Finding[] = [];
  for (const [phone, n] of o.after.numbers) {
    if (!n.owner.startsWith(`${STACK_NAME}/`)) continue;
    const logicalId = n.owner.slice(STACK_NAME.length + 1);
    const wasOwnedSo = o.before.numbers.get(phone)?.owner === n.owner;
    if (!held.has(`${logicalId} ${n.arn}`) && !kept.has(n.arn) && !wasOwnedSo) {
      out.push({
        problem: `after success: ${phone} is claimed and owned by ${n.owner}, which does not declare it (leaked)`,
        hint: 'lambda/resources/claimed-phone-number/ (claim.ts, update.ts, delete.ts)',
      });
    }
  }
  return out;
}

function rollbackHint(difference: string): string {
  if (difference.includes('connector')) return 'lambda/resources/voice-connector-numbers.ts (undo on rollback)';
  if (difference.includes('flows')) return 'lambda/resources/phone-number-flow-binding.ts (rollback order, prior flow)';
  return 'lambda/resources/claimed-phone-number/delete.ts (undo on rollback: release, prior target/description/tags/owner)';
}

/**
 * After a rollback, AWS is as before the deploy (claims, targets, descriptions, tags, owners, flows,
 * connector associations). Numbers the rollback retained by DeletionPolicy Retain are the user's choice.
 */
export function rolledBackToBefore(o: StepOutcome): Finding[] {
  if (!rolledBack(o)) return [];
  const retained = new Set(o.retained.filter((r) => r.phase === 'rollback').map((r) => r.physicalResourceId));
  const kept: World = { numbers: new Map([...o.after.numbers].filter(([, v]) => !retained.has(v.arn))), connectors: o.after.connectors };
  return differences(o.before, kept).map((d) => ({ problem: `after rollback (${o.status}): ${d}`, hint: rollbackHint(d) }));
}

/** Every invariant, in the order their violations are reported. */
export const INVARIANTS: readonly Invariant[] = [
  { name: 'stack never failed', check: stackNeverFailed },
  { name: 'deploy ends as expected', check: deployEndsAsExpected },
  { name: 'declarations hold', check: declarationsHold },
  { name: 'bystanders untouched', check: bystandersUntouched },
  { name: 'no leaked claims', check: noLeakedClaims },
  { name: 'rolled back to before', check: rolledBackToBefore },
];

/** Every violation of the step, invariant by invariant. */
export function checkStep(o: StepOutcome): Finding[] {
  return INVARIANTS.flatMap((i) => i.check(o));
}
