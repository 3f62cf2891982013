/**
 * Every verdict of `cdk-phone-numbers audit` from a real situation: stacks deployed by the local
 * deployer with the REAL handler bundle against the emulator, then changed by hand through the SDK the
 * way a person in the console would.
 */
import { ChimeSDKVoiceClient, AssociatePhoneNumbersWithVoiceConnectorCommand } from '@aws-sdk/client-chime-sdk-voice';
import {
  AssociatePhoneNumberContactFlowCommand,
  ConnectClient,
  ReleasePhoneNumberCommand,
  UpdatePhoneNumberMetadataCommand,
} from '@aws-sdk/client-connect';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, PhoneNumberType, VoiceConnectorNumbers } from '../../lib';
import { loadTemplate } from '../../local/deploy';
import { ACCOUNT, REGION, startWorld, uuid, type World } from '../local/deploy/real-stack';
import { audit, type JsonReport } from './helpers';

const MAIN = '+12065550100';
const SECOND = '+12065550101';
const KEPT = '+12065550102';
const BYSTANDER = '+12065550199';
const FREE = ['+12065550110', '+12065550111'];
const TRUNK = ['+12065550150', '+12065550151'];
const SPARE = '+12065550152';
const VC1 = 'av0iceconnector0000001';
const VC2 = 'bv0iceconnector0000002';

/** An app that writes construct paths into the template, as the CDK CLI's apps do. */
const app = () => new App({ context: { 'aws:cdk:enable-path-metadata': true } });

describe('cdk-phone-numbers audit: each verdict from a real situation', () => {
  let world: World;
  let instance: string;
  let flow: string;
  let otherFlow: string;
  let report: JsonReport;
  let code: number;
  const connect = () => new ConnectClient({ region: REGION });
  const row = (phoneNumber: string) => report.numbers.find((r) => r.phoneNumber === phoneNumber);

  function phones(withKept: boolean): Stack {
    const stack = new Stack(app(), 'Phones', { env: { account: ACCOUNT, region: REGION } });
    const main = new ClaimedPhoneNumber(stack, 'Main', {
      targetArn: instance,
      phoneNumber: MAIN,
      description: 'Main line',
      tags: { team: 'ops' },
    });
    new PhoneNumberFlowBinding(stack, 'MainFlow', { phoneNumber: main, contactFlowArn: flow });
    new ClaimedPhoneNumber(stack, 'Second', { targetArn: instance, phoneNumber: SECOND });
    new ClaimedPhoneNumber(stack, 'Search', {
      targetArn: instance,
      countryCode: 'US',
      phoneNumberType: PhoneNumberType.DID,
      prefix: '+1206555011',
    });
    if (withKept) new ClaimedPhoneNumber(stack, 'Kept', { targetArn: instance, phoneNumber: KEPT, removalPolicy: RemovalPolicy.RETAIN });
    new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: VC1, phoneNumbers: TRUNK });
    return stack;
  }

  function other(): Stack {
    const stack = new Stack(app(), 'Other', { env: { account: ACCOUNT, region: REGION } });
    new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: VC1, phoneNumbers: [TRUNK[0]] });
    return stack;
  }

  beforeAll(async () => {
    world = await startWorld();
    const { emu } = world;
    instance = emu.seedInstance({ instanceId: uuid(1) });
    flow = emu.seedContactFlow({ instanceId: uuid(1), contactFlowId: uuid(11) });
    otherFlow = emu.seedContactFlow({ instanceId: uuid(1), contactFlowId: uuid(12) });
    emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [MAIN, SECOND, KEPT, ...FREE] });
    emu.seedClaimedNumber({ phoneNumber: BYSTANDER, targetArn: instance, description: 'claimed by hand' });
    for (const id of [VC1, VC2]) emu.seedVoiceConnector({ voiceConnectorId: id });
    for (const phoneNumber of [...TRUNK, SPARE]) emu.seedChimeNumber({ phoneNumber });

    // GIVEN two deployed stacks: Phones, then Phones again without Kept (RETAIN keeps its number), and Other
    const phonesDeployer = world.deployer({ stackName: 'Phones' });
    await phonesDeployer.deploy(loadTemplate(phones(true)));
    await phonesDeployer.deploy(loadTemplate(phones(false)));
    await world.deployer({ stackName: 'Other' }).deploy(loadTemplate(other()));

    // AND hand changes: Main rebound to another flow and described otherwise, Second released, a trunk number moved
    const c = connect();
    const claimed = emu.snapshot().claimed;
    const arnOf = (e164: string) => claimed.find((n) => n.phoneNumber === e164)!.phoneNumberArn;
    await c.send(new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId: arnOf(MAIN), InstanceId: uuid(1), ContactFlowId: otherFlow }));
    await c.send(new UpdatePhoneNumberMetadataCommand({ PhoneNumberId: arnOf(MAIN), PhoneNumberDescription: 'changed in the console' }));
    await c.send(new ReleasePhoneNumberCommand({ PhoneNumberId: arnOf(SECOND) }));
    c.destroy();
    world.clock.advance(60_000); // the metadata update completes
    const chime = new ChimeSDKVoiceClient({ region: REGION });
    await chime.send(
      new AssociatePhoneNumbersWithVoiceConnectorCommand({ VoiceConnectorId: VC2, E164PhoneNumbers: [TRUNK[1]], ForceAssociate: true }),
    );
    chime.destroy();

    // WHEN the audit reads every stack
    const run = await audit(['--json']);
    code = run.code;
    report = JSON.parse(run.stdout) as JsonReport;
  });
  afterAll(async () => {
    await world.stop();
  });

  it('finds ok: a number found by search, as declared', () => {
    const search = report.numbers.filter((r) => r.holder === 'Phones/Search');
    expect(search).toEqual([
      expect.objectContaining({ verdict: 'ok', service: 'connect', differences: [], declaredBy: ['Phones/Search'] }),
    ]);
    expect(FREE).toContain(search[0].phoneNumber);
  });

  it('finds drift: the flow declared and the flow found, and the description changed by hand', () => {
    expect(row(MAIN)).toMatchObject({
      verdict: 'drift',
      holder: 'Phones/Main',
      declaredBy: ['Phones/Main', 'Phones/MainFlow'],
      flow: otherFlow,
    });
    expect(row(MAIN)!.differences).toEqual([
      { field: 'description', declared: 'Main line', actual: 'changed in the console' },
      { field: 'flow', declared: flow, actual: otherFlow },
    ]);
  });

  it('finds drift on a Chime number moved to another voice connector', () => {
    expect(row(TRUNK[1])).toMatchObject({
      verdict: 'drift',
      service: 'chime-sdk-voice',
      holder: 'Phones/Trunk',
      voiceConnector: VC2,
      differences: [{ field: 'voiceConnector', declared: VC1, actual: VC2 }],
    });
  });

  it('finds missing: a declared number released by hand', () => {
    expect(row(SECOND)).toMatchObject({ verdict: 'missing', holder: 'Phones/Second', declaredBy: ['Phones/Second'] });
    expect(row(SECOND)!.phoneNumberArn).toBeUndefined();
  });

  it('finds conflict: a Chime number two stacks both declare', () => {
    expect(row(TRUNK[0])).toMatchObject({ verdict: 'conflict', declaredBy: ['Phones/Trunk', 'Other/Trunk'] });
  });

  it('finds kept: a number its removal policy kept when its resource left the stack', () => {
    expect(row(KEPT)).toMatchObject({ verdict: 'kept', holder: expect.stringMatching(/^Phones\/Kept[0-9A-F]{8}$/), declaredBy: [] });
  });

  it('finds unowned: a number claimed by hand, and a Chime inventory number no stack lists', () => {
    expect(row(BYSTANDER)).toMatchObject({ verdict: 'unowned', declaredBy: [], differences: [] });
    expect(row(BYSTANDER)!.holder).toBeUndefined();
    expect(row(SPARE)).toMatchObject({ verdict: 'unowned', service: 'chime-sdk-voice' });
  });

  it('counts each verdict in the summary and fails the pipeline step (exit 1)', () => {
    expect(report.summary).toEqual({ ok: 1, drift: 2, missing: 1, conflict: 1, kept: 1, unowned: 2 });
    expect(report.numbers).toHaveLength(8);
    expect(report.audited).toEqual({ region: REGION, source: 'stacks', stacks: ['Phones', 'Other'] });
    expect(code).toBe(1);
  });
});
