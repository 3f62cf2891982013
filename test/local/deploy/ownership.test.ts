/**
 * One number, many hands (issue 15): several stacks on one emulator, and hand changes between and
 * during deploys, through the local deployer with the real handler bundle (`npm run bundle`). Each
 * numbered case of the issue is one describe block; each test says which number is at stake and who
 * must hold it at the end.
 */
import {
  ConnectClient,
  DisassociatePhoneNumberContactFlowCommand,
  ReleasePhoneNumberCommand,
  UpdatePhoneNumberCommand,
} from '@aws-sdk/client-connect';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding } from '../../../lib';
import { DeployFailedError, LocalDeployer, loadHandlerBundle } from '../../../local/deploy';
import { ACCOUNT, BUNDLE, OWNER_TAG, REGION, startWorld, uuid, type World } from './real-stack';

const NUMBER = '+12065550100';
const OTHER_FREE = '+12065550101';
const NOT_FOR_SALE = '+12065559999';

describe('ownership across stacks and hand changes (issue 15)', () => {
  let w: World;
  let instance1: string;
  let instance2: string;
  let flow1: string;
  let flow2: string;
  let flow3: string;
  let sdk: ConnectClient;

  beforeEach(async () => {
    w = await startWorld();
    instance1 = w.emu.seedInstance({ instanceId: uuid(1) });
    instance2 = w.emu.seedInstance({ instanceId: uuid(2) });
    flow1 = w.emu.seedContactFlow({ instanceId: uuid(1), contactFlowId: uuid(11) });
    flow2 = w.emu.seedContactFlow({ instanceId: uuid(1), contactFlowId: uuid(12) });
    flow3 = w.emu.seedContactFlow({ instanceId: uuid(1), contactFlowId: uuid(13) });
    w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [NUMBER, OTHER_FREE] });
    // Someone at the console: the SDK against the same emulator.
    sdk = new ConnectClient({
      region: REGION,
      endpoint: w.emu.endpoint,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    });
  });
  afterEach(async () => {
    sdk.destroy();
    await w.stop();
  });

  const stackNamed = (name: string): Stack => new Stack(new App(), name, { env: { account: ACCOUNT, region: REGION } });
  const deployerOf = (name: string): LocalDeployer => w.deployer({ stackName: name });
  const number = (n = NUMBER) => w.emu.snapshot().claimed.find((c) => c.phoneNumber === n);
  const calls = (op: string) => w.emu.calls().filter((c) => c.operation === op && c.status < 300);

  interface Main {
    readonly phoneNumber?: string;
    readonly target?: string;
    readonly description?: string;
    readonly takeOver?: boolean;
    readonly removalPolicy?: RemovalPolicy;
    /** Construct id -> flow, bound to the number. */
    readonly bindings?: Record<string, string>;
    /** Bind this ARN (fromPhoneNumberArn) instead of declaring the number. */
    readonly boundArn?: string;
    readonly bindingTakeOver?: boolean;
    /** Search mode (US, +1206) instead of a specific number. */
    readonly search?: boolean;
    /** Another ClaimedPhoneNumber of the same stack pinned to this number. */
    readonly pinned?: string;
    /** A resource after the others whose claim is refused: the deploy rolls back. */
    readonly breaker?: boolean;
  }

  function declare(name: string, m: Main): Stack {
    const stack = stackNamed(name);
    let main: ClaimedPhoneNumber | undefined;
    if (m.boundArn === undefined) {
      main = new ClaimedPhoneNumber(stack, 'Main', {
        targetArn: m.target ?? instance1,
        ...(m.search ? { countryCode: 'US', prefix: '+1206' } : { phoneNumber: m.phoneNumber ?? NUMBER }),
        description: m.description,
        removalPolicy: m.removalPolicy ?? RemovalPolicy.DESTROY,
        ...(m.takeOver ? { takeOver: true } : {}),
      });
    }
    const bound = m.boundArn ? ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Imported', m.boundArn) : main!;
    for (const [id, flow] of Object.entries(m.bindings ?? {})) {
      new PhoneNumberFlowBinding(stack, id, { phoneNumber: bound, contactFlowArn: flow, ...(m.bindingTakeOver ? { takeOver: true } : {}) });
    }
    if (m.pinned) {
      const pinned = new ClaimedPhoneNumber(stack, 'Pinned', {
        targetArn: instance1,
        phoneNumber: m.pinned,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      if (main) pinned.node.addDependency(main);
    }
    if (m.breaker) {
      const breaker = new ClaimedPhoneNumber(stack, 'Breaker', { targetArn: instance1, phoneNumber: NOT_FOR_SALE });
      for (const child of stack.node.children)
        if (child !== breaker && child instanceof ClaimedPhoneNumber) breaker.node.addDependency(child);
    }
    return stack;
  }

  describe('case 1: another stack declares the number a stack holds', () => {
    it('fails before any change, naming the holder and the opt-in; the holder keeps the number and its next change goes through', async () => {
      const a = deployerOf('PhonesA');
      await a.deploy(declare('PhonesA', { description: 'A' }));
      const arn = a.outputs('Main54E5BC70').physicalResourceId;
      const b = deployerOf('PhonesB');
      w.emu.clearCalls();

      const failure = b.deploy(declare('PhonesB', { target: instance2, description: 'B' }));

      await expect(failure).rejects.toThrow(DeployFailedError);
      await expect(failure).rejects.toThrow(/PhonesA\/Main.*takeOver/s);
      expect(b.status).toBe('ROLLBACK_COMPLETE');
      expect(calls('UpdatePhoneNumber')).toHaveLength(0);
      expect(calls('TagResource')).toHaveLength(0);
      expect(number()).toMatchObject({ phoneNumberArn: arn, targetArn: instance1, description: 'A' });
      expect(number()!.tags[OWNER_TAG]).toMatch(/^PhonesA\/Main54E5BC70@/);
      // B never held it: its destroy releases nothing.
      await b.destroy();
      expect(calls('ReleasePhoneNumber')).toHaveLength(0);

      await a.deploy(declare('PhonesA', { description: 'A, changed' }));
      expect(number()).toMatchObject({ phoneNumberArn: arn, description: 'A, changed' });
    });

    it('transfers with takeOver: the former holder then fails naming the new one, its rollback completes, its destroy touches nothing', async () => {
      const a = deployerOf('PhonesA');
      await a.deploy(declare('PhonesA', { description: 'A' }));
      const b = deployerOf('PhonesB');

      await b.deploy(declare('PhonesB', { target: instance2, description: 'B', takeOver: true }));

      expect(number()).toMatchObject({ targetArn: instance2, description: 'B' });
      expect(number()!.tags[OWNER_TAG]).toMatch(/^PhonesB\/Main54E5BC70@/);
      const failure = a.deploy(declare('PhonesA', { description: 'A, changed' }));
      await expect(failure).rejects.toThrow(/PhonesB\/Main/);
      expect(a.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(number()).toMatchObject({ targetArn: instance2, description: 'B' });

      w.emu.clearCalls();
      await a.destroy();
      expect(a.status).toBe('DELETE_COMPLETE');
      expect(calls('ReleasePhoneNumber')).toHaveLength(0);
      expect(number()).toMatchObject({ status: 'CLAIMED', targetArn: instance2, description: 'B' });
    });

    it('adopts as before a number kept by RETAIN in a stack that is gone', async () => {
      const a = deployerOf('PhonesA');
      await a.deploy(declare('PhonesA', { removalPolicy: RemovalPolicy.RETAIN }));
      await a.destroy();
      const b = deployerOf('PhonesB');

      await b.deploy(declare('PhonesB', { target: instance2 }));

      expect(number()).toMatchObject({ targetArn: instance2 });
      expect(number()!.tags[OWNER_TAG]).toMatch(/^PhonesB\/Main54E5BC70@/);
    });
  });

  describe('case 2: in one stack, a pinned number declares the number a search resource holds', () => {
    it('fails naming the search resource; the stack rolls back to one resource on the number', async () => {
      const d = deployerOf('Phones');
      await d.deploy(declare('Phones', { search: true }));
      const held = d.outputs('Main54E5BC70');
      const heldNumber = String(held.data.PhoneNumber);

      await expect(d.deploy(declare('Phones', { search: true, pinned: heldNumber }))).rejects.toThrow(/Phones\/Main/);

      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(number(heldNumber)).toMatchObject({ phoneNumberArn: held.physicalResourceId, status: 'CLAIMED' });
      expect(number(heldNumber)!.tags[OWNER_TAG]).toMatch(/^Phones\/Main54E5BC70@/);
      expect(calls('ReleasePhoneNumber')).toHaveLength(0);
    });
  });

  describe('case 3: another stack binds the number to another flow', () => {
    it('fails naming the holder binding; the number keeps ringing its flow', async () => {
      const a = deployerOf('PhonesA');
      await a.deploy(declare('PhonesA', { bindings: { Flow: flow1 } }));
      const arn = a.outputs('Main54E5BC70').physicalResourceId;
      const b = deployerOf('PhonesB');

      await expect(b.deploy(declare('PhonesB', { boundArn: arn, bindings: { Other: flow2 } }))).rejects.toThrow(/PhonesA\/Flow.*takeOver/s);

      expect(b.status).toBe('ROLLBACK_COMPLETE');
      expect(number()!.flows).toEqual({ [uuid(1)]: uuid(11) });
      await b.destroy();
      expect(number()!.flows).toEqual({ [uuid(1)]: uuid(11) });
    });

    it('transfers with takeOver; the former binding then fails naming the new one and its destroy leaves the number bound', async () => {
      // A keeps its number (RETAIN) when destroyed: only the binding was transferred.
      const a = deployerOf('PhonesA');
      await a.deploy(declare('PhonesA', { bindings: { Flow: flow1 }, removalPolicy: RemovalPolicy.RETAIN }));
      const arn = a.outputs('Main54E5BC70').physicalResourceId;
      const b = deployerOf('PhonesB');

      await b.deploy(declare('PhonesB', { boundArn: arn, bindings: { Other: flow2 }, bindingTakeOver: true }));
      expect(number()!.flows).toEqual({ [uuid(1)]: uuid(12) });

      await expect(a.deploy(declare('PhonesA', { bindings: { Flow: flow3 }, removalPolicy: RemovalPolicy.RETAIN }))).rejects.toThrow(
        /PhonesB\/Other/,
      );
      expect(a.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(number()!.flows).toEqual({ [uuid(1)]: uuid(12) });
      await a.destroy();
      expect(a.status).toBe('DELETE_COMPLETE');
      expect(number()!.flows).toEqual({ [uuid(1)]: uuid(12) });
    });
  });

  describe('case 4: a FAILED status left by an earlier operation is history', () => {
    it('retries a move that ended FAILED, and lets a description change through', async () => {
      const d = deployerOf('Phones');
      await d.deploy(declare('Phones', { description: 'one' }));
      w.emu.injectFault({ kind: 'asyncFail', operation: 'UpdatePhoneNumber', phoneNumber: NUMBER, message: 'carrier refused' });

      await expect(d.deploy(declare('Phones', { description: 'one', target: instance2 }))).rejects.toThrow(/carrier refused/);
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(number()).toMatchObject({ targetArn: instance1, status: 'FAILED' });

      await d.deploy(declare('Phones', { description: 'two' }));
      expect(number()).toMatchObject({ targetArn: instance1, description: 'two' });

      w.emu.injectFault({ kind: 'asyncFail', operation: 'UpdatePhoneNumber', phoneNumber: NUMBER, message: 'carrier refused' });
      await expect(d.deploy(declare('Phones', { description: 'two', target: instance2 }))).rejects.toThrow(/carrier refused/);
      await d.deploy(declare('Phones', { description: 'two', target: instance2 }));
      expect(number()).toMatchObject({ targetArn: instance2, status: 'CLAIMED', description: 'two' });
    });

    it('names the new cause when a later operation fails', async () => {
      const d = deployerOf('Phones');
      await d.deploy(declare('Phones', {}));
      w.emu.injectFault({ kind: 'asyncFail', operation: 'UpdatePhoneNumber', phoneNumber: NUMBER, message: 'first refusal' });
      await expect(d.deploy(declare('Phones', { target: instance2 }))).rejects.toThrow(/first refusal/);
      w.emu.injectFault({ kind: 'asyncFail', operation: 'UpdatePhoneNumber', phoneNumber: NUMBER, message: 'second refusal' });

      const failure = d.deploy(declare('Phones', { target: instance2 }));

      await expect(failure).rejects.toThrow(/second refusal/);
      await expect(failure).rejects.not.toThrow(/first refusal/);
    });
  });

  describe('case 5: drift never wedges a stack', () => {
    it('a number released by hand: the update fails naming what is gone, its rollback completes, and so does a destroy', async () => {
      const d = deployerOf('Phones');
      await d.deploy(declare('Phones', { description: 'one' }));
      await sdk.send(new ReleasePhoneNumberCommand({ PhoneNumberId: d.outputs('Main54E5BC70').physicalResourceId }));
      w.clock.advance(60_000);

      await expect(d.deploy(declare('Phones', { description: 'two' }))).rejects.toThrow(/no longer claimed/);

      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      await d.destroy();
      expect(d.status).toBe('DELETE_COMPLETE');
    });

    it('a number moved by hand during a deploy: the update puts it back', async () => {
      const d = deployerOf('Phones');
      await d.deploy(declare('Phones', { description: 'one' }));
      const arn = d.outputs('Main54E5BC70').physicalResourceId;
      const moved = w.deployer({
        stackName: 'Phones',
        onRequest: async (p) => {
          if (p.stage === 'start' && p.requestType === 'Update')
            await sdk.send(new UpdatePhoneNumberCommand({ PhoneNumberId: arn, TargetArn: instance2 }));
        },
      });
      // The same stack, through a deployer that moves the number by hand just before the Update is sent.
      await moved.deploy(declare('Phones', { description: 'one' }));
      w.clock.advance(30_000);

      await moved.deploy(declare('Phones', { description: 'two' }));

      expect(number()).toMatchObject({ phoneNumberArn: arn, targetArn: instance1, description: 'two', status: 'CLAIMED' });
    });

    it('a number unbound by hand: the binding update binds it again; destroy completes', async () => {
      const d = deployerOf('Phones');
      await d.deploy(declare('Phones', { bindings: { Flow: flow1 } }));
      await sdk.send(
        new DisassociatePhoneNumberContactFlowCommand({ PhoneNumberId: d.outputs('Main54E5BC70').physicalResourceId, InstanceId: uuid(1) }),
      );

      await d.deploy(declare('Phones', { bindings: { Flow: flow2 } }));

      expect(number()!.flows).toEqual({ [uuid(1)]: uuid(12) });
      await d.destroy();
      expect(d.status).toBe('DELETE_COMPLETE');
    });

    it('a bound number released by hand: the binding update fails naming it, the rollback and a destroy complete', async () => {
      const d = deployerOf('Phones');
      await d.deploy(declare('Phones', { bindings: { Flow: flow1 }, removalPolicy: RemovalPolicy.RETAIN }));
      await sdk.send(new ReleasePhoneNumberCommand({ PhoneNumberId: d.outputs('Main54E5BC70').physicalResourceId }));
      w.clock.advance(60_000);

      await expect(d.deploy(declare('Phones', { bindings: { Flow: flow2 }, removalPolicy: RemovalPolicy.RETAIN }))).rejects.toThrow(
        /not claimed/,
      );

      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      await d.destroy();
      expect(d.status).toBe('DELETE_COMPLETE');
    });
  });

  describe('case 6: a replacement leaks nothing whatever ends its event', () => {
    it('the waiter ends first while the new claim is in progress: after the rollback only the original number is held', async () => {
      await w.stop();
      w = await startWorld({ asyncDelayMs: 50_000 });
      instance1 = w.emu.seedInstance({ instanceId: uuid(1) });
      w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [NUMBER, OTHER_FREE] });
      // The waiter's total timeout, read at each request: the Provider's 45 minutes, then 40 s for the replacement.
      let waiterMs = 45 * 60_000;
      const d = new LocalDeployer({
        handler: loadHandlerBundle(BUNDLE, 'handler'),
        stackName: 'Phones',
        region: REGION,
        accountId: ACCOUNT,
        clock: w.clock,
        pollIntervalMs: 20_000,
        stacks: w.emu.stacks,
        get totalTimeoutMs() {
          return waiterMs;
        },
      });
      await d.deploy(declare('Phones', { removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE }));
      const original = d.outputs('Main54E5BC70').physicalResourceId;
      waiterMs = 40_000;

      await expect(
        d.deploy(declare('Phones', { phoneNumber: OTHER_FREE, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE })),
      ).rejects.toThrow(/timed out/);

      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      w.clock.advance(120_000);
      expect(w.emu.snapshot().claimed.map((c) => c.phoneNumberArn)).toEqual([original]);
    });
  });
});
