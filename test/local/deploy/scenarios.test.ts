/**
 * What a user does to a deployed stack, end to end: constructs synthesized, deployed and updated by
 * the local deployer through the real handler bundle (its `index.handler` entry) against the emulator.
 * These tests check that what the constructs declare and what the handler does line up.
 */
import * as path from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../../../lib';
import { LocalDeployer, loadHandlerBundle, loadTemplate } from '../../../local/deploy';
import { settingsEnvironment } from '../../../lambda/settings';
import { createManualClock, startEmulator } from '../../../local/emulator';
import type { Emulator, ManualClock } from '../../../local/emulator';

const BUNDLE = path.join(__dirname, '..', '..', '..', 'dist', 'handler', 'index.js');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const NUMBER = '+12065550100';
const TRUNK = ['+12065550150', '+12065550151'];

describe('a deployed stack, changed the way users change it', () => {
  let emu: Emulator;
  let clock: ManualClock;
  let instance1: string;
  let instance2: string;
  let flow1: string;
  let flow1b: string;
  let flow2: string;
  const saved = { ...process.env };

  beforeEach(async () => {
    clock = createManualClock();
    emu = await startEmulator({ port: 0, clock, asyncDelayMs: 20_000, rateScale: 1000 });
    instance1 = emu.seedInstance({ instanceId: '11111111-0000-4000-8000-000000000001' });
    instance2 = emu.seedInstance({ instanceId: '22222222-0000-4000-8000-000000000002' });
    flow1 = emu.seedContactFlow({
      instanceId: '11111111-0000-4000-8000-000000000001',
      contactFlowId: 'f1000000-0000-4000-8000-000000000011',
    });
    flow1b = emu.seedContactFlow({
      instanceId: '11111111-0000-4000-8000-000000000001',
      contactFlowId: 'f1b00000-0000-4000-8000-000000000002',
    });
    flow2 = emu.seedContactFlow({
      instanceId: '22222222-0000-4000-8000-000000000002',
      contactFlowId: 'f2000000-0000-4000-8000-000000000021',
    });
    emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [NUMBER] });
    for (const id of ['av0iceconnector0000001', 'bv0iceconnector0000002']) emu.seedVoiceConnector({ voiceConnectorId: id });
    for (const phoneNumber of TRUNK) emu.seedChimeNumber({ phoneNumber });
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_CONNECT: emu.endpoint,
      AWS_ENDPOINT_URL_CHIME_SDK_VOICE: emu.endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: emu.endpoint,
      ...settingsEnvironment({ retryBaseDelayMs: 1, settleWaitMs: 0 }),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterEach(async () => {
    await emu.stop();
    process.env = { ...saved };
  });

  interface Declaration {
    readonly target: string;
    readonly flow: string;
    readonly connector: string;
    readonly removalPolicy?: RemovalPolicy;
  }

  function template(d: Declaration) {
    const stack = new Stack(new App(), 'Phones', { env: { account: ACCOUNT, region: REGION } });
    const number = new ClaimedPhoneNumber(stack, 'Main', { targetArn: d.target, phoneNumber: NUMBER, removalPolicy: d.removalPolicy });
    new PhoneNumberFlowBinding(stack, 'MainFlow', { phoneNumber: number, contactFlowArn: d.flow });
    new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: d.connector, phoneNumbers: TRUNK });
    return loadTemplate(stack);
  }

  const deployer = () =>
    new LocalDeployer({
      handler: loadHandlerBundle(BUNDLE, 'handler'),
      stackName: 'Phones',
      region: REGION,
      accountId: ACCOUNT,
      clock,
      pollIntervalMs: 10_000,
      maxPolls: 20,
      stacks: emu.stacks,
    });
  const main = () => emu.snapshot().claimed.find((n) => n.phoneNumber === NUMBER)!;
  const sentFor = (d: LocalDeployer, logicalId: string) =>
    d.requests.filter((r) => r.logicalId.startsWith(logicalId) && r.answeredBy === 'handler').map((r) => r.requestType);

  it('changes the flow of a number in place: no replacement, nothing unbound in between', async () => {
    // GIVEN
    const d = deployer();
    await d.deploy(template({ target: instance1, flow: flow1, connector: 'av0iceconnector0000001' }));
    const bindingId = d.resources().find((r) => r.type === 'Custom::PhoneNumberFlowBinding')!.physicalResourceId;
    d.clearRequests();
    // WHEN the flow changes
    const result = await d.deploy(template({ target: instance1, flow: flow1b, connector: 'av0iceconnector0000001' }));
    // THEN the binding was updated in place, with the same physical id, and no Delete was sent
    expect(result.replaced).toEqual([]);
    expect(sentFor(d, 'MainFlow')).toEqual(['Update']);
    expect(d.resources().find((r) => r.type === 'Custom::PhoneNumberFlowBinding')!.physicalResourceId).toBe(bindingId);
    expect(main().flows).toEqual({ '11111111-0000-4000-8000-000000000001': 'f1b00000-0000-4000-8000-000000000002' });
  });

  it('moves a number to another instance and binds it there after the move', async () => {
    // GIVEN
    const d = deployer();
    await d.deploy(template({ target: instance1, flow: flow1, connector: 'av0iceconnector0000001' }));
    const arn = main().phoneNumberArn;
    d.clearRequests();
    // WHEN the number's target and flow move to instance 2
    const result = await d.deploy(template({ target: instance2, flow: flow2, connector: 'av0iceconnector0000001' }));
    // THEN the same number moved (no replacement, nothing released) and was bound in instance 2, after the move
    expect(result.replaced).toEqual([]);
    expect(main()).toMatchObject({
      phoneNumberArn: arn,
      targetArn: instance2,
      status: 'CLAIMED',
      flows: { '22222222-0000-4000-8000-000000000002': 'f2000000-0000-4000-8000-000000000021' },
    });
    const order = d.requests.map((r) => r.logicalId.replace(/[0-9A-F]{8}$/, ''));
    expect(order.indexOf('MainFlow')).toBeGreaterThan(order.indexOf('Main'));
    expect(emu.calls().filter((c) => c.operation === 'ReleasePhoneNumber')).toEqual([]);
  });

  it('moves the trunk numbers to another connector in place, never leaving them without one', async () => {
    const d = deployer();
    await d.deploy(template({ target: instance1, flow: flow1, connector: 'av0iceconnector0000001' }));
    d.clearRequests();
    emu.clearCalls();
    const result = await d.deploy(template({ target: instance1, flow: flow1, connector: 'bv0iceconnector0000002' }));
    expect(result.replaced).toEqual([]);
    expect(sentFor(d, 'Trunk')).toEqual(['Update']);
    expect(emu.snapshot().voiceConnectors['bv0iceconnector0000002']?.slice().sort()).toEqual(TRUNK);
    expect(emu.snapshot().voiceConnectors['av0iceconnector0000001'] ?? []).toEqual([]);
    // Moved by a forced association to the new connector, with no disassociation in between.
    expect(emu.calls().filter((c) => c.operation === 'DisassociatePhoneNumbersFromVoiceConnector')).toEqual([]);
  });

  it('releases the number on stack deletion only with RemovalPolicy.DESTROY', async () => {
    const retained = deployer();
    await retained.deploy(template({ target: instance1, flow: flow1, connector: 'av0iceconnector0000001' }));
    await retained.destroy();
    expect(main()).toBeDefined();
    expect(main().flows).toEqual({});

    const destroyed = deployer();
    await destroyed.deploy(
      template({ target: instance1, flow: flow1, connector: 'av0iceconnector0000001', removalPolicy: RemovalPolicy.DESTROY }),
    );
    await destroyed.destroy();
    expect(emu.snapshot().claimed).toEqual([]);
    expect(emu.snapshot().coolingDown).toEqual([NUMBER]);
  });
});
