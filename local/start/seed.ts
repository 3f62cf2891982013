/**
 * What the stand-in holds before the deploy: for the example app, an inventory that matches
 * bin/app.ts's defaults; for a user's assembly, the instances, flows, connectors and numbers its
 * templates name. Each seed returns lines for humans and the Chime numbers it put in the inventory.
 */
import { parseContactFlowArn, parseTargetArn } from '../../lambda/contract/arns';
import { resolveProperties } from '../deploy/intrinsics';
import type { Json } from '../deploy/types';
import type { Emulator } from '../emulator/types';
import type { AssemblyStack } from './assembly';

export interface SeedReport {
  /** `label: value` lines, in seeding order. */
  readonly lines: Array<{ readonly label: string; readonly value: string }>;
  /** Chime inventory numbers by region (the table lists them whether associated or not). */
  readonly chimeNumbers: Array<{ readonly region: string; readonly phoneNumber: string }>;
  /** Things the templates name that the stand-in could not be seeded with (not literal values). */
  readonly notes: string[];
}

/** The example app's defaults (bin/app.ts) and the second instance the example change moves the numbers to. */
export interface ExampleInventory {
  readonly account: string;
  readonly region: string;
  readonly instanceArn: string;
  readonly contactFlowArn: string;
  readonly adoptedNumber: string;
  readonly voiceConnectorId: string;
  readonly trunkNumbers: readonly string[];
}

export const SECOND_INSTANCE_ID = '7d3f5c2a-9b1e-4c8d-a6f0-3e2b1c9d8a74';
export const SECOND_FLOW_ID = 'e4a1b7c9-2d5f-4a3e-8b6c-9f0d1e2a3b4c';
export const TDG_ID = '5b9e2c71-0a4d-4f6b-9c3e-8d7a6b5c4e31';
export const TDG_ALTERNATE_REGION = 'us-west-2';
/** Free numbers a search for the example's prefix finds. */
export const FREE_NUMBERS = ['+12065550110', '+12065550111', '+12065550112'];
/** Already claimed in the account, named by no resource: must stay untouched. */
export const BYSTANDER_NUMBER = '+12065550199';
/** A third trunk number, in the inventory but on no connector until the example change lists it. */
export const SPARE_TRUNK_NUMBER = '+12065550152';

export function seedExample(
  emu: Emulator,
  d: ExampleInventory,
): SeedReport & { readonly secondInstanceArn: string; readonly secondFlowArn: string } {
  const scope = { accountId: d.account, region: d.region };
  const instance = parseTargetArn(d.instanceArn);
  const flow = parseContactFlowArn(d.contactFlowArn);
  if (instance?.kind !== 'instance' || !flow)
    throw new Error(`the example app's defaults are not an instance ARN and a flow ARN: ${d.instanceArn}, ${d.contactFlowArn}`);
  const instanceArn = emu.seedInstance({ ...scope, instanceId: instance.instanceId });
  const flowArn = emu.seedContactFlow({ ...scope, instanceId: flow.instanceId, contactFlowId: flow.contactFlowId });
  const secondInstanceArn = emu.seedInstance({ ...scope, instanceId: SECOND_INSTANCE_ID });
  const secondFlowArn = emu.seedContactFlow({ ...scope, instanceId: SECOND_INSTANCE_ID, contactFlowId: SECOND_FLOW_ID });
  const tdgArn = emu.seedTrafficDistributionGroup({
    ...scope,
    trafficDistributionGroupId: TDG_ID,
    alternateRegion: TDG_ALTERNATE_REGION,
    instanceArn,
  });
  emu.seedAvailableNumbers({ ...scope, countryCode: 'US', type: 'DID', phoneNumbers: FREE_NUMBERS });
  // The app's specific number is already claimed in the account, with no owner: MainLine adopts it in place.
  emu.seedClaimedNumber({
    ...scope,
    phoneNumber: d.adoptedNumber,
    targetArn: instanceArn,
    description: 'Main published number (claimed by hand)',
  });
  emu.seedClaimedNumber({ ...scope, phoneNumber: BYSTANDER_NUMBER, targetArn: instanceArn, description: 'Reception (not in the app)' });
  emu.seedVoiceConnector({ ...scope, voiceConnectorId: d.voiceConnectorId, name: 'example-sip-trunk' });
  const chime = [...d.trunkNumbers, SPARE_TRUNK_NUMBER];
  for (const phoneNumber of chime) emu.seedChimeNumber({ ...scope, phoneNumber });
  return {
    lines: [
      { label: 'account, region', value: `${d.account}, ${d.region}` },
      { label: 'Connect instance', value: instanceArn },
      { label: 'Connect instance', value: secondInstanceArn },
      { label: 'contact flow', value: flowArn },
      { label: 'contact flow', value: secondFlowArn },
      { label: 'traffic distribution group', value: `${tdgArn} (alternate region ${TDG_ALTERNATE_REGION})` },
      { label: 'free US DID numbers', value: FREE_NUMBERS.join(', ') },
      { label: 'already claimed', value: `${d.adoptedNumber} (no owner tag), ${BYSTANDER_NUMBER} (in no resource of the app)` },
      { label: 'Chime voice connector', value: `${d.voiceConnectorId} (arn:aws:chime:${d.region}:${d.account}:vc/${d.voiceConnectorId})` },
      { label: 'Chime inventory numbers', value: chime.join(', ') },
    ],
    chimeNumbers: chime.map((phoneNumber) => ({ region: d.region, phoneNumber })),
    notes: [],
    secondInstanceArn,
    secondFlowArn,
  };
}

/** Calling codes of a few countries, to seed free numbers for a search and to tell a number's country. */
const CALLING_CODES: Record<string, string> = {
  US: '1',
  CA: '1',
  GB: '44',
  IE: '353',
  DE: '49',
  FR: '33',
  ES: '34',
  IT: '39',
  NL: '31',
  AU: '61',
  NZ: '64',
  JP: '81',
  SG: '65',
  IN: '91',
  ZA: '27',
  BR: '55',
  MX: '52',
};

/** The country of an E.164 number, by its calling code ('US' for +1); undefined when not in the table above. */
export function countryOf(phoneNumber: string): string | undefined {
  const digits = phoneNumber.replace(/^\+/, '');
  const matches = Object.entries(CALLING_CODES)
    .filter(([, code]) => digits.startsWith(code))
    .sort((a, b) => b[1].length - a[1].length);
  return matches[0]?.[0];
}

/** Three free numbers a search of this country and prefix finds: the prefix padded to a national length. */
export function numbersForSearch(countryCode: string, prefix: string | undefined): string[] | undefined {
  const code = CALLING_CODES[countryCode];
  const base = prefix ?? (code !== undefined ? `+${code}` : undefined);
  if (base === undefined) return undefined;
  const digits = base.startsWith('+1') ? 11 : 12; // +1 NPA NXX XXXX; 12 digits for most others
  const body = base.slice(1).padEnd(Math.max(digits, base.length - 1 + 2), '5');
  return ['10', '11', '12'].map((tail) => `+${body.slice(0, body.length - 2)}${tail}`);
}

interface Collected {
  instances: Map<string, { accountId: string; region: string; instanceId: string }>;
  tdgs: Map<string, { accountId: string; region: string; id: string }>;
  flows: Map<string, { accountId: string; region: string; instanceId: string; contactFlowId: string }>;
  free: Map<string, { accountId: string; region: string; countryCode: string; type: string; phoneNumber: string }>;
  connectors: Map<string, { accountId: string; region: string; voiceConnectorId: string }>;
  chime: Map<string, { accountId: string; region: string; phoneNumber: string }>;
}

/** Collects what one stack's resources of this library name (literal values only); `notes` gets what cannot be seeded. */
function collectStack(c: Collected, stack: AssemblyStack, notes: string[]): void {
  const ctx = {
    template: stack.template,
    region: stack.region,
    accountId: stack.account,
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
    stackName: stack.name,
    stackId: `arn:aws:cloudformation:${stack.region}:${stack.account}:stack/${stack.name}/local`,
    parameters: {},
    deployed: () => undefined,
  };
  for (const logicalId of stack.libraryResources) {
    const resource = stack.template.Resources[logicalId];
    const raw = resource.Properties ?? {};
    const value = (key: string): Json | undefined => {
      if (raw[key] === undefined) return undefined;
      try {
        return resolveProperties({ [key]: raw[key] }, ctx)[key];
      } catch {
        return undefined;
      }
    };
    const literal = (key: string): string | undefined => {
      const v = value(key);
      if (typeof v === 'string' && !v.includes('local-placeholder')) return v;
      if (raw[key] !== undefined && key !== 'PhoneNumberArn' && key !== 'PhoneNumberTargetArn') {
        notes.push(
          `${stack.name}/${logicalId}: ${key} is ${describeValue(raw[key], stack)}, not a literal value: the stand-in cannot be seeded with it ` +
            'and the deploy will fail there. Pass the real ARN or number as a literal (e.g. from CDK context) to try it locally.',
        );
      }
      return undefined;
    };
    if (resource.Type === 'Custom::ClaimedPhoneNumber') collectClaim(c, stack, literal, notes, logicalId);
    else if (resource.Type === 'Custom::PhoneNumberFlowBinding') collectFlow(c, literal('ContactFlowArn'));
    else if (resource.Type === 'Custom::VoiceConnectorNumbers') collectConnector(c, stack, literal, value);
  }
}

/** A voice connector and the Chime numbers a VoiceConnectorNumbers resource names. */
function collectConnector(
  c: Collected,
  stack: AssemblyStack,
  literal: (key: string) => string | undefined,
  value: (key: string) => Json | undefined,
): void {
  const region = literal('Region') ?? stack.region;
  const id = literal('VoiceConnectorId');
  if (id !== undefined) c.connectors.set(`${region}/${id}`, { accountId: stack.account, region, voiceConnectorId: id });
  const numbers = value('PhoneNumbers');
  for (const n of Array.isArray(numbers) ? numbers : []) {
    if (typeof n === 'string' && !n.includes('local-placeholder'))
      c.chime.set(`${region}/${n}`, { accountId: stack.account, region, phoneNumber: n });
  }
}

/** Seeds the stand-in with what the stacks' resources of this library name (literal values only). */
export function seedFromAssembly(emu: Emulator, stacks: readonly AssemblyStack[]): SeedReport {
  const c: Collected = {
    instances: new Map(),
    tdgs: new Map(),
    flows: new Map(),
    free: new Map(),
    connectors: new Map(),
    chime: new Map(),
  };
  const notes: string[] = [];
  for (const stack of stacks) collectStack(c, stack, notes);

  const lines: SeedReport['lines'] = [];
  for (const i of c.instances.values()) lines.push({ label: 'Connect instance', value: emu.seedInstance(i) });
  for (const t of c.tdgs.values()) {
    // The templates do not say which instance a TDG belongs to, nor its other region: both are made up.
    const alternateRegion = t.region === 'us-west-2' ? 'us-east-1' : 'us-west-2';
    const instanceArn = emu.seedInstance({
      accountId: t.accountId,
      region: t.region,
      instanceId: `${t.id.slice(0, 8)}-0000-4000-8000-000000000001`,
    });
    lines.push({
      label: 'traffic distribution group',
      value: `${emu.seedTrafficDistributionGroup({ ...t, trafficDistributionGroupId: t.id, alternateRegion, instanceArn })} (alternate region ${alternateRegion}, made up)`,
    });
  }
  for (const f of c.flows.values()) lines.push({ label: 'contact flow', value: emu.seedContactFlow(f) });
  for (const n of c.free.values()) {
    emu.seedAvailableNumbers({
      accountId: n.accountId,
      region: n.region,
      countryCode: n.countryCode,
      type: n.type,
      phoneNumbers: [n.phoneNumber],
    });
  }
  if (c.free.size > 0)
    lines.push({
      label: 'free numbers',
      value: [...c.free.values()].map((n) => `${n.phoneNumber} (${n.countryCode} ${n.type})`).join(', '),
    });
  for (const v of c.connectors.values()) {
    emu.seedVoiceConnector(v);
    lines.push({ label: 'Chime voice connector', value: `${v.voiceConnectorId} (${v.region})` });
  }
  for (const n of c.chime.values()) emu.seedChimeNumber(n);
  if (c.chime.size > 0) lines.push({ label: 'Chime inventory numbers', value: [...c.chime.values()].map((n) => n.phoneNumber).join(', ') });
  return { lines, chimeNumbers: [...c.chime.values()].map(({ region, phoneNumber }) => ({ region, phoneNumber })), notes };
}

/** 'Fn::GetAtt Instance.Arn (AWS::Connect::Instance, not run locally)' or the JSON of the value. */
function describeValue(value: Json, stack: AssemblyStack): string {
  const entries = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0] === 'Fn::GetAtt')) {
    const [fn, arg] = entries[0];
    const target = Array.isArray(arg) ? String(arg[0]) : String(arg).split('.')[0];
    const shown = Array.isArray(arg) ? arg.join('.') : String(arg);
    const type = stack.template.Resources[target]?.Type;
    return `${fn} ${shown}${type ? ` (${type}, which a local run does not create)` : ''}`;
  }
  return JSON.stringify(value);
}

function collectFlow(c: Collected, arn: string | undefined): void {
  const flow = arn === undefined ? undefined : parseContactFlowArn(arn);
  if (!flow) return;
  c.instances.set(`${flow.region}/${flow.instanceId}`, { accountId: flow.account, region: flow.region, instanceId: flow.instanceId });
  c.flows.set(arn!, { accountId: flow.account, region: flow.region, instanceId: flow.instanceId, contactFlowId: flow.contactFlowId });
}

function collectClaim(
  c: Collected,
  stack: AssemblyStack,
  literal: (key: string) => string | undefined,
  notes: string[],
  logicalId: string,
): void {
  const targetArn = literal('TargetArn');
  const target = targetArn === undefined ? undefined : parseTargetArn(targetArn);
  const accountId = target?.account ?? stack.account;
  const region = target?.region ?? stack.region;
  if (target?.kind === 'instance') c.instances.set(`${region}/${target.instanceId}`, { accountId, region, instanceId: target.instanceId });
  if (target?.kind === 'traffic-distribution-group')
    c.tdgs.set(`${region}/${target.trafficDistributionGroupId}`, { accountId, region, id: target.trafficDistributionGroupId });
  const phoneNumber = literal('PhoneNumber');
  if (phoneNumber !== undefined) {
    const countryCode = countryOf(phoneNumber) ?? 'US';
    c.free.set(`${region}/${phoneNumber}`, { accountId, region, countryCode, type: 'DID', phoneNumber });
    return;
  }
  const countryCode = literal('CountryCode');
  if (countryCode === undefined) return;
  const type = literal('Type') ?? 'DID';
  const found = numbersForSearch(countryCode, literal('Prefix'));
  if (!found) {
    notes.push(`${stack.name}/${logicalId}: no free ${countryCode} numbers seeded (calling code unknown here); its search will find none`);
    return;
  }
  for (const n of found) c.free.set(`${region}/${n}`, { accountId, region, countryCode, type, phoneNumber: n });
}
