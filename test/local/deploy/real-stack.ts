/**
 * Whole deploys for the lifecycle tests: the emulator on a manual clock, publishing the stack's state
 * (CloudFormation's DescribeStacks / GetTemplate answered from `emulator.stacks`), and a LocalDeployer
 * running the REAL handler bundle (dist/handler/index.js) through its Lambda entry point.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { settingsEnvironment } from '../../../lambda/settings';
import { LocalDeployer, loadHandlerBundle, type LocalDeployerOptions } from '../../../local/deploy';
import { createManualClock, startEmulator, type Emulator, type EmulatorOptions, type ManualClock } from '../../../local/emulator';

export const BUNDLE = path.join(__dirname, '..', '..', '..', 'dist', 'handler', 'index.js');
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const ALT_REGION = 'us-west-2';
export const STACK_NAME = 'Phones';
export const OWNER_TAG = 'cdk-phone-numbers:owner';

export interface World {
  readonly emu: Emulator;
  readonly clock: ManualClock;
  deployer(options?: Partial<LocalDeployerOptions>): LocalDeployer;
  stop(): Promise<void>;
}

/** Starts the emulator and points the handler's SDK clients at it (Connect, Chime, CloudFormation). */
export async function startWorld(options: EmulatorOptions = {}, env: Record<string, string> = {}): Promise<World> {
  const clock = createManualClock();
  const emu = await startEmulator({ port: 0, clock, asyncDelayMs: 20_000, rateScale: 1000, phoneNumbersPerTarget: 100, ...options });
  const saved = { ...process.env };
  // The handler's own clock (its completion deadline) follows the emulator's manual clock, as in a
  // real deploy where both see the same time. The bundle runs in this realm, so it reads this Date.
  const realNow = Date.now;
  const base = clock.now();
  Date.now = () => realNow() + (clock.now() - base);
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_CONNECT: emu.endpoint,
    AWS_ENDPOINT_URL_CHIME_SDK_VOICE: emu.endpoint,
    AWS_ENDPOINT_URL_CLOUDFORMATION: emu.endpoint,
    // Time passes only between the waiter's polls (the manual clock): no waiting inside an invocation.
    ...settingsEnvironment({ retryBaseDelayMs: 1, settleWaitMs: 0 }),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...env,
  });
  return {
    emu,
    clock,
    // The bundle is loaded afresh per deployer, after the environment is set: its clients read it.
    deployer: (o = {}) =>
      new LocalDeployer({
        handler: loadHandlerBundle(BUNDLE, 'handler'),
        stackName: STACK_NAME,
        region: REGION,
        accountId: ACCOUNT,
        clock,
        pollIntervalMs: 20_000,
        stacks: emu.stacks,
        ...o,
      }),
    stop: async () => {
      await emu.stop();
      process.env = saved;
      Date.now = realNow;
    },
  };
}

export const newStack = (): Stack => new Stack(new App(), STACK_NAME, { env: { account: ACCOUNT, region: REGION } });

/** A deterministic UUID-shaped id from a small number (instances, flows). */
export const uuid = (n: number): string => `${String(n).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
