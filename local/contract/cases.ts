/**
 * The lifecycle steps the contract suite runs, per resource type: the stack declared before (none for
 * a stack create) and after, each also with a later resource that fails (the `Breaker`: a claim of a
 * number that is never available, depending on everything else), so that the step is rolled back.
 * Declarations are synthesized once through the real constructs (lib/) and cached.
 */
import { App, CfnWaitConditionHandle, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../../lib';
import { loadTemplate } from '../deploy';
import type { CfnTemplate } from '../deploy';
import {
  ACCOUNT,
  ADOPTABLE,
  CHIME_NUMBERS,
  CHIME_WEST_NUMBERS,
  FLOW_1A,
  FLOW_1B,
  FLOW_2,
  INSTANCE_1,
  INSTANCE_2,
  OTHER_REGION,
  REGION,
  SPECIFIC_1,
  SPECIFIC_2,
  STACK_NAME,
  UNAVAILABLE,
  VC_A,
  VC_B,
  VC_WEST,
  flowArn,
  instanceArn,
} from './world';

export type Decl =
  | {
      readonly kind: 'number';
      readonly id: string;
      readonly instance: string;
      readonly phoneNumber?: string;
      readonly prefix?: string;
      readonly description?: string;
      readonly tags?: Record<string, string>;
      readonly removalPolicy?: 'destroy' | 'retain';
    }
  | { readonly kind: 'binding'; readonly id: string; readonly number: string; readonly instance: string; readonly flow: string }
  | {
      readonly kind: 'trunk';
      readonly id: string;
      readonly connector: string;
      readonly numbers: readonly string[];
      readonly region?: string;
      readonly forceAssociate?: boolean;
    };

export type ResourceKind = 'ClaimedPhoneNumber' | 'PhoneNumberFlowBinding' | 'VoiceConnectorNumbers';

export interface LifecycleCase {
  /** e.g. 'ClaimedPhoneNumber/move+breaker' */
  readonly name: string;
  readonly resource: ResourceKind;
  readonly step: string;
  readonly before?: readonly Decl[];
  readonly after: readonly Decl[];
  /** The update ends with a later resource failing, so the step is rolled back. */
  readonly breaker: boolean;
  /** How the deployer rolls back a replacement (both shapes are possible: the documentation does not settle it). */
  readonly replacementRollback?: 'delete' | 'update-then-delete';
}

/** The construct id of the resource that fails (its logical id starts with it). */
export const BREAKER_ID = 'Breaker';

function build(decls: readonly Decl[], breaker: boolean): CfnTemplate {
  const stack = new Stack(new App(), STACK_NAME, { env: { account: ACCOUNT, region: REGION } });
  // CloudFormation refuses a template without resources: this one stays when every construct is removed.
  new CfnWaitConditionHandle(stack, 'Anchor');
  const numbers = new Map<string, ClaimedPhoneNumber>();
  const all: IConstruct[] = [];
  for (const d of decls) {
    if (d.kind === 'number') {
      const n = new ClaimedPhoneNumber(stack, d.id, {
        targetArn: instanceArn(d.instance),
        ...(d.phoneNumber ? { phoneNumber: d.phoneNumber } : { countryCode: 'US', prefix: d.prefix }),
        ...(d.description !== undefined ? { description: d.description } : {}),
        ...(d.tags ? { tags: d.tags } : {}),
        ...(d.removalPolicy ? { removalPolicy: d.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN } : {}),
      });
      numbers.set(d.id, n);
      all.push(n);
    }
  }
  for (const d of decls) {
    if (d.kind === 'binding') {
      const number = numbers.get(d.number);
      if (!number) throw new Error(`binding ${d.id} names number ${d.number}, which is not declared`);
      all.push(new PhoneNumberFlowBinding(stack, d.id, { phoneNumber: number, contactFlowArn: flowArn(d.instance, d.flow) }));
    } else if (d.kind === 'trunk') {
      all.push(
        new VoiceConnectorNumbers(stack, d.id, {
          voiceConnectorId: d.connector,
          phoneNumbers: [...d.numbers],
          ...(d.region ? { region: d.region } : {}),
          ...(d.forceAssociate !== undefined ? { forceAssociate: d.forceAssociate } : {}),
        }),
      );
    }
  }
  if (breaker) {
    const b = new ClaimedPhoneNumber(stack, BREAKER_ID, {
      targetArn: instanceArn(INSTANCE_1),
      phoneNumber: UNAVAILABLE,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const c of all) b.node.addDependency(c);
  }
  return loadTemplate(stack);
}

const cache = new Map<string, CfnTemplate>();

/** The synthesized template of a declaration (cached). */
export function templateOf(decls: readonly Decl[], breaker = false): CfnTemplate {
  const key = JSON.stringify([decls, breaker]);
  let t = cache.get(key);
  if (!t) {
    t = build(decls, breaker);
    cache.set(key, t);
  }
  return JSON.parse(JSON.stringify(t)) as CfnTemplate;
}

const num = (id: string, extra: Partial<Extract<Decl, { kind: 'number' }>> = {}): Decl => ({
  kind: 'number',
  id,
  instance: INSTANCE_1,
  phoneNumber: SPECIFIC_1,
  ...extra,
});
const bind = (id: string, number: string, flow = FLOW_1A, instance = INSTANCE_1): Decl => ({ kind: 'binding', id, number, instance, flow });
const trunk = (id: string, numbers: readonly string[], connector = VC_A, extra: Partial<Extract<Decl, { kind: 'trunk' }>> = {}): Decl => ({
  kind: 'trunk',
  id,
  connector,
  numbers,
  ...extra,
});

interface Step {
  readonly step: string;
  readonly before?: readonly Decl[];
  readonly after: readonly Decl[];
}

const STEPS: Record<ResourceKind, Step[]> = {
  ClaimedPhoneNumber: [
    { step: 'create-search', after: [num('Line', { phoneNumber: undefined, prefix: '+1206', description: 'support' })] },
    { step: 'create-specific', after: [num('Line', { description: 'main' })] },
    { step: 'create-adopt', after: [num('Line', { phoneNumber: ADOPTABLE, description: 'adopted', tags: { team: 'phones' } })] },
    {
      step: 'update-in-place',
      before: [num('Line', { description: 'a' })],
      after: [num('Line', { description: 'b', tags: { env: 'prod' } })],
    },
    { step: 'move', before: [num('Line')], after: [num('Line', { instance: INSTANCE_2 })] },
    { step: 'replacement', before: [num('Line')], after: [num('Line', { phoneNumber: SPECIFIC_2 })] },
    { step: 'rename', before: [num('Line')], after: [num('Renamed')] },
    { step: 'delete', before: [num('Line', { removalPolicy: 'destroy' })], after: [] },
  ],
  PhoneNumberFlowBinding: [
    { step: 'create', before: [num('Line')], after: [num('Line'), bind('Flow', 'Line')] },
    { step: 'update-in-place', before: [num('Line'), bind('Flow', 'Line')], after: [num('Line'), bind('Flow', 'Line', FLOW_1B)] },
    {
      step: 'move',
      before: [num('Line'), bind('Flow', 'Line')],
      after: [num('Line', { instance: INSTANCE_2 }), bind('Flow', 'Line', FLOW_2, INSTANCE_2)],
    },
    {
      step: 'replacement',
      before: [num('Line'), num('Other', { phoneNumber: SPECIFIC_2 }), bind('Flow', 'Line')],
      after: [num('Line'), num('Other', { phoneNumber: SPECIFIC_2 }), bind('Flow', 'Other')],
    },
    { step: 'rename', before: [num('Line'), bind('Flow', 'Line')], after: [num('Line'), bind('Renamed', 'Line')] },
    { step: 'delete', before: [num('Line'), bind('Flow', 'Line')], after: [num('Line')] },
  ],
  VoiceConnectorNumbers: [
    { step: 'create', after: [trunk('Trunk', CHIME_NUMBERS.slice(0, 2))] },
    { step: 'update-in-place', before: [trunk('Trunk', CHIME_NUMBERS.slice(0, 2))], after: [trunk('Trunk', CHIME_NUMBERS.slice(1, 3))] },
    { step: 'move', before: [trunk('Trunk', CHIME_NUMBERS.slice(0, 2))], after: [trunk('Trunk', CHIME_NUMBERS.slice(0, 2), VC_B)] },
    {
      step: 'move-between',
      before: [trunk('Trunk', CHIME_NUMBERS.slice(0, 2)), trunk('Other', [CHIME_NUMBERS[2]], VC_B)],
      after: [trunk('Trunk', [CHIME_NUMBERS[0]]), trunk('Other', [CHIME_NUMBERS[2], CHIME_NUMBERS[1]], VC_B)],
    },
    {
      step: 'replacement',
      before: [trunk('Trunk', CHIME_NUMBERS.slice(0, 1))],
      after: [trunk('Trunk', CHIME_WEST_NUMBERS.slice(0, 1), VC_WEST, { region: OTHER_REGION })],
    },
    { step: 'rename', before: [trunk('Trunk', CHIME_NUMBERS.slice(0, 2))], after: [trunk('Renamed', CHIME_NUMBERS.slice(0, 2))] },
    { step: 'delete', before: [trunk('Trunk', CHIME_NUMBERS.slice(0, 2))], after: [] },
  ],
};

/** Every lifecycle case of a resource type: each step, plain and rolled back by the Breaker. */
export function casesOf(resource: ResourceKind): LifecycleCase[] {
  return STEPS[resource].flatMap((s) => {
    const cases: LifecycleCase[] = [false, true].map((breaker) => ({
      name: `${resource}/${s.step}${breaker ? '+breaker' : ''}`,
      resource,
      step: s.step,
      before: s.before,
      after: s.after,
      breaker,
    }));
    // A rolled-back replacement also in the other shape: a rollback Update of the new physical id, then its Delete.
    if (s.step === 'replacement') {
      cases.push({
        name: `${resource}/${s.step}+breaker (update-then-delete)`,
        resource,
        step: s.step,
        before: s.before,
        after: s.after,
        breaker: true,
        replacementRollback: 'update-then-delete',
      });
    }
    return cases;
  });
}

export const RESOURCE_KINDS: readonly ResourceKind[] = ['ClaimedPhoneNumber', 'PhoneNumberFlowBinding', 'VoiceConnectorNumbers'];
