/**
 * The emulator's CloudFormation API, read with the real @aws-sdk/client-cloudformation: the state a
 * LocalDeployer publishes to `emulator.stacks`, as a handler sees it while each request runs.
 */
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  paginateListStackResources,
  paginateListStacks,
} from '@aws-sdk/client-cloudformation';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { LocalDeployer } from '../../../local/deploy';
import type { CustomResourceEvent } from '../../../local/deploy';
import { createManualClock, startEmulator } from '../../../local/emulator';
import { CLOUDFORMATION_PAGE_SIZE } from '../../../local/emulator/cloudformation';
import type { Emulator } from '../../../local/emulator';
import { custom, FakeHandler, template } from '../deploy/fixtures';
import { caught, CREDENTIALS, REGION } from './helpers';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Phones/5d2e1f30-0000-4000-8000-00000000abcd';

describe('the CloudFormation API of the emulator', () => {
  let emu: Emulator;
  let cfn: CloudFormationClient;

  beforeEach(async () => {
    emu = await startEmulator({ port: 0, clock: createManualClock() });
    cfn = new CloudFormationClient({
      region: REGION,
      endpoint: emu.endpoint,
      credentials: CREDENTIALS,
      retryStrategy: new ConfiguredRetryStrategy(1, () => 5),
    });
  });
  afterEach(async () => {
    cfn.destroy();
    await emu.stop();
  });

  it('answers an unknown stack with 400 ValidationError "Stack with id X does not exist", as the real service', async () => {
    const error = await caught(() => cfn.send(new DescribeStacksCommand({ StackName: STACK_ID })));
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(`Stack with id ${STACK_ID} does not exist`);
    expect(error.$metadata.httpStatusCode).toBe(400);
    await expect(cfn.send(new GetTemplateCommand({ StackName: 'Nope' }))).rejects.toThrow('Stack with id Nope does not exist');
    await expect(cfn.send(new DescribeStackResourcesCommand({ StackName: STACK_ID }))).rejects.toThrow(
      `Stack with id ${STACK_ID} does not exist`,
    );
  });

  it("serves the stack's status, template and resources as the deployer publishes them, while each request runs", async () => {
    // GIVEN a handler that reads its own stack through the real SDK on every event
    const fake = new FakeHandler();
    const seen: string[] = [];
    const read = async (event: CustomResourceEvent) => {
      const [stacks, tpl, resources] = await Promise.all([
        cfn.send(new DescribeStacksCommand({ StackName: event.StackId })),
        cfn.send(new GetTemplateCommand({ StackName: event.StackId })),
        cfn.send(new DescribeStackResourcesCommand({ StackName: event.StackId })),
      ]);
      const stack = stacks.Stacks![0];
      expect(stack).toMatchObject({ StackId: STACK_ID, StackName: 'Phones', CreationTime: expect.any(Date) });
      const declared = JSON.parse(tpl.TemplateBody!) as { Resources: Record<string, { Properties?: { Value?: string } }> };
      const own = resources.StackResources!.find((r) => r.LogicalResourceId === event.LogicalResourceId);
      seen.push(
        `${event.RequestType} ${event.LogicalResourceId}: ${stack.StackStatus} declares ${declared.Resources[event.LogicalResourceId]?.Properties?.Value ?? 'nothing'}; ` +
          `${own?.ResourceStatus} ${own?.PhysicalResourceId ?? '-'}`,
      );
    };
    const handler = { onEvent: async (e: CustomResourceEvent) => (await read(e), fake.onEvent(e)) };
    const deployer = new LocalDeployer({ handler, stackName: 'Phones', stackId: STACK_ID, stacks: emu.stacks });

    // WHEN the stack is created, then updated (A changes, B is removed), then an update fails and rolls back
    await deployer.deploy(
      template({ A: custom({ Value: 'a' }), B: custom({ Value: 'b' }) }, { Parameters: { Env: { Type: 'String', Default: 'dev' } } }),
    );
    await deployer.deploy(template({ A: custom({ Value: 'a2' }) }));
    fake.failWhen = (e) => (e.ResourceProperties.Value === 'a3' ? 'A fails' : undefined);
    await expect(deployer.deploy(template({ A: custom({ Value: 'a3' }) }))).rejects.toThrow('A failed to update');

    // THEN the handler saw each phase's status and template
    expect(seen).toEqual([
      'Create A: CREATE_IN_PROGRESS declares a; CREATE_IN_PROGRESS -',
      'Create B: CREATE_IN_PROGRESS declares b; CREATE_IN_PROGRESS -',
      'Update A: UPDATE_IN_PROGRESS declares a2; UPDATE_IN_PROGRESS A-1',
      'Delete B: UPDATE_COMPLETE_CLEANUP_IN_PROGRESS declares nothing; DELETE_IN_PROGRESS B-2',
      'Update A: UPDATE_IN_PROGRESS declares a3; UPDATE_IN_PROGRESS A-1',
      'Update A: UPDATE_ROLLBACK_IN_PROGRESS declares a2; UPDATE_IN_PROGRESS A-1',
    ]);
    const final = await cfn.send(new DescribeStacksCommand({ StackName: 'Phones' }));
    expect(final.Stacks).toEqual([expect.objectContaining({ StackStatus: 'UPDATE_ROLLBACK_COMPLETE', LastUpdatedTime: expect.any(Date) })]);
    expect(
      emu.stacks
        .calls()
        .filter((c) => c.operation === 'DescribeStacks')
        .map((c) => c.stackStatus),
    ).toContain('UPDATE_ROLLBACK_IN_PROGRESS');
  });

  it('reads the parameters and lists the resources CloudFormation holds, placeholders included', async () => {
    const deployer = new LocalDeployer({
      handler: new FakeHandler(),
      stackName: 'Phones',
      stackId: STACK_ID,
      stacks: emu.stacks,
      parameters: { Env: 'prod' },
    });
    await deployer.deploy(
      template({ A: custom() }, { Parameters: { Env: { Type: 'String', Default: 'dev' }, Team: { Type: 'String', Default: 'ops' } } }),
    );

    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: STACK_ID }));
    expect(Stacks![0].Parameters).toEqual([
      { ParameterKey: 'Env', ParameterValue: 'prod' },
      { ParameterKey: 'Team', ParameterValue: 'ops' },
    ]);
    const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'Phones' }));
    expect(StackResources!.map((r) => [r.LogicalResourceId, r.PhysicalResourceId, r.ResourceType, r.ResourceStatus])).toEqual([
      ['ProviderOnEventFn', 'local-placeholder-ProviderOnEventFn', 'AWS::Lambda::Function', 'CREATE_COMPLETE'],
      ['A', 'A-1', 'Custom::Thing', 'CREATE_COMPLETE'],
    ]);
  });

  it('finds a deleted stack by its id only, with DELETE_COMPLETE', async () => {
    const deployer = new LocalDeployer({ handler: new FakeHandler(), stackName: 'Phones', stackId: STACK_ID, stacks: emu.stacks });
    await deployer.deploy(template({ A: custom() }));
    await deployer.destroy();

    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: STACK_ID }));
    expect(Stacks![0].StackStatus).toBe('DELETE_COMPLETE');
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'Phones' }))).rejects.toThrow('Stack with id Phones does not exist');
    const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: STACK_ID }));
    expect(StackResources ?? []).toEqual([]);
  });

  it("answers only in the stack's own region", async () => {
    const deployer = new LocalDeployer({ handler: new FakeHandler(), stackName: 'Phones', stackId: STACK_ID, stacks: emu.stacks });
    await deployer.deploy(template({ A: custom() }));
    const west = new CloudFormationClient({ region: 'us-west-2', endpoint: emu.endpoint, credentials: CREDENTIALS });
    try {
      await expect(west.send(new DescribeStacksCommand({ StackName: STACK_ID }))).rejects.toThrow(
        `Stack with id ${STACK_ID} does not exist`,
      );
    } finally {
      west.destroy();
    }
  });

  it('applies injected error faults by operation, and keeps JSON special characters intact in the template', async () => {
    const deployer = new LocalDeployer({ handler: new FakeHandler(), stackName: 'Phones', stackId: STACK_ID, stacks: emu.stacks });
    const tricky = 'a <b> & "c" \'d\'\n+1 ü';
    await deployer.deploy(template({ A: custom({ Value: tricky }) }));
    emu.injectFault({ kind: 'error', operation: 'GetTemplate', errorName: 'Throttling', status: 400, message: 'Rate exceeded' });

    // another operation is not affected by the fault
    await expect(cfn.send(new DescribeStacksCommand({ StackName: STACK_ID }))).resolves.toMatchObject({ Stacks: [{ StackId: STACK_ID }] });
    const error = await caught(() => cfn.send(new GetTemplateCommand({ StackName: STACK_ID })));
    expect(error).toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
    const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: STACK_ID }));
    expect(JSON.parse(TemplateBody!).Resources.A.Properties.Value).toBe(tricky);
  });

  it('lists every stack it holds (ListStacks, by status) and their resources (ListStackResources), page by page', async () => {
    // GIVEN two stacks, one with more resources than a page, and a third stack deleted
    const many = Object.fromEntries(Array.from({ length: CLOUDFORMATION_PAGE_SIZE + 2 }, (_, i) => [`R${i}`, custom()]));
    await new LocalDeployer({ handler: new FakeHandler(), stackName: 'Big', stacks: emu.stacks }).deploy(template(many));
    await new LocalDeployer({ handler: new FakeHandler(), stackName: 'Small', stacks: emu.stacks }).deploy(template({ A: custom() }));
    const gone = new LocalDeployer({ handler: new FakeHandler(), stackName: 'Gone', stacks: emu.stacks });
    await gone.deploy(template({ A: custom() }));
    await gone.destroy();

    // WHEN they are listed through the SDK's paginators
    const summaries = [];
    for await (const page of paginateListStacks({ client: cfn }, {})) summaries.push(...(page.StackSummaries ?? []));
    const live = [];
    for await (const page of paginateListStacks({ client: cfn }, { StackStatusFilter: ['CREATE_COMPLETE'] }))
      live.push(...(page.StackSummaries ?? []));
    const resources = [];
    let pages = 0;
    for await (const page of paginateListStackResources({ client: cfn }, { StackName: 'Big' })) {
      pages += 1;
      resources.push(...(page.StackResourceSummaries ?? []));
    }

    // THEN every stack is listed with its status, the filter keeps the live ones, and the resources come in two pages
    expect(summaries.map((s) => [s.StackName, s.StackStatus])).toEqual([
      ['Big', 'CREATE_COMPLETE'],
      ['Small', 'CREATE_COMPLETE'],
      ['Gone', 'DELETE_COMPLETE'],
    ]);
    expect(live.map((s) => s.StackName)).toEqual(['Big', 'Small']);
    expect(pages).toBe(2);
    expect(resources).toHaveLength(CLOUDFORMATION_PAGE_SIZE + 3);
    expect(resources.find((r) => r.LogicalResourceId === 'R101')).toMatchObject({
      PhysicalResourceId: expect.stringMatching(/^R101-/),
      ResourceType: 'Custom::Thing',
      ResourceStatus: 'CREATE_COMPLETE',
      LastUpdatedTimestamp: expect.any(Date),
    });
    await expect(cfn.send(new ListStackResourcesCommand({ StackName: 'Nope' }))).rejects.toThrow('Stack with id Nope does not exist');
  });
});
