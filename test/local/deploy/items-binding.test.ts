/**
 * Issue 7, items 3 and 6, as whole deploys: a PhoneNumberFlowBinding renamed (new logical id), and a
 * binding rolled back while its number is in another instance, through the local deployer with the
 * real handler bundle (`npm run bundle`) against the emulator, which also serves the stack's status and
 * template over CloudFormation's API as the deployer publishes them.
 */
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../../../lib';
import {
  DeployFailedError,
  loadTemplate,
  type LocalDeployer,
  type LocalDeployerOptions,
  type RequestProgress,
} from '../../../local/deploy';
import type { Emulator } from '../../../local/emulator';
import { newStack, startWorld, type World } from './real-stack';

const NUMBER = '+12065550100';
const INST_1 = '11111111-0000-4000-8000-000000000001';
const INST_2 = '22222222-0000-4000-8000-000000000002';
const FLOW_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const FLOW_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const FLOW_C = 'cccccccc-0000-4000-8000-00000000000c';
const CONNECTOR = 'abcdef1ghij2klmno3pqr4';
/** Not in the Chime SDK Voice inventory: associating it fails, which fails the deploy after what it depends on. */
const NOT_IN_INVENTORY = '+12065559999';

describe('PhoneNumberFlowBinding through whole deploys (issue 7, items 3 and 6)', () => {
  let emu: Emulator;
  let instance1: string;
  let instance2: string;
  let flowA: string;
  let flowB: string;
  let flowC: string;
  let w: World;

  beforeEach(async () => {
    w = await startWorld();
    ({ emu } = w);
    instance1 = emu.seedInstance({ instanceId: INST_1 });
    instance2 = emu.seedInstance({ instanceId: INST_2 });
    flowA = emu.seedContactFlow({ instanceId: INST_1, contactFlowId: FLOW_A });
    flowB = emu.seedContactFlow({ instanceId: INST_1, contactFlowId: FLOW_B });
    flowC = emu.seedContactFlow({ instanceId: INST_2, contactFlowId: FLOW_C });
    emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [NUMBER] });
    emu.seedVoiceConnector({ voiceConnectorId: CONNECTOR });
  });
  afterEach(async () => w.stop());

  interface Declaration {
    readonly target: string;
    /** Construct id of the binding (its logical id follows from it) -> its flow. */
    readonly bindings: Record<string, string>;
    /** A resource that fails once the bindings (and the number) are done, so that the update rolls back. */
    readonly failAfterBindings?: boolean;
    /** Bind the number by this literal ARN (ClaimedPhoneNumber.fromPhoneNumberArn): the bindings then do not depend on it. */
    readonly numberArn?: string;
    readonly description?: string;
  }

  function template(d: Declaration) {
    const stack = newStack();
    const number = new ClaimedPhoneNumber(stack, 'Main', { targetArn: d.target, phoneNumber: NUMBER, description: d.description });
    const bound = d.numberArn ? ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Imported', d.numberArn) : number;
    const bindings = Object.entries(d.bindings).map(
      ([id, flow]) => new PhoneNumberFlowBinding(stack, id, { phoneNumber: bound, contactFlowArn: flow }),
    );
    if (d.failAfterBindings) {
      const breaker = new VoiceConnectorNumbers(stack, 'Breaker', { voiceConnectorId: CONNECTOR, phoneNumbers: [NOT_IN_INVENTORY] });
      for (const b of [...bindings, number]) breaker.node.addDependency(b);
    }
    return loadTemplate(stack);
  }

  const deployer = (options: Partial<LocalDeployerOptions> = {}) => w.deployer({ pollIntervalMs: 10_000, maxPolls: 30, ...options });
  const main = () => emu.snapshot().claimed.find((n) => n.phoneNumber === NUMBER)!;
  /** The handler's requests as `phase RequestType LogicalIdPrefix`, the CDK hash cut off. */
  const sent = (d: LocalDeployer) =>
    d.requests
      .filter((r) => r.answeredBy === 'handler')
      .map((r) => `${r.phase} ${r.requestType} ${r.logicalId.replace(/[0-9A-F]{8}$/, '')}`);

  describe('item 3: a renamed binding', () => {
    it("keeps ringing after the rename: the old binding's cleanup Delete leaves the number bound", async () => {
      // GIVEN a number bound to flow A by 'MainFlow'
      const d = deployer();
      await d.deploy(template({ target: instance1, bindings: { MainFlow: flowA } }));
      // WHEN the binding is renamed (same number, same flow)
      await d.deploy(template({ target: instance1, bindings: { Renamed: flowA } }));
      // THEN the deploy created the new one, deleted the old one in the cleanup, and the number still rings flow A
      expect(sent(d)).toEqual(expect.arrayContaining(['update Create Renamed', 'cleanup Delete MainFlow']));
      expect(d.status).toBe('UPDATE_COMPLETE');
      expect(main().flows).toEqual({ [INST_1]: FLOW_A });
      // AND removing the renamed binding later unbinds it (it owns the number now)
      await d.deploy(template({ target: instance1, bindings: {} }));
      expect(main().flows).toEqual({});
    });

    it('answers the flow the number rings as the ContactFlowArn attribute, before and after the flow changes', async () => {
      const d = deployer();
      await d.deploy(template({ target: instance1, bindings: { MainFlow: flowA } }));
      const logicalId = () => Object.keys(d.deployedTemplate!.Resources).find((id) => id.startsWith('MainFlow')) as string;
      expect(d.outputs(logicalId()).data).toMatchObject({ ContactFlowArn: flowA, PhoneNumberArn: main().phoneNumberArn });
      await d.deploy(template({ target: instance1, bindings: { MainFlow: flowB } }));
      expect(d.outputs(logicalId()).data).toMatchObject({ ContactFlowArn: flowB });
      expect(main().flows).toEqual({ [INST_1]: FLOW_B });
    });

    it('keeps ringing after a rename that also changes the flow', async () => {
      const d = deployer();
      await d.deploy(template({ target: instance1, bindings: { MainFlow: flowA } }));
      await d.deploy(template({ target: instance1, bindings: { Renamed: flowB } }));
      expect(d.status).toBe('UPDATE_COMPLETE');
      expect(main().flows).toEqual({ [INST_1]: FLOW_B });
    });

    it("rolls a failed rename back to the old flow and owner: the new binding's Delete in the rollback cleanup puts them back", async () => {
      // GIVEN a number bound to flow A by 'MainFlow'
      const d = deployer();
      await d.deploy(template({ target: instance1, bindings: { MainFlow: flowA } }));
      d.clearRequests();
      // WHEN a rename to flow B fails after the new binding is created
      await expect(d.deploy(template({ target: instance1, bindings: { Renamed: flowB }, failAfterBindings: true }))).rejects.toThrow(
        DeployFailedError,
      );
      // THEN the stack rolled back cleanly, the new binding was deleted in the rollback's cleanup, and flow A rings again
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(sent(d)).toEqual(expect.arrayContaining(['update Create Renamed', 'rollback Delete Renamed']));
      expect(d.requests.find((r) => r.phase === 'rollback' && r.logicalId.startsWith('Renamed'))?.stackStatus).toBe(
        'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      );
      expect(main().flows).toEqual({ [INST_1]: FLOW_A });
      // AND 'MainFlow' owns the number again: removing it unbinds the number
      await d.deploy(template({ target: instance1, bindings: {} }));
      expect(main().flows).toEqual({});
    });
  });

  describe('item 6: a binding rolled back while its number is in another instance', () => {
    it("binding rolled back before its number: records the flow, completes, and the number's completion binds it back home", async () => {
      // GIVEN the number in instance 1 on flow A
      const d = deployer();
      await d.deploy(template({ target: instance1, bindings: { MainFlow: flowA } }));
      const arn = main().phoneNumberArn;
      d.clearRequests();
      // WHEN an update moves it to instance 2 on flow C, and fails after the binding
      await expect(d.deploy(template({ target: instance2, bindings: { MainFlow: flowC }, failAfterBindings: true }))).rejects.toThrow(
        DeployFailedError,
      );
      // THEN CloudFormation rolled the binding back first (its number still in instance 2), then the number
      const rollback = sent(d).filter((s) => s.startsWith('rollback Update'));
      expect(rollback).toEqual(['rollback Update MainFlow', 'rollback Update Main']);
      // AND the stack is not UPDATE_ROLLBACK_FAILED: the same number is back in instance 1, ringing flow A
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(main()).toMatchObject({ phoneNumberArn: arn, targetArn: instance1, status: 'CLAIMED', flows: { [INST_1]: FLOW_A } });
    });

    it('number rolled back before its binding: the binding finds it home and binds it at once', async () => {
      // GIVEN the number in instance 1 on flow A, its binding naming it by ARN (so that the two run in parallel;
      // the rollback runs them in parallel too: the binding's rollback is held until the number's has ended)
      let numberRolledBack: () => void = () => undefined;
      const numberHome = new Promise<void>((resolve) => (numberRolledBack = resolve));
      const d = deployer({
        concurrency: 2,
        onRequest: async (p: RequestProgress) => {
          if (p.phase !== 'rollback' || p.requestType !== 'Update') return;
          if (p.stage === 'end' && p.logicalId.startsWith('Main') && !p.logicalId.startsWith('MainFlow')) numberRolledBack();
          if (p.stage === 'start' && p.logicalId.startsWith('MainFlow')) await numberHome;
        },
      });
      await d.deploy(template({ target: instance1, bindings: { MainFlow: flowA }, description: 'support' }));
      const arn = main().phoneNumberArn;
      await d.deploy(template({ target: instance1, bindings: { MainFlow: flowA }, description: 'support', numberArn: arn }));
      d.clearRequests();
      // WHEN an update moves it to instance 2 on flow C (the binding waits for it there, and finishes first: the
      // number still changes its description after the move), then fails
      await expect(
        d.deploy(
          template({ target: instance2, bindings: { MainFlow: flowC }, description: 'sales', numberArn: arn, failAfterBindings: true }),
        ),
      ).rejects.toThrow(DeployFailedError);
      // THEN CloudFormation rolled the number back first, then the binding
      const rollback = sent(d).filter((s) => s.startsWith('rollback Update'));
      expect(rollback).toEqual(['rollback Update Main', 'rollback Update MainFlow']);
      // AND the binding bound flow A at once (no wait), the stack rolled back cleanly
      expect(d.requests.find((r) => r.phase === 'rollback' && r.logicalId.startsWith('MainFlow'))?.polls).toBe(1);
      expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(main()).toMatchObject({
        phoneNumberArn: arn,
        targetArn: instance1,
        status: 'CLAIMED',
        description: 'support',
        flows: { [INST_1]: FLOW_A },
      });
    });
  });
});
