/**
 * End to end: the example app (bin/app.ts) synthesized, deployed and destroyed by the local deployer
 * with the REAL handler bundle (dist/handler/index.js, `npm run bundle`) against the emulator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildExampleApp, EXAMPLE_DEFAULTS } from '../../../bin/app';
import { LocalDeployer, loadHandlerBundle, loadTemplate } from '../../../local/deploy';
import type { CfnTemplate, HandlerLike } from '../../../local/deploy';
import { settingsEnvironment } from '../../../lambda/settings';
import { createManualClock, startEmulator } from '../../../local/emulator';
import type { Emulator, ManualClock } from '../../../local/emulator';

const BUNDLE = path.join(__dirname, '..', '..', '..', 'dist', 'handler', 'index.js');
const OWNER_TAG = 'cdk-phone-numbers:owner';
const INSTANCE_ID = EXAMPLE_DEFAULTS.instanceArn.split('/')[1];
const FLOW_ID = EXAMPLE_DEFAULTS.contactFlowArn.split('/').at(-1)!;
const SEARCH_NUMBERS = ['+12065550110', '+12065550111', '+12065550112'];
const TRUNK_NUMBERS = EXAMPLE_DEFAULTS.trunkNumbers.split(',');
const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'x',
  AWS_REGION: EXAMPLE_DEFAULTS.region,
  ...settingsEnvironment({ retryBaseDelayMs: 1, settleWaitMs: 0 }),
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

describe('the example app, deployed locally with the real handler bundle', () => {
  let emu: Emulator;
  let clock: ManualClock;
  const savedEnv: Record<string, string | undefined> = {};

  function setEnv(vars: Record<string, string>): void {
    for (const [k, v] of Object.entries(vars)) {
      if (!(k in savedEnv)) savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
  }

  beforeAll(async () => {
    clock = createManualClock();
    // Claims stay IN_PROGRESS for 30 s of the manual clock: isComplete has to poll.
    emu = await startEmulator({ port: 0, clock, asyncDelayMs: 30_000, rateScale: 1000 });
    emu.seedInstance({ instanceId: INSTANCE_ID });
    emu.seedContactFlow({ instanceId: INSTANCE_ID, contactFlowId: FLOW_ID });
    // The adopted number is free and matches the search too: the stack's search must not take it.
    emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [...SEARCH_NUMBERS, EXAMPLE_DEFAULTS.adoptedNumber] });
    emu.seedVoiceConnector({ voiceConnectorId: EXAMPLE_DEFAULTS.voiceConnectorId });
    for (const phoneNumber of TRUNK_NUMBERS) emu.seedChimeNumber({ phoneNumber });
    setEnv({
      ...ENV,
      AWS_ENDPOINT_URL_CONNECT: emu.endpoint,
      AWS_ENDPOINT_URL_CHIME_SDK_VOICE: emu.endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: emu.endpoint,
    });
  });

  afterAll(async () => {
    await emu?.stop();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  /**
   * The bundle, loaded after the environment points at the emulator, entered where Lambda enters it:
   * the function the template's Handler names serves both phases.
   */
  function handler(template: CfnTemplate): HandlerLike {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const ours = functions.map((f) => (f.Properties as { Handler?: string }).Handler).filter((h) => h?.startsWith('index.'));
    expect(ours).toEqual(['index.handler']);
    return loadHandlerBundle(BUNDLE, 'handler');
  }

  it('claims and binds the numbers and attaches the trunk numbers; destroy unbinds and detaches but retains the numbers', async () => {
    // GIVEN
    expect(fs.existsSync(BUNDLE)).toBe(true);
    const template: CfnTemplate = loadTemplate(buildExampleApp(new App()));
    const deployer = new LocalDeployer({
      handler: handler(template),
      stackName: 'PhoneNumbersExample',
      region: EXAMPLE_DEFAULTS.region,
      accountId: EXAMPLE_DEFAULTS.account,
      clock,
      pollIntervalMs: 10_000,
      maxPolls: 271,
      stacks: emu.stacks,
    });

    // WHEN
    const result = await deployer.deploy(template);

    // THEN every custom resource was created; the rest of the stack was left alone
    expect(result.created).toHaveLength(5);
    const byType = (type: string) => deployer.resources().filter((r) => r.type === type);
    const [claims, bindings] = [byType('Custom::ClaimedPhoneNumber'), byType('Custom::PhoneNumberFlowBinding')];
    expect(claims).toHaveLength(2);
    expect(bindings).toHaveLength(2);
    expect(deployer.requests.find((r) => r.resourceType === 'Custom::ClaimedPhoneNumber')!.polls).toBeGreaterThan(1);

    const snap = emu.snapshot();
    expect(snap.claimed).toHaveLength(2);
    const main = snap.claimed.find((n) => n.phoneNumber === EXAMPLE_DEFAULTS.adoptedNumber)!;
    const support = snap.claimed.find((n) => n.phoneNumber !== EXAMPLE_DEFAULTS.adoptedNumber)!;
    expect(SEARCH_NUMBERS).toContain(support.phoneNumber);
    for (const n of [main, support]) {
      expect(n).toMatchObject({ status: 'CLAIMED', targetArn: EXAMPLE_DEFAULTS.instanceArn, flows: { [INSTANCE_ID]: FLOW_ID } });
      expect(n.tags[OWNER_TAG]).toEqual(expect.any(String));
    }
    expect(main.description).toBe('Main published number');
    expect(support).toMatchObject({ description: 'Customer support', tags: { team: 'support' } });
    expect(claims.map((c) => c.physicalResourceId).sort()).toEqual([main.phoneNumberArn, support.phoneNumberArn].sort());
    expect([...(snap.voiceConnectors[EXAMPLE_DEFAULTS.voiceConnectorId] ?? [])].sort()).toEqual(TRUNK_NUMBERS);

    // AND deploying the same template again sends nothing
    deployer.clearRequests();
    await expect(deployer.deploy(template)).resolves.toMatchObject({ created: [], updated: [], deleted: [] });
    expect(deployer.requests).toHaveLength(0);

    // WHEN
    await deployer.destroy();

    // THEN the numbers stay claimed (RemovalPolicy RETAIN), unbound; the trunk numbers are detached
    expect(deployer.requests.map((r) => `${r.requestType} ${r.resourceType} ${r.status}`).sort()).toEqual([
      'Delete Custom::PhoneNumberFlowBinding SUCCESS',
      'Delete Custom::PhoneNumberFlowBinding SUCCESS',
      'Delete Custom::VoiceConnectorNumbers SUCCESS',
    ]);
    expect(deployer.retained.map((r) => r.logicalId).sort()).toEqual(claims.map((c) => c.logicalId).sort());
    const after = emu.snapshot();
    expect(after.claimed.map((n) => n.phoneNumber).sort()).toEqual([main.phoneNumber, support.phoneNumber].sort());
    for (const n of after.claimed) expect(n.flows).toEqual({});
    expect(after.voiceConnectors[EXAMPLE_DEFAULTS.voiceConnectorId] ?? []).toEqual([]);
  });
});
