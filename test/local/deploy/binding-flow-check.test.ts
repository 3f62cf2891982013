/**
 * Issue 21, guarantee 1: a binding's Delete unbinds the number only while it is still bound to this
 * binding's flow. Whole deploys with the real handler bundle (`npm run bundle`), in situations where the
 * ownership tags still name the binding, so that the flow check alone decides: a number rebound by hand,
 * rebound by hand after the stack moved it, and rebound by hand before a rolled-back rename puts back an
 * earlier owner that had no flow. Each test fails when the Delete unbinds whatever flow the number rings
 * (docs/mutation.md tells how that was checked).
 */
import { AssociatePhoneNumberContactFlowCommand, ConnectClient, TagResourceCommand } from '@aws-sdk/client-connect';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../../../lib';
import {
  DeployFailedError,
  loadHandlerBundle,
  loadTemplate,
  type CustomResourceEvent,
  type SingleFunctionHandler,
} from '../../../local/deploy';
import { BINDING_TAG, FLOW_TAG, PRIOR_BINDING_TAG, PRIOR_FLOW_TAG } from '../../../lambda/flow-intent';
import { BUNDLE, REGION, newStack, startWorld, uuid, type World } from './real-stack';

const NUMBER = '+12065550100';
const INST_1 = uuid(1);
const INST_2 = uuid(2);
const FLOW_A = uuid(10);
const FLOW_B = uuid(11);
const FLOW_C = uuid(20);
const FLOW_D = uuid(21);
const CONNECTOR = 'abcdef1ghij2klmno3pqr4';
/** Not in the Chime SDK Voice inventory: associating it fails the deploy once the bindings are done. */
const NOT_IN_INVENTORY = '+12065559999';

describe("a binding's Delete unbinds only the flow it bound (issue 21, guarantee 1)", () => {
  let w: World;
  let instance1: string;
  let instance2: string;
  const flows: Record<string, string> = {};
  let connect: ConnectClient;

  beforeEach(async () => {
    w = await startWorld();
    instance1 = w.emu.seedInstance({ instanceId: INST_1 });
    instance2 = w.emu.seedInstance({ instanceId: INST_2 });
    for (const [id, instanceId] of [
      [FLOW_A, INST_1],
      [FLOW_B, INST_1],
      [FLOW_C, INST_2],
      [FLOW_D, INST_2],
    ])
      flows[id] = w.emu.seedContactFlow({ instanceId, contactFlowId: id });
    w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [NUMBER] });
    w.emu.seedVoiceConnector({ voiceConnectorId: CONNECTOR });
    connect = new ConnectClient({
      region: REGION,
      endpoint: w.emu.endpoint,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    });
  });
  afterEach(async () => {
    connect.destroy();
    await w.stop();
  });

  /** The stack: the number claimed to `target`, bound by each binding (construct id -> flow id). */
  function template(target: string, bindings: Record<string, string>, failAfterBindings = false) {
    const stack = newStack();
    const number = new ClaimedPhoneNumber(stack, 'Main', { targetArn: target, phoneNumber: NUMBER });
    const made = Object.entries(bindings).map(
      ([id, flow]) => new PhoneNumberFlowBinding(stack, id, { phoneNumber: number, contactFlowArn: flows[flow] }),
    );
    if (failAfterBindings) {
      const breaker = new VoiceConnectorNumbers(stack, 'Breaker', { voiceConnectorId: CONNECTOR, phoneNumbers: [NOT_IN_INVENTORY] });
      for (const b of [...made, number]) breaker.node.addDependency(b);
    }
    return loadTemplate(stack);
  }

  const main = () => w.emu.snapshot().claimed.find((n) => n.phoneNumber === NUMBER)!;
  const disassociations = () => w.emu.calls().filter((c) => c.operation === 'DisassociatePhoneNumberContactFlow');
  /** Binds the number by hand (console, CLI, another tool): its tags are left as they are. */
  const bindByHand = (instanceId: string, flowId: string) =>
    connect.send(
      new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId: main().phoneNumberArn, InstanceId: instanceId, ContactFlowId: flowId }),
    );

  it('leaves a flow set by hand when the binding whose tags the number still carries is removed', async () => {
    // GIVEN a number bound to flow A by 'MainFlow'
    const d = w.deployer();
    await d.deploy(template(instance1, { MainFlow: FLOW_A }));
    // AND rebound by hand to flow B, its tags still naming 'MainFlow' and flow A
    await bindByHand(INST_1, FLOW_B);
    expect(main().flows).toEqual({ [INST_1]: FLOW_B });
    expect(main().tags).toMatchObject({ [BINDING_TAG]: expect.stringMatching(/^Phones\/MainFlow/), [FLOW_TAG]: flows[FLOW_A] });
    w.emu.clearCalls();
    // WHEN the binding is removed
    await d.deploy(template(instance1, {}));
    // THEN the Delete ran, unbound nothing, and the number still rings the flow set by hand
    expect(d.status).toBe('UPDATE_COMPLETE');
    expect(d.requests.some((r) => r.requestType === 'Delete' && r.logicalId.startsWith('MainFlow'))).toBe(true);
    expect(main().flows).toEqual({ [INST_1]: FLOW_B });
    expect(disassociations()).toHaveLength(0);
    // AND its tags no longer name the binding (it is gone)
    expect(main().tags[BINDING_TAG]).toBeUndefined();
  });

  it('leaves a flow set by hand after the stack moved the number and its binding to another instance', async () => {
    // GIVEN a number in instance 1 on flow A, then moved by the stack to instance 2 on flow C
    const d = w.deployer();
    await d.deploy(template(instance1, { MainFlow: FLOW_A }));
    await d.deploy(template(instance2, { MainFlow: FLOW_C }));
    expect(main()).toMatchObject({ targetArn: instance2, flows: { [INST_2]: FLOW_C } });
    // AND rebound by hand to flow D of instance 2
    await bindByHand(INST_2, FLOW_D);
    w.emu.clearCalls();
    // WHEN the binding is removed
    await d.deploy(template(instance2, {}));
    // THEN flow D still rings, in instance 2 only
    expect(d.status).toBe('UPDATE_COMPLETE');
    expect(main().flows).toEqual({ [INST_2]: FLOW_D });
    expect(disassociations()).toHaveLength(0);
  });

  it('leaves a flow set by hand during a rename that rolls back to an earlier owner with no flow', async () => {
    // GIVEN a handler that, before the new binding's Delete in the rollback below, rebinds the number by hand to flow A
    const real = loadHandlerBundle(BUNDLE, 'handler') as SingleFunctionHandler;
    let rebound = false;
    const handler: SingleFunctionHandler = async (event, context) => {
      const e = event as CustomResourceEvent;
      if (!rebound && e.RequestType === 'Delete' && e.LogicalResourceId.startsWith('Renamed')) {
        rebound = true;
        expect(main().tags).toMatchObject({ [PRIOR_BINDING_TAG]: earlier });
        expect(main().tags[PRIOR_FLOW_TAG]).toBeUndefined();
        await bindByHand(INST_1, FLOW_A);
      }
      return real(event, context);
    };
    const d = w.deployer({ handler });
    // AND a number with no flow whose tags name an earlier binding and no flow (written by hand or an older tool)
    await d.deploy(template(instance1, {}));
    const earlier = 'Phones/EarlierFlow';
    await connect.send(new TagResourceCommand({ resourceArn: main().phoneNumberArn, tags: { [BINDING_TAG]: earlier } }));
    w.emu.clearCalls();
    // WHEN a new binding 'Renamed' binds flow B, then the update fails and rolls back
    await expect(d.deploy(template(instance1, { Renamed: FLOW_B }, true))).rejects.toThrow(DeployFailedError);
    // THEN the rollback put the earlier owner back and left the hand-set flow A bound
    expect(rebound).toBe(true);
    expect(d.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(main().flows).toEqual({ [INST_1]: FLOW_A });
    expect(disassociations()).toHaveLength(0);
    expect(main().tags).toMatchObject({ [BINDING_TAG]: earlier });
    expect(main().tags[FLOW_TAG]).toBeUndefined();
  });
});
