/**
 * The CloudFormation unknowns of issue 16 as LocalDeployer options, each tested both ways: what
 * GetTemplate serves while an update rolls back (templateDuringRollback), which policy governs the new
 * physical id of a replacement that rolls back (replacementRollbackPolicy), and independent resources
 * in parallel (concurrency). First what each reading does (a fake handler), then the real handler bundle
 * against the emulator under each reading: the same guarantees, nothing leaked, the same end state.
 */
import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type { IDependable } from 'constructs';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../../../lib';
import {
  DeployFailedError,
  LocalDeployer,
  loadTemplate,
  type CfnTemplate,
  type LocalDeployerOptions,
  type RequestProgress,
} from '../../../local/deploy';
import { custom, FakeHandler, requestIds, template } from './fixtures';
import { newStack, startWorld, uuid, type World } from './real-stack';

const fakeDeployer = (fake: FakeHandler, options: Partial<LocalDeployerOptions> = {}): LocalDeployer =>
  new LocalDeployer({ handler: fake, stackName: 'TestStack', newRequestId: requestIds(), ...options });

describe('CloudFormation readings, what each does (fake handler)', () => {
  let fake: FakeHandler;
  beforeEach(() => {
    fake = new FakeHandler();
  });

  describe('templateDuringRollback', () => {
    const v1 = template({ A: custom({ Value: 'a' }) });
    const v2 = template({ A: custom({ Value: 'a2' }), B: custom({ Value: 'b' }, { DependsOn: 'A' }) });

    it.each([
      ['previous', undefined, v1],
      ['previous', 'previous', v1],
      ['current', 'current', v2],
    ] as const)(
      'GetTemplate serves the %s template during UPDATE_ROLLBACK_* (option %s), the previous one once rolled back',
      async (_, reading, during) => {
        const served: Array<[string, CfnTemplate]> = [];
        const d = fakeDeployer(fake, {
          ...(reading ? { templateDuringRollback: reading } : {}),
          onRequest: (p: RequestProgress) => {
            if (p.stage === 'start' && p.phase === 'rollback') served.push([d.status!, d.stackState()!.template]);
          },
        });
        await d.deploy(v1);
        fake.failWhen = (e) => (e.LogicalResourceId === 'B' ? 'B fails' : undefined);

        await expect(d.deploy(v2)).rejects.toThrow(DeployFailedError);

        // A's rollback Update, then B's Delete in the cleanup phase
        expect(served.map(([status]) => status)).toEqual(['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS']);
        for (const [, t] of served) expect(t).toEqual(during);
        expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
        expect(d.stackState()!.template).toEqual(v1);
      },
    );
  });

  describe('replacementRollbackPolicy', () => {
    /** A replaced by the update, B failing after it. */
    const stackWith = (a: string, policies: { DeletionPolicy?: string; UpdateReplacePolicy?: string }) =>
      template({ A: custom({ Value: a }, policies), B: custom({ Value: a === 'a' ? 'b' : 'b2' }, { DependsOn: 'A' }) });

    async function rollBackReplacement(options: Partial<LocalDeployerOptions>, policies: Parameters<typeof stackWith>[1]) {
      const d = fakeDeployer(fake, options);
      fake.replaceWhen = (e) => e.LogicalResourceId === 'A';
      await d.deploy(stackWith('a', policies));
      fake.clear();
      fake.failWhen = (e) => (e.LogicalResourceId === 'B' && e.ResourceProperties.Value === 'b2' ? 'B fails' : undefined);
      await expect(d.deploy(stackWith('a2', policies))).rejects.toThrow('B failed to update');
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(d.outputs('A').physicalResourceId).toBe('A-1');
      return d;
    }

    // The library's default removal policy: DeletionPolicy RetainExceptOnCreate, UpdateReplacePolicy Retain.
    const LIBRARY_DEFAULT = { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' };

    it.each([undefined, 'DeletionPolicy'] as const)(
      'with %s (the default), DeletionPolicy governs the new physical id: RetainExceptOnCreate deletes it',
      async (reading) => {
        const d = await rollBackReplacement(reading ? { replacementRollbackPolicy: reading } : {}, LIBRARY_DEFAULT);
        expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2', 'Update B B-2', 'Delete A A-3']);
        expect(d.retained).toEqual([]);
        expect(fake.live.has('A-3')).toBe(false);
      },
    );

    it("with 'DeletionPolicy', a DeletionPolicy Retain keeps the new physical id, whatever UpdateReplacePolicy says", async () => {
      const d = await rollBackReplacement({ replacementRollbackPolicy: 'DeletionPolicy' }, { DeletionPolicy: 'Retain' });
      expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2', 'Update B B-2']);
      expect(d.retained).toEqual([{ phase: 'rollback', logicalId: 'A', physicalResourceId: 'A-3', policy: 'DeletionPolicy' }]);
    });

    it("with 'UpdateReplacePolicy', UpdateReplacePolicy Retain keeps the new physical id: no Delete arrives for it", async () => {
      const d = await rollBackReplacement({ replacementRollbackPolicy: 'UpdateReplacePolicy' }, LIBRARY_DEFAULT);
      expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2', 'Update B B-2']);
      expect(d.retained).toEqual([{ phase: 'rollback', logicalId: 'A', physicalResourceId: 'A-3', policy: 'UpdateReplacePolicy' }]);
      expect(fake.live.has('A-3')).toBe(true);
    });

    it("with 'UpdateReplacePolicy', a DeletionPolicy Retain does not keep it when UpdateReplacePolicy is Delete", async () => {
      const d = await rollBackReplacement({ replacementRollbackPolicy: 'UpdateReplacePolicy' }, { DeletionPolicy: 'Retain' });
      expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2', 'Update B B-2', 'Delete A A-3']);
      expect(d.retained).toEqual([]);
    });
  });

  describe('concurrency', () => {
    /** R <- M1, M2, M3 <- L1 (on M1): a root, three independent middles, a leaf; F fails after all of them. */
    const diamond = (v: string, failing: boolean) =>
      template({
        R: custom({ Value: v }),
        M1: custom({ Value: v, Up: { Ref: 'R' } }),
        M2: custom({ Value: v, Up: { Ref: 'R' } }),
        M3: custom({ Value: v, Up: { Ref: 'R' } }),
        L1: custom({ Value: v, Up: { Ref: 'M1' } }),
        ...(failing ? { F: custom({ Value: 'f' }, { DependsOn: ['L1', 'M2', 'M3'] }) } : {}),
      });
    const DEPENDS_ON: Record<string, string[]> = { M1: ['R'], M2: ['R'], M3: ['R'], L1: ['M1'], F: ['L1', 'M2', 'M3'] };

    /** The handler's requests with their start and end, and the most in flight at once, per phase. */
    function tracked(concurrency: number) {
      const spans: Array<{ phase: string; type: string; id: string; start: number; end?: number }> = [];
      const inFlight = new Map<string, number>();
      const most = new Map<string, number>();
      let tick = 0;
      const handler = {
        onEvent: async (e: Parameters<FakeHandler['onEvent']>[0]) => {
          await new Promise((resolve) => setImmediate(resolve));
          return fake.onEvent(e);
        },
      };
      const d = new LocalDeployer({
        handler,
        stackName: 'TestStack',
        newRequestId: requestIds(),
        concurrency,
        onRequest: (p: RequestProgress) => {
          tick++;
          const n = (inFlight.get(p.phase) ?? 0) + (p.stage === 'start' ? 1 : -1);
          inFlight.set(p.phase, n);
          most.set(p.phase, Math.max(most.get(p.phase) ?? 0, n));
          if (p.stage === 'start') spans.push({ phase: p.phase, type: p.requestType, id: p.logicalId, start: tick });
          else [...spans].reverse().find((s) => s.id === p.logicalId && s.phase === p.phase && s.end === undefined)!.end = tick;
        },
      });
      return { d, spans, most };
    }

    it.each([1, 4])('at concurrency %i, rolls a failed update back in reverse dependency order', async (concurrency) => {
      const { d, spans, most } = tracked(concurrency);
      await d.deploy(diamond('a', false));
      fake.failWhen = (e) => (e.LogicalResourceId === 'F' ? 'F fails' : undefined);

      await expect(d.deploy(diamond('b', true))).rejects.toThrow('F failed to create');

      const rollback = spans.filter((s) => s.phase === 'rollback');
      expect(rollback.map((s) => `${s.type} ${s.id}`).sort()).toEqual([
        'Delete F',
        'Update L1',
        'Update M1',
        'Update M2',
        'Update M3',
        'Update R',
      ]);
      // Each resource is rolled back only once everything that depends on it is.
      for (const s of rollback) {
        for (const [dependent, deps] of Object.entries(DEPENDS_ON)) {
          const other = rollback.find((r) => r.id === dependent && r.type === 'Update');
          if (deps.includes(s.id) && other) expect(other.end!).toBeLessThan(s.start);
        }
      }
      expect(most.get('update')).toBe(concurrency === 1 ? 1 : 3);
      expect(most.get('rollback')).toBe(concurrency === 1 ? 1 : 3);
      if (concurrency === 1) {
        // one at a time: newest first, as before this option
        expect(rollback.filter((s) => s.type === 'Update').map((s) => s.id)).toEqual(['L1', 'M3', 'M2', 'M1', 'R']);
      }
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(d.resources().map((r) => [r.logicalId, r.properties.Value])).toEqual(['R', 'M1', 'M2', 'M3', 'L1'].map((id) => [id, 'a']));
    });

    it.each([1, 4])('at concurrency %i, rolls a failed create back deleting dependents first', async (concurrency) => {
      const { d, spans, most } = tracked(concurrency);
      fake.failWhen = (e) => (e.LogicalResourceId === 'F' ? 'F fails' : undefined);

      await expect(d.deploy(diamond('a', true))).rejects.toThrow('F failed to create');

      const deletes = spans.filter((s) => s.phase === 'rollback');
      expect(deletes.map((s) => s.id).sort()).toEqual(['F', 'L1', 'M1', 'M2', 'M3', 'R']);
      const done = (id: string) => deletes.find((s) => s.id === id)!;
      expect(done('L1').end!).toBeLessThan(done('M1').start);
      for (const m of ['M1', 'M2', 'M3']) expect(done(m).end!).toBeLessThan(done('R').start);
      expect(most.get('rollback')).toBe(concurrency === 1 ? 1 : 3);
      expect(d.status).toBe('ROLLBACK_COMPLETE');
      expect(fake.live.size).toBe(0);
    });
  });
});

describe('CloudFormation readings, the real handler under each (real bundle, emulator)', () => {
  /** Whole deploys with the real bundle: generous, the machine may be loaded (no speed target here). */
  const SLOW = 180_000;
  const OURS = 'abcdef1ghij2klmno3pqr4';
  const THEIRS = 'qrstuv5wxyz6abcde7fgh8';
  const TRUNK = ['+12065550150', '+12065550151', '+12065550152'];
  /** Not in the Chime SDK Voice inventory: associating it fails, which fails the deploy after what it depends on. */
  const NOT_IN_INVENTORY = '+12065559999';
  const FREE = ['+12065550110', '+12065550111', '+12065550112', '+13125550100', '+13125550101'];
  let w: World | undefined;
  let instance: string;
  let flows: string[];

  async function start(): Promise<World> {
    w = await startWorld();
    instance = w.emu.seedInstance({ instanceId: uuid(1) });
    flows = [uuid(11), uuid(12)].map((contactFlowId) => w!.emu.seedContactFlow({ instanceId: uuid(1), contactFlowId }));
    w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: FREE });
    for (const id of [OURS, THEIRS]) w.emu.seedVoiceConnector({ voiceConnectorId: id });
    for (const phoneNumber of TRUNK) w.emu.seedChimeNumber({ phoneNumber });
    return w;
  }
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  const snapshot = () => w!.emu.snapshot();
  const on = (connector: string) => [...(snapshot().voiceConnectors[connector] ?? [])].sort();
  /** A resource that fails once everything in `after` is done: the deploy rolls back from there. */
  function breakAfter(stack: Stack, after: IDependable[]): void {
    const breaker = new VoiceConnectorNumbers(stack, 'Breaker', { voiceConnectorId: THEIRS, phoneNumbers: [NOT_IN_INVENTORY] });
    breaker.node.addDependency(...after);
  }

  describe.each(['previous', 'current'] as const)('templateDuringRollback %s', (reading) => {
    it(
      'keeps the numbers on the connector when a rename rolls back',
      async () => {
        await start();
        const d = w!.deployer({ templateDuringRollback: reading, pollIntervalMs: 0 });
        const trunk = (id: string, failing: boolean) => {
          const stack = newStack();
          const t = new VoiceConnectorNumbers(stack, id, { voiceConnectorId: OURS, phoneNumbers: TRUNK.slice(0, 2) });
          if (failing) breakAfter(stack, [t]);
          return stack;
        };
        await d.deploy(trunk('Trunk', false));

        await expect(d.deploy(trunk('Renamed', true))).rejects.toThrow(DeployFailedError);

        expect(d.requests.filter((r) => r.phase === 'rollback' && r.answeredBy === 'handler').map((r) => r.requestType)).toContain(
          'Delete',
        );
        expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
        expect(on(OURS)).toEqual(TRUNK.slice(0, 2));
        // AND the resource the stack holds again still owns them: the stack delete takes them off
        await d.destroy();
        expect(on(OURS)).toEqual([]);
      },
      SLOW,
    );
  });

  // Under 'UpdateReplacePolicy' with the 'delete' shape no request reaches the handler for the new number
  // (no rollback Update, no Delete): that combination is not here, see docs/service-facts.md.
  describe.each([
    ['DeletionPolicy', 'delete'],
    ['DeletionPolicy', 'update-then-delete'],
    ['UpdateReplacePolicy', 'update-then-delete'],
  ] as const)('replacementRollbackPolicy %s, replacementRollback %s', (policy, shape) => {
    it(
      'a search replacement rolled back under the default removal policy leaks no number',
      async () => {
        await start();
        const d = w!.deployer({ replacementRollbackPolicy: policy, replacementRollback: shape });
        const search = (prefix: string, failing: boolean) => {
          const stack = newStack();
          const support = new ClaimedPhoneNumber(stack, 'Support', { targetArn: instance, countryCode: 'US', prefix });
          if (failing) breakAfter(stack, [support]);
          return stack;
        };
        await d.deploy(search('+1206', false));
        const original = d.resources()[0].physicalResourceId;

        await expect(d.deploy(search('+1312', true))).rejects.toThrow(DeployFailedError);

        expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
        expect(d.resources()[0].physicalResourceId).toBe(original);
        // the replacement's number was claimed, then released (with no Delete to wait for it, the release may
        // still run when the rollback ends): once a release has had time to end, only the original is held
        w!.clock.advance(20_000);
        expect(snapshot().claimed.map((n) => [n.phoneNumberArn, n.status])).toEqual([[original, 'CLAIMED']]);
        expect(snapshot().coolingDown.filter((n) => n.startsWith('+1312'))).toHaveLength(1);
      },
      SLOW,
    );
  });

  describe('concurrency', () => {
    const NUMBERS = FREE.slice(0, 3);

    /** A fleet: three numbers, each bound to a flow, and a trunk on a connector; `failing` adds a resource that fails last. */
    function fleet(v: { flow: number; description: string; trunk: string[] }, failing = false): CfnTemplate {
      const stack = newStack();
      const all: Array<ClaimedPhoneNumber | PhoneNumberFlowBinding | VoiceConnectorNumbers> = [];
      NUMBERS.forEach((phoneNumber, i) => {
        const number = new ClaimedPhoneNumber(stack, `Line${i}`, {
          targetArn: instance,
          phoneNumber,
          description: `${v.description} ${i}`,
          removalPolicy: RemovalPolicy.DESTROY,
        });
        all.push(number, new PhoneNumberFlowBinding(stack, `Line${i}Flow`, { phoneNumber: number, contactFlowArn: flows[v.flow] }));
      });
      all.push(new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: OURS, phoneNumbers: v.trunk }));
      if (failing) breakAfter(stack, all);
      return loadTemplate(stack);
    }

    /** What the account holds, without what differs from run to run (ids, markers, request ids). */
    const state = () => ({
      claimed: snapshot()
        .claimed.map((n) => ({
          phoneNumber: n.phoneNumber,
          status: n.status,
          description: n.description,
          flows: n.flows,
          owner: n.tags['cdk-phone-numbers:owner']?.replace(/@.*$/, ''),
        }))
        .sort((a, b) => a.phoneNumber.localeCompare(b.phoneNumber)),
      coolingDown: snapshot().coolingDown,
      voiceConnectors: Object.fromEntries(Object.entries(snapshot().voiceConnectors).map(([k, v]) => [k, [...v].sort()])),
    });

    async function lifecycle(concurrency: number) {
      await start();
      let inFlight = 0;
      let most = 0;
      const d = w!.deployer({
        concurrency,
        onRequest: (p: RequestProgress) => {
          inFlight += p.stage === 'start' ? 1 : -1;
          most = Math.max(most, inFlight);
        },
      });
      const states: unknown[] = [];
      await d.deploy(fleet({ flow: 0, description: 'Sales', trunk: TRUNK.slice(0, 2) }));
      states.push(state());
      await d.deploy(fleet({ flow: 1, description: 'Support', trunk: TRUNK.slice(1, 3) }));
      states.push(state());
      await expect(d.deploy(fleet({ flow: 0, description: 'Billing', trunk: [TRUNK[0]] }, true))).rejects.toThrow(DeployFailedError);
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      states.push(state());
      await d.destroy();
      expect(d.status).toBe('DELETE_COMPLETE');
      states.push(state());
      const result = { states, most };
      await w!.stop();
      w = undefined;
      return result;
    }

    it(
      'deploys, updates, rolls back and deletes a fleet at concurrency 4 with the same end states as at concurrency 1',
      async () => {
        const one = await lifecycle(1);
        const four = await lifecycle(4);

        expect(one.most).toBe(1);
        expect(four.most).toBeGreaterThan(1);
        expect(four.states).toEqual(one.states);
        // and the states are the declared ones: after the rollback as after the update, then nothing left
        const [created, updated, rolledBack, deleted] = one.states as Array<ReturnType<typeof state>>;
        expect(created.claimed.map((n) => [n.phoneNumber, n.description, Object.values(n.flows)])).toEqual(
          NUMBERS.map((n, i) => [n, `Sales ${i}`, [flows[0].split('/').at(-1)]]),
        );
        expect(created.voiceConnectors[OURS]).toEqual(TRUNK.slice(0, 2));
        expect(updated.claimed.map((n) => n.description)).toEqual(NUMBERS.map((_, i) => `Support ${i}`));
        expect(rolledBack).toEqual(updated);
        expect(deleted.claimed).toEqual([]);
        expect(deleted.voiceConnectors[OURS] ?? []).toEqual([]);
      },
      SLOW,
    );
  });
});
