/**
 * The cross-stack and drift family of the contract suite (issue 15): each lifecycle step of
 * ./cases.ts with another hand acting on the same numbers before, during or after it:
 * - 'other-stack': a second stack deploys a ClaimedPhoneNumber of SPECIFIC_1 (the number most steps
 *   declare) and a binding of it, without takeOver;
 * - 'release', 'move', 'unbind', 'disassociate': a change by hand (the SDK against the emulator) to a
 *   number the stack holds: released, moved to the other instance, its flow unbound, taken off its connector.
 * 'during' acts when the step's k-th request starts (local/deploy onRequest). After the step, the same
 * declaration is deployed again (the next update), then both stacks are destroyed.
 *
 * What must hold, whatever the order:
 * - no stack ends *_FAILED (step, next update, destroys), and every destroy completes;
 * - nothing held by another live resource was taken without the opt-in: a number whose ownership tag
 *   names a live resource of one stack before the other stack's deploy still names it after.
 *
 * The family is sampled (seeded, SAMPLE scenarios) to keep the suite's run time reasonable.
 */
import {
  ConnectClient,
  DisassociatePhoneNumberContactFlowCommand,
  ReleasePhoneNumberCommand,
  UpdatePhoneNumberCommand,
} from '@aws-sdk/client-connect';
import { ChimeSDKVoiceClient, DisassociatePhoneNumbersFromVoiceConnectorCommand } from '@aws-sdk/client-chime-sdk-voice';
import { LocalDeployer, PROVIDER_QUERY_INTERVAL_MS } from '../deploy';
import type { CfnTemplate } from '../deploy';
import { casesOf, RESOURCE_KINDS, templateOf, type Decl, type LifecycleCase, type ResourceKind } from './cases';
import { Harness, type SuiteReport, type Violation } from './runner';
import {
  ACCOUNT,
  FLOW_1B,
  INSTANCE_1,
  INSTANCE_2,
  OTHER_REGION,
  OWNER_TAG,
  REGION,
  SPECIFIC_1,
  STACK_NAME,
  CREDENTIALS,
  VC_OTHER,
  createSeedClients,
  instanceArn,
} from './world';

/** Someone at the console: Connect and Chime (both regions) against the emulator. */
interface Hands {
  readonly connect: ConnectClient;
  readonly chime: ChimeSDKVoiceClient;
  readonly chimeWest: ChimeSDKVoiceClient;
}

export type Act = 'other-stack' | 'release' | 'move' | 'unbind' | 'disassociate';
export type When = 'before' | 'during' | 'after';

export interface CrossCase {
  readonly name: string;
  readonly step: LifecycleCase;
  readonly act: Act;
  readonly when: When;
  /** For 'during': the request (1-based) of the step at whose start the act happens. */
  readonly at: number;
}

export const OTHER_STACK = 'OtherContractStack';
/** Scenarios sampled from the family (seeded). */
export const SAMPLE = 48;
export const SEED = 15;

const ACTS: Record<ResourceKind, readonly Act[]> = {
  ClaimedPhoneNumber: ['other-stack', 'release', 'move'],
  PhoneNumberFlowBinding: ['other-stack', 'unbind', 'release'],
  VoiceConnectorNumbers: ['disassociate'],
};

/** A small seeded generator (mulberry32): the same sample on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every combination, then a seeded sample of `size` of them. */
export function crossCases(size = SAMPLE, seed = SEED): CrossCase[] {
  const all: CrossCase[] = [];
  for (const kind of RESOURCE_KINDS) {
    for (const step of casesOf(kind)) {
      for (const act of ACTS[kind]) {
        for (const when of ['before', 'during', 'after'] as const) {
          for (const at of when === 'during' ? [1, 2] : [0]) {
            all.push({ name: `${step.name} ~ ${act} ${when}${when === 'during' ? ` #${at}` : ''}`, step, act, when, at });
          }
        }
      }
    }
  }
  const next = random(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, size);
}

/** The other stack's declaration: SPECIFIC_1 and a binding of it to FLOW_1B. */
const OTHER: readonly Decl[] = [
  { kind: 'number', id: 'Theirs', instance: INSTANCE_1, phoneNumber: SPECIFIC_1, description: 'theirs' },
  { kind: 'binding', id: 'TheirFlow', number: 'Theirs', instance: INSTANCE_1, flow: FLOW_1B },
];

/** The same constructs serve under another stack name: no property names the stack. */
const otherTemplate = (): CfnTemplate => templateOf(OTHER);

/** Number -> the ownership value (without marker) of the live resource holding it, from both stacks' resources. */
function liveHolders(h: Harness, deployers: ReadonlyArray<{ name: string; d: LocalDeployer }>): Map<string, string> {
  const live = new Set(
    deployers.flatMap(({ name, d }) =>
      d.status === 'DELETE_COMPLETE' ? [] : d.resources().map((r) => `${name}/${r.logicalId} ${r.physicalResourceId}`),
    ),
  );
  const out = new Map<string, string>();
  for (const n of h.emu.snapshot().claimed) {
    const owner = (n.tags[OWNER_TAG] ?? '').split('@')[0];
    if (owner && live.has(`${owner} ${n.phoneNumberArn}`)) out.set(n.phoneNumber, owner);
  }
  return out;
}

/** One hand change against the numbers the stack holds now (nothing when it holds none of that kind). */
async function handChange(h: Harness, clients: Hands, act: Exclude<Act, 'other-stack'>): Promise<void> {
  const snap = h.emu.snapshot();
  const ours = snap.claimed.filter((n) => (n.tags[OWNER_TAG] ?? '').startsWith(`${STACK_NAME}/`) && n.status === 'CLAIMED');
  const swallow = (): undefined => undefined; // a hand change may be refused (the number is busy): the world stays as it is
  if (act === 'release' && ours[0])
    await clients.connect.send(new ReleasePhoneNumberCommand({ PhoneNumberId: ours[0].phoneNumberArn })).catch(swallow);
  if (act === 'move' && ours[0]) {
    const target = ours[0].targetArn === instanceArn(INSTANCE_2) ? instanceArn(INSTANCE_1) : instanceArn(INSTANCE_2);
    await clients.connect.send(new UpdatePhoneNumberCommand({ PhoneNumberId: ours[0].phoneNumberArn, TargetArn: target })).catch(swallow);
  }
  if (act === 'unbind') {
    const bound = ours.find((n) => Object.keys(n.flows).length > 0);
    if (bound) {
      const instance = Object.keys(bound.flows)[0];
      await clients.connect
        .send(new DisassociatePhoneNumberContactFlowCommand({ PhoneNumberId: bound.phoneNumberArn, InstanceId: instance }))
        .catch(swallow);
    }
  }
  if (act === 'disassociate') {
    for (const region of [REGION, OTHER_REGION]) {
      const vcs = h.emu.snapshot({ region }).voiceConnectors;
      const [vc, numbers] = Object.entries(vcs).find(([id, list]) => list.length > 0 && id !== VC_OTHER) ?? [];
      if (vc && numbers) {
        const client = region === REGION ? clients.chime : clients.chimeWest;
        await client
          .send(new DisassociatePhoneNumbersFromVoiceConnectorCommand({ VoiceConnectorId: vc, E164PhoneNumbers: [numbers[0]] }))
          .catch(swallow);
        return;
      }
    }
  }
}

/** Runs one cross case and checks it. */
export async function runCross(h: Harness, c: CrossCase, clients: Hands): Promise<Violation[]> {
  const violations: Violation[] = [];
  const flag = (problem: string, hint: string) => violations.push({ scenario: c.name, problem, hint });
  await h.freshWorld();
  let requests = 0;
  let acted = false;
  let stepRunning = false;
  const deployerOf = (stackName: string, during?: () => Promise<void>) =>
    new LocalDeployer({
      handler: h.bundle,
      stackName,
      region: REGION,
      accountId: ACCOUNT,
      clock: h.clock,
      pollIntervalMs: PROVIDER_QUERY_INTERVAL_MS,
      stacks: h.emu.stacks,
      replacementRollback: c.step.replacementRollback ?? 'delete',
      onRequest: async (p) => {
        if (!during || !stepRunning || acted || p.stage !== 'start' || ++requests < c.at) return;
        acted = true;
        await during();
      },
    });
  const other = deployerOf(OTHER_STACK);
  const stacks = () => [
    { name: STACK_NAME, d: main },
    { name: OTHER_STACK, d: other },
  ];
  /** The other stack's deploy: it may fail (the number is held), never take what a live resource of this stack holds. */
  const otherDeploys = async () => {
    const held = liveHolders(h, stacks());
    await other.deploy(otherTemplate()).catch(() => undefined);
    checkTaken(held, OTHER_STACK);
  };
  const checkTaken = (held: Map<string, string>, actor: string) => {
    const now = liveHolders(h, stacks());
    for (const [phone, owner] of held) {
      if (owner.startsWith(`${actor}/`)) continue;
      const holder = h.emu.snapshot().claimed.find((n) => n.phoneNumber === phone);
      const tag = (holder?.tags[OWNER_TAG] ?? '').split('@')[0];
      if (tag.startsWith(`${actor}/`) && now.get(phone) !== owner)
        flag(
          `${phone}, held by ${owner}, was taken by ${tag} without takeOver`,
          'lambda/holder.ts, claim.ts (refuseIfHeld), binding guardHolder',
        );
    }
  };
  const act = async () => (c.act === 'other-stack' ? otherDeploys() : handChange(h, clients, c.act));
  const main = deployerOf(STACK_NAME, c.when === 'during' ? act : undefined);
  let lastError = '';
  const remember = (e: Error): undefined => {
    lastError = e.message.split('\n')[0].replace(/phone-number\/[0-9a-f-]{36}/g, 'phone-number/<id>');
    return undefined;
  };
  const noFailed = (d: LocalDeployer, what: string) => {
    if (d.status?.endsWith('_FAILED'))
      flag(`${what} ended ${d.status}: ${lastError}`, 'the rollback or delete request of the resource the hand change touched');
  };

  if (c.step.before)
    await main.deploy(templateOf(c.step.before)).catch((e: Error) => flag(`setup failed: ${e.message.split('\n')[0]}`, 'lambda/'));
  if (c.when === 'before') await act();
  const heldBefore = liveHolders(h, stacks());
  stepRunning = true;
  await main.deploy(templateOf(c.step.after, c.step.breaker)).catch(remember);
  stepRunning = false;
  noFailed(main, 'the step');
  if (c.act === 'other-stack' && c.when !== 'during') checkTaken(heldBefore, STACK_NAME);
  if (!acted && c.when === 'during') await act(); // the step made fewer requests than `at`
  if (c.when === 'after') await act();
  if (!main.status?.endsWith('_FAILED')) {
    h.clock.advance(60_000);
    const held = liveHolders(h, stacks());
    await main.deploy(templateOf(c.step.after)).catch(remember);
    noFailed(main, 'the next update');
    checkTaken(held, STACK_NAME);
  }
  await main.destroy().catch(remember);
  if (main.status !== 'DELETE_COMPLETE')
    flag(`the destroy ended ${main.status}: ${lastError}`, 'the Delete of the resource the hand change touched');
  await other.destroy().catch(() => undefined);
  if (other.status !== undefined && other.status !== 'DELETE_COMPLETE')
    flag(`the other stack's destroy ended ${other.status}`, 'lambda/holder.ts and the Delete paths');
  return violations;
}

/** The family's report, in the shape of the main suite's. */
export async function runCrossSuite(cases: readonly CrossCase[] = crossCases()): Promise<SuiteReport> {
  const h = await Harness.start();
  const clients: Hands = {
    ...createSeedClients(h.emu),
    chimeWest: new ChimeSDKVoiceClient({ region: OTHER_REGION, endpoint: h.emu.endpoint, credentials: CREDENTIALS, maxAttempts: 1 }),
  };
  const violations: Violation[] = [];
  const outcomes = new Map<string, string>();
  try {
    for (const c of cases) {
      const found = await runCross(h, c, clients);
      violations.push(...found);
      outcomes.set(c.name, found.length === 0 ? 'ok' : `${found.length} violation(s)`);
    }
  } finally {
    clients.connect.destroy();
    clients.chime.destroy();
    clients.chimeWest.destroy();
    await h.stop();
  }
  return { scenarios: cases.length, violations, outcomes };
}
