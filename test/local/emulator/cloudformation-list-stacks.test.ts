/** ListStacks of the emulator's CloudFormation API (what `aws cloudformation list-stacks` calls), read with the real SDK. */
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { LocalDeployer } from '../../../local/deploy';
import { createManualClock, startEmulator } from '../../../local/emulator';
import type { Emulator } from '../../../local/emulator';
import { custom, FakeHandler, template } from '../deploy/fixtures';
import { CREDENTIALS, REGION } from './helpers';

const stackId = (name: string, n: number) =>
  `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/5d2e1f30-0000-4000-8000-0000000000${n}0`;

describe('ListStacks', () => {
  let emu: Emulator;
  const clients: CloudFormationClient[] = [];
  const client = (region = REGION) => {
    const c = new CloudFormationClient({
      region,
      endpoint: emu.endpoint,
      credentials: CREDENTIALS,
      retryStrategy: new ConfiguredRetryStrategy(1, () => 5),
    });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    emu = await startEmulator({ port: 0, clock: createManualClock() });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await emu.stop();
  });

  it('lists every stack of the account and region, deleted ones too (in the order they were made: the service documents none), and filters by status', async () => {
    const deployed = new LocalDeployer({
      handler: new FakeHandler(),
      stackName: 'Phones',
      stackId: stackId('Phones', 1),
      stacks: emu.stacks,
    });
    await deployed.deploy(template({ A: custom() }));
    const deleted = new LocalDeployer({ handler: new FakeHandler(), stackName: 'Old', stackId: stackId('Old', 2), stacks: emu.stacks });
    await deleted.deploy(template({ A: custom() }));
    await deleted.destroy();

    const all = await client().send(new ListStacksCommand({}));
    expect(all.StackSummaries?.map((s) => [s.StackName, s.StackId, s.StackStatus])).toEqual([
      ['Phones', stackId('Phones', 1), 'CREATE_COMPLETE'],
      ['Old', stackId('Old', 2), 'DELETE_COMPLETE'],
    ]);
    expect(all.StackSummaries?.[0].CreationTime).toBeInstanceOf(Date);
    const live = await client().send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE', 'UPDATE_COMPLETE'] }));
    expect(live.StackSummaries?.map((s) => s.StackName)).toEqual(['Phones']);
    expect((await client('us-west-2').send(new ListStacksCommand({}))).StackSummaries ?? []).toEqual([]);
  });
});
