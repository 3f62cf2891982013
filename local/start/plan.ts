/**
 * A preview of what a deploy of a new template will do to the numbers, before it runs: per custom
 * resource of this library, create / update in place / replace / delete, and in words what moves,
 * binds, unbinds, is associated, disassociated, released or kept. Like a CloudFormation change set it
 * is a prediction from the properties (the handler decides at deploy time); the rules are the ones
 * README.md's "Removal and replacement" states.
 */
import { parseContactFlowArn } from '../../lambda/contract/arns';
import { customResourceOrder, isCustomResource } from '../deploy/template';
import { jsonEqual, resolveProperties, type ResolveContext } from '../deploy/intrinsics';
import type { CfnTemplate, DeployedResource, DeployResult, Json, TemplateResource } from '../deploy/types';
import { countryOf } from './seed';
import { flowName, targetName } from './names';

export type PlannedAction = 'create' | 'update' | 'replace' | 'delete' | 'retain';

export interface PlannedChange {
  readonly logicalId: string;
  readonly type: string;
  readonly action: PlannedAction;
  /** What happens to the numbers, in words. */
  readonly effects: string[];
  /** Numbers released (given back to AWS, into cooldown). */
  readonly released: string[];
}

/** A value only the deploy will tell (an attribute of a resource that is created or replaced). */
export const KNOWN_AFTER_DEPLOY = '(known after deploy)';

type Props = Record<string, Json>;
const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const retains = (p: Props, policy: string | undefined): boolean =>
  policy === 'Retain' || (policy === undefined && str(p.RemovalPolicy) !== 'destroy');

function declaredNumber(p: Props): string {
  if (p.PhoneNumber !== undefined) return String(p.PhoneNumber);
  return `a ${str(p.CountryCode) ?? '?'} ${str(p.Type) ?? 'DID'} number${p.Prefix !== undefined ? ` starting ${String(p.Prefix)}` : ''} found by search`;
}

const identity = (p: Props) =>
  JSON.stringify([p.PhoneNumber ?? null, p.CountryCode ?? null, p.PhoneNumber === undefined ? (p.Type ?? 'DID') : null, p.Prefix ?? null]);

/** Whether a change of declaration keeps the number it holds (README: the two in-place cases). */
function keepsNumber(held: string | undefined, p: Props, old: Props): boolean {
  if (held === undefined) return false;
  if (p.PhoneNumber !== undefined) return p.PhoneNumber === held; // search -> the very number held
  if (old.PhoneNumber === undefined) return false;
  // specific -> a search the held number satisfies (its type is not known here: taken as declared)
  return countryOf(held) === p.CountryCode && (p.Prefix === undefined || held.startsWith(String(p.Prefix)));
}

interface Planned {
  readonly change?: PlannedChange;
  /** The attributes the resource will have, as far as they are known before the deploy. */
  readonly data: Record<string, Json>;
  readonly physicalResourceId: string;
}

function planClaim(id: string, type: string, p: Props, before: DeployedResource | undefined, policy: string | undefined): Planned {
  if (!before) {
    const data = {
      PhoneNumber: str(p.PhoneNumber) ?? KNOWN_AFTER_DEPLOY,
      PhoneNumberArn: KNOWN_AFTER_DEPLOY,
      PhoneNumberId: KNOWN_AFTER_DEPLOY,
      TargetArn: String(p.TargetArn),
    };
    const how = p.PhoneNumber !== undefined ? 'claim it if free, adopt it in place if already claimed in the account' : 'claim it';
    return {
      data,
      physicalResourceId: KNOWN_AFTER_DEPLOY,
      change: {
        logicalId: id,
        type,
        action: 'create',
        effects: [`${declaredNumber(p)}: ${how}, on ${targetName(str(p.TargetArn))}`],
        released: [],
      },
    };
  }
  const old = before.properties;
  const held = str(before.data.PhoneNumber);
  const effects: string[] = [];
  const released: string[] = [];
  if (identity(p) !== identity(old) && !keepsNumber(held, p, old)) {
    const data = {
      PhoneNumber: str(p.PhoneNumber) ?? KNOWN_AFTER_DEPLOY,
      PhoneNumberArn: KNOWN_AFTER_DEPLOY,
      PhoneNumberId: KNOWN_AFTER_DEPLOY,
      TargetArn: String(p.TargetArn),
    };
    effects.push(`another number: ${declaredNumber(p)} (a number this resource still owns that matches is taken back first)`);
    if (retains(old, policy)) effects.push(`${held ?? 'the old number'} stays claimed (RemovalPolicy.RETAIN) but leaves the stack`);
    else {
      effects.push(`${held ?? 'the old number'} is RELEASED (RemovalPolicy.DESTROY): cooldown, churn quota`);
      if (held) released.push(held);
    }
    return { data, physicalResourceId: KNOWN_AFTER_DEPLOY, change: { logicalId: id, type, action: 'replace', effects, released } };
  }
  const data = { ...before.data, TargetArn: String(p.TargetArn) };
  if (identity(p) !== identity(old)) effects.push(`${held}: kept in place (it satisfies the new declaration)`);
  if (p.TargetArn !== old.TargetArn)
    effects.push(`${held}: moves ${targetName(str(old.TargetArn))} -> ${targetName(str(p.TargetArn))} (same number, nothing released)`);
  if (!jsonEqual(p.Description, old.Description)) effects.push(`${held}: description updated`);
  if (!jsonEqual(p.Tags ?? [], old.Tags ?? [])) effects.push(`${held}: tags updated`);
  if (p.RemovalPolicy !== old.RemovalPolicy)
    effects.push(`${held}: on removal it will be ${str(p.RemovalPolicy) === 'destroy' ? 'released' : 'kept'}`);
  if (effects.length === 0) effects.push(`${held}: no change to the number (search exclusions updated)`);
  return { data, physicalResourceId: before.physicalResourceId, change: { logicalId: id, type, action: 'update', effects, released } };
}

function numberOf(arn: string | undefined, numbers: ReadonlyMap<string, string>): string {
  if (arn === undefined || arn === KNOWN_AFTER_DEPLOY) return 'the new number';
  return numbers.get(arn) ?? arn;
}

function planBinding(
  id: string,
  type: string,
  p: Props,
  before: DeployedResource | undefined,
  numbers: ReadonlyMap<string, string>,
): PlannedChange {
  const number = numberOf(str(p.PhoneNumberArn), numbers);
  if (!before)
    return { logicalId: id, type, action: 'create', effects: [`${number}: bind to ${flowName(str(p.ContactFlowArn))}`], released: [] };
  const old = before.properties;
  const oldNumber = numberOf(str(old.PhoneNumberArn), numbers);
  if (p.PhoneNumberArn !== old.PhoneNumberArn) {
    return {
      logicalId: id,
      type,
      action: 'replace',
      released: [],
      effects: [
        `${number}: bind to ${flowName(str(p.ContactFlowArn))}`,
        `${oldNumber}: unbind from ${flowName(str(old.ContactFlowArn))} (only if still bound to it)`,
      ],
    };
  }
  const effects: string[] = [];
  const moved = p.PhoneNumberTargetArn !== old.PhoneNumberTargetArn;
  const oldInstance = parseContactFlowArn(String(old.ContactFlowArn))?.instanceId;
  const newInstance = parseContactFlowArn(String(p.ContactFlowArn))?.instanceId;
  if (moved) {
    // "the API switches only the phone number to a new instance or traffic distribution group. It doesn't
    // migrate the flow configuration of the phone number": Amazon Connect API Reference, UpdatePhoneNumber,
    // https://docs.aws.amazon.com/connect/latest/APIReference/API_UpdatePhoneNumber.html
    effects.push(`${number}: its move drops the binding to ${flowName(str(old.ContactFlowArn))} (Connect does not carry it along)`);
    effects.push(
      `${number}: bound to ${flowName(str(p.ContactFlowArn))}${oldInstance !== newInstance ? ' in the new instance' : ''}, after the move`,
    );
  } else if (p.ContactFlowArn !== old.ContactFlowArn) {
    effects.push(`${number}: rebound ${flowName(str(old.ContactFlowArn))} -> ${flowName(str(p.ContactFlowArn))}, in place`);
  }
  if (effects.length === 0) effects.push(`${number}: no change to the binding`);
  return { logicalId: id, type, action: 'update', effects, released: [] };
}

function planTrunk(id: string, type: string, p: Props, before: DeployedResource | undefined): PlannedChange {
  const connector = `connector ${String(p.VoiceConnectorId)}`;
  const numbers = list(p.PhoneNumbers);
  if (!before)
    return { logicalId: id, type, action: 'create', effects: [`${connector}: associate ${numbers.join(', ') || 'nothing'}`], released: [] };
  const old = before.properties;
  const oldNumbers = list(old.PhoneNumbers);
  const action: PlannedAction = p.Region !== old.Region ? 'replace' : 'update';
  const effects: string[] = [];
  if (p.VoiceConnectorId !== old.VoiceConnectorId) {
    const kept = numbers.filter((n) => oldNumbers.includes(n));
    effects.push(
      `${kept.join(', ') || 'no number'}: moves from connector ${String(old.VoiceConnectorId)} to ${String(p.VoiceConnectorId)}`,
    );
  }
  const added = numbers.filter((n) => !oldNumbers.includes(n));
  const removed = oldNumbers.filter((n) => !numbers.includes(n));
  if (added.length > 0)
    effects.push(
      `${connector}: associate ${added.join(', ')}${p.ForceAssociate === 'true' ? ' (taken from other connectors if needed)' : ''}`,
    );
  if (removed.length > 0)
    effects.push(
      `connector ${String(old.VoiceConnectorId)}: disassociate ${removed.join(', ')} (only those still on it; they stay in the inventory)`,
    );
  if (action === 'replace')
    effects.push(
      `region ${String(old.Region)} -> ${String(p.Region)}: the numbers are associated in the new region, then disassociated in the old`,
    );
  if (effects.length === 0) effects.push(`${connector}: no change to the numbers`);
  return { logicalId: id, type, action, effects, released: [] };
}

function planDelete(resource: DeployedResource, numbers: ReadonlyMap<string, string>): PlannedChange {
  const p = resource.properties;
  const base = { logicalId: resource.logicalId, type: resource.type };
  switch (resource.type) {
    case 'Custom::ClaimedPhoneNumber': {
      const held = str(resource.data.PhoneNumber) ?? resource.physicalResourceId;
      return retains(p, resource.deletionPolicy)
        ? { ...base, action: 'retain', effects: [`${held}: stays claimed (RemovalPolicy.RETAIN), leaves the stack`], released: [] }
        : { ...base, action: 'delete', effects: [`${held}: RELEASED (only while this resource still owns it)`], released: [held] };
    }
    case 'Custom::PhoneNumberFlowBinding':
      return {
        ...base,
        action: 'delete',
        effects: [
          `${numberOf(str(p.PhoneNumberArn), numbers)}: unbind from ${flowName(str(p.ContactFlowArn))} (only if still bound to it)`,
        ],
        released: [],
      };
    default:
      return {
        ...base,
        action: 'delete',
        effects: [`connector ${String(p.VoiceConnectorId)}: disassociate ${list(p.PhoneNumbers).join(', ')} (only those still on it)`],
        released: [],
      };
  }
}

export interface PlanInput {
  readonly template: CfnTemplate;
  readonly deployed: readonly DeployedResource[];
  readonly context: Omit<ResolveContext, 'template' | 'deployed'>;
}

/** A resource of the template as the deploy will leave it: unchanged, or with the change its type plans. */
function planResource(
  id: string,
  resource: TemplateResource,
  p: Props,
  old: DeployedResource | undefined,
  numbers: Map<string, string>,
): Planned {
  const unchanged = old !== undefined && jsonEqual({ ...old.properties, ServiceToken: null }, { ...p, ServiceToken: null });
  if (unchanged) return { data: old.data, physicalResourceId: old.physicalResourceId };
  if (resource.Type === 'Custom::ClaimedPhoneNumber') return planClaim(id, resource.Type, p, old, resource.UpdateReplacePolicy);
  return {
    data: old?.data ?? {},
    physicalResourceId: old?.physicalResourceId ?? KNOWN_AFTER_DEPLOY,
    change: planOther(id, resource.Type, p, old, numbers),
  };
}

/** The change to a binding, a voice connector's numbers, or a resource not of this library. */
function planOther(id: string, type: string, p: Props, old: DeployedResource | undefined, numbers: Map<string, string>): PlannedChange {
  if (type === 'Custom::PhoneNumberFlowBinding') return planBinding(id, type, p, old, numbers);
  if (type === 'Custom::VoiceConnectorNumbers') return planTrunk(id, type, p, old);
  return { logicalId: id, type, action: old ? 'update' : 'create', effects: ['(not a resource of this library)'], released: [] };
}

/** The deletes of the deployed custom resources the template no longer holds. */
function planDeletes(input: PlanInput, numbers: Map<string, string>): PlannedChange[] {
  return input.deployed
    .filter(
      (resource) =>
        !(
          Object.prototype.hasOwnProperty.call(input.template.Resources, resource.logicalId) &&
          isCustomResource(input.template.Resources[resource.logicalId])
        ),
    )
    .map((resource) => planDelete(resource, numbers));
}

/** The changes a deploy of `template` over `deployed` will make, in the order they run (deletes last). */
export function planChange(input: PlanInput): PlannedChange[] {
  const before = new Map(input.deployed.map((r) => [r.logicalId, r]));
  const numbers = new Map(
    input.deployed
      .filter((r) => r.type === 'Custom::ClaimedPhoneNumber')
      .map((r) => [r.physicalResourceId, String(r.data.PhoneNumber ?? r.physicalResourceId)]),
  );
  const predicted = new Map<string, DeployedResource>();
  const ctx: ResolveContext = { ...input.context, template: input.template, deployed: (id) => predicted.get(id) };
  const changes: PlannedChange[] = [];
  for (const id of customResourceOrder(input.template)) {
    const resource = input.template.Resources[id];
    const p = resolveProperties(resource.Properties, ctx);
    const planned = planResource(id, resource, p, before.get(id), numbers);
    predicted.set(id, {
      logicalId: id,
      type: resource.Type,
      physicalResourceId: planned.physicalResourceId,
      data: planned.data,
      properties: p,
    });
    if (planned.change) changes.push(planned.change);
  }
  return [...changes, ...planDeletes(input, numbers)];
}

/** Where the deploy did otherwise than the preview said (empty when it matched). */
export function compareWithResult(changes: readonly PlannedChange[], result: DeployResult): string[] {
  const actual = new Map<string, PlannedAction>();
  for (const id of result.created) actual.set(id, 'create');
  for (const id of result.updated) actual.set(id, result.replaced.includes(id) ? 'replace' : 'update');
  for (const id of result.deleted) actual.set(id, 'delete');
  const out: string[] = [];
  for (const c of changes) {
    const expected = c.action === 'retain' ? 'delete' : c.action;
    const got = actual.get(c.logicalId);
    if (got !== expected && !(got === undefined && c.action === 'update' && result.unchanged.includes(c.logicalId))) {
      out.push(`${c.logicalId}: previewed ${c.action}, deployed ${got ?? 'nothing'}`);
    }
    actual.delete(c.logicalId);
  }
  for (const [id, got] of actual) out.push(`${id}: not previewed, deployed ${got}`);
  return out;
}
