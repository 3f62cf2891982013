/**
 * API-call economy: the mutating AWS calls each operation costs (the calls that change something,
 * count toward quotas that matter and could go wrong), beside the fewest that operation needs; and
 * every call it makes (`all`: reads and CloudFormation included), each counting toward its API's
 * quota, which the account shares with the contact centre's other tools. Quotas are lifted
 * (rateScale 1000): this counts calls, it does not time them.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../lib';
import {
  LocalDeployer,
  loadHandlerBundle,
  loadTemplate,
  normalizeHandler,
  sendRequest,
  type CfnTemplate,
  type CustomResourceEvent,
} from '../local/deploy';
import { CallAttribution, type CallsByType } from './attribution';
import { BUNDLE } from './fleet';
import type { RemoteEmulator } from './remote-emulator';
import { ACCOUNT, CONNECTOR_ID, REGION, handlerEnvironment, seed, startBenchEmulator, type Seeded } from './settings';

const READS = /^(Describe|List|Search|Get|BatchGet)/;
export const isMutating = (operation: string): boolean => !READS.test(operation);

export type Operation = 'create' | 'noopUpdate' | 'move' | 'flowChange' | 'connectorDelta1of1000' | 'delete';

/**
 * The fewest mutating calls each operation needs, on a stack of one number bound to a flow and a
 * connector carrying one number (the connector delta: one number added to a connector of 999):
 * - create: claim, bind, associate = 3; delete: release, unbind, disassociate = 3;
 * - noopUpdate: an Update whose properties did not change = 0;
 * - move (the number to another instance, bound to a flow there): move + bind in the new instance = 2
 *   (the binding does not follow the number, docs/service-facts.md);
 * - flowChange: bind to the new flow = 1; connectorDelta1of1000: associate the one number = 1.
 */
export const MINIMUM_MUTATING_CALLS: Readonly<Record<Operation, number>> = {
  create: 3,
  noopUpdate: 0,
  move: 2,
  flowChange: 1,
  connectorDelta1of1000: 1,
  delete: 3,
};

/**
 * The most calls of every kind (reads and CloudFormation included) each operation may make (issue 18's
 * targets): create and delete 5 (the 3 mutating calls, the claim's one settle read, one read that the
 * number is still this resource's before it is released), move 5, flow change 3, a no-op update 2.
 */
export const MAXIMUM_ALL_CALLS: Readonly<Record<Operation, number>> = {
  create: 5,
  noopUpdate: 2,
  move: 5,
  flowChange: 3,
  connectorDelta1of1000: 3,
  delete: 5,
};

export interface CallsResult {
  /** Mutating calls per operation. */
  readonly counts: Record<Operation, number>;
  /** Which mutating calls, per operation (`service:Operation` x n). */
  readonly detail: Record<Operation, Record<string, number>>;
  /** Every call per operation (reads and CloudFormation included, throttled ones too). */
  readonly all: Record<Operation, number>;
  /** Which calls, per operation (`service:Operation` x n). */
  readonly allDetail: Record<Operation, Record<string, number>>;
}

interface Declaration {
  readonly target: string;
  readonly flow: string;
  readonly trunk: string[];
}

function template(d: Declaration): CfnTemplate {
  const st = new Stack(new App(), 'Calls', { env: { account: ACCOUNT, region: REGION } });
  const number = new ClaimedPhoneNumber(st, 'Number', {
    targetArn: d.target,
    phoneNumber: '+12065550000',
    removalPolicy: RemovalPolicy.DESTROY,
  });
  new PhoneNumberFlowBinding(st, 'Binding', { phoneNumber: number, contactFlowArn: d.flow });
  new VoiceConnectorNumbers(st, 'Trunk', { voiceConnectorId: CONNECTOR_ID, phoneNumbers: d.trunk });
  return loadTemplate(st);
}

async function mutatingCalls(emu: RemoteEmulator): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of await emu.calls()) {
    if (!isMutating(c.operation)) continue;
    const key = `${c.service}:${c.operation}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** `service:Operation` -> every call (answered or throttled) the handler's invocations sent, over all resource types. */
export function everyCall(calls: CallsByType): Record<string, number> {
  const out: Record<string, number> = {};
  for (const apis of Object.values(calls)) {
    for (const [api, c] of Object.entries(apis)) out[api] = (out[api] ?? 0) + c.answered + c.throttled;
  }
  return out;
}

/**
 * The fleet's calls per resource: every answered call (reads and CloudFormation included) and every
 * throttled one, over the run's phases, per resource; beside the fewest the fleet needs (`minimum`,
 * ./bound fleetMinimumCalls) per resource.
 */
export function perResource(
  phases: readonly CallsByType[],
  minimum: ReadonlyArray<{ readonly calls: Readonly<Record<string, number>> }>,
  resources: number,
): { callsPerResource: number; minimumCallsPerResource: number; throttledPerResource: number } {
  let answered = 0;
  let throttled = 0;
  for (const phase of phases) {
    for (const apis of Object.values(phase)) {
      for (const c of Object.values(apis)) {
        answered += c.answered;
        throttled += c.throttled;
      }
    }
  }
  const needed = minimum.reduce((sum, m) => sum + total(m.calls), 0);
  return {
    callsPerResource: answered / resources,
    minimumCallsPerResource: needed / resources,
    throttledPerResource: throttled / resources,
  };
}

const total = (calls: Readonly<Record<string, number>>): number => Object.values(calls).reduce((a, b) => a + b, 0);

export async function benchCalls(): Promise<CallsResult> {
  const emu = await startBenchEmulator(1000);
  const saved = { ...process.env };
  // Every request the handler sends, CloudFormation's too (the emulator's own log has Connect and Chime only).
  const attribution = new CallAttribution();
  attribution.install();
  try {
    const s: Seeded = await seed(emu, 1, 1000);
    Object.assign(process.env, handlerEnvironment(emu.endpoint, 1));
    const bundle = loadHandlerBundle(BUNDLE, 'handler') as (event: unknown) => Promise<unknown>;
    const handler = (event: unknown): Promise<unknown> => attribution.run(event, () => bundle(event));
    const deployer = new LocalDeployer({
      handler,
      stackName: 'Calls',
      region: REGION,
      accountId: ACCOUNT,
      maxPolls: 50,
      stacks: emu.stacks,
    });
    const one = s.chimeNumbers.slice(0, 1);
    const detail = {} as Record<Operation, Record<string, number>>;
    const allDetail = {} as Record<Operation, Record<string, number>>;
    const measure = async (op: Operation, action: () => Promise<unknown>): Promise<void> => {
      await emu.clearCalls();
      attribution.clear();
      await action();
      detail[op] = await mutatingCalls(emu);
      allDetail[op] = everyCall(attribution.calls);
    };

    const base: Declaration = { target: s.instanceArn, flow: s.flowArn, trunk: one };
    await measure('create', () => deployer.deploy(template(base)));
    await measure('noopUpdate', async () => {
      // CloudFormation sends Update when any property changed; here every resource gets an Update
      // whose properties did not change (as after a change the handler does not act on).
      const functions = normalizeHandler(handler);
      for (const r of deployer.resources()) {
        const event: CustomResourceEvent = {
          RequestType: 'Update',
          ServiceToken: String(r.properties.ServiceToken),
          ResponseURL: 'https://example.invalid/response',
          StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Calls/00000000-0000-4000-8000-000000000000`,
          RequestId: `00000000-0000-4000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`,
          LogicalResourceId: r.logicalId,
          ResourceType: r.type,
          PhysicalResourceId: r.physicalResourceId,
          ResourceProperties: r.properties,
          OldResourceProperties: r.properties,
        };
        const outcome = await sendRequest(functions, event, { maxPolls: 50, pollIntervalMs: 0, functionName: 'bench' });
        if (outcome.status !== 'SUCCESS') throw new Error(`no-op update of ${r.logicalId} failed: ${outcome.reason}`);
      }
    });
    await measure('flowChange', () => deployer.deploy(template({ ...base, flow: s.otherFlowArn })));
    await measure('move', () => deployer.deploy(template({ ...base, target: s.otherInstanceArn, flow: s.movedFlowArn })));
    const moved: Declaration = { target: s.otherInstanceArn, flow: s.movedFlowArn, trunk: s.chimeNumbers.slice(0, 999) };
    await deployer.deploy(template(moved));
    await measure('connectorDelta1of1000', () => deployer.deploy(template({ ...moved, trunk: s.chimeNumbers.slice(0, 1000) })));
    await deployer.deploy(template({ ...moved, trunk: one }));
    await measure('delete', () => deployer.destroy());

    const counts = Object.fromEntries(Object.entries(detail).map(([op, calls]) => [op, total(calls)])) as Record<Operation, number>;
    const all = Object.fromEntries(Object.entries(allDetail).map(([op, calls]) => [op, total(calls)])) as Record<Operation, number>;
    return { counts, detail, all, allDetail };
  } finally {
    attribution.uninstall();
    process.env = saved;
    await emu.stop();
  }
}
