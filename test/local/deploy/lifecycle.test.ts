/**
 * CloudFormation's lifecycle rules the local deployer implements: deletion policies on rollback,
 * cleanup and stack delete; the shapes of a rollback; stack statuses and what the stack shows the
 * handler in each phase; the Provider framework's waiter timeout and the Lambda timeout.
 */
import { HANDLER_TIMEOUT, QUERY_INTERVAL, TOTAL_TIMEOUT } from '../../../lib/private/provider';
import {
  DEFAULT_FUNCTION_TIMEOUT_MS,
  DEFAULT_TOTAL_TIMEOUT_MS,
  DeployFailedError,
  LocalDeployer,
  PROVIDER_QUERY_INTERVAL_MS,
  StackStatusError,
} from '../../../local/deploy';
import type { LambdaContext, LocalDeployerOptions, RequestProgress, StackState, StackStatus } from '../../../local/deploy';
import { createManualClock } from '../../../local/emulator';
import { custom, FakeHandler, requestIds, template } from './fixtures';

/** Records every state the deployer publishes. */
class Recorder {
  readonly states: StackState[] = [];
  publish(state: StackState): void {
    this.states.push(state);
  }
  /** Stack statuses in order, consecutive repeats collapsed. */
  statuses(): StackStatus[] {
    return this.states.map((s) => s.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
  }
  clear(): void {
    this.states.length = 0;
  }
}

const customResources = (state: StackState) => state.resources.filter((r) => r.resourceType.startsWith('Custom::'));

function deployerWith(fake: FakeHandler, options: Partial<LocalDeployerOptions> = {}): LocalDeployer {
  return new LocalDeployer({ handler: fake, stackName: 'TestStack', newRequestId: requestIds(), ...options });
}

const failing = (logicalId: string) => (e: { LogicalResourceId: string; RequestType: string }) =>
  e.LogicalResourceId === logicalId && e.RequestType !== 'Delete' ? `${logicalId} fails` : undefined;

describe('deletion policies', () => {
  let fake: FakeHandler;
  beforeEach(() => {
    fake = new FakeHandler();
  });

  it('on a failed stack create, deletes Delete and RetainExceptOnCreate resources and keeps Retain ones', async () => {
    // GIVEN three resources with each policy, and a fourth that fails
    const deployer = deployerWith(fake);
    fake.failWhen = failing('Z');

    // WHEN
    await expect(
      deployer.deploy(
        template({
          D: custom({}, { DeletionPolicy: 'Delete' }),
          R: custom({}, { DeletionPolicy: 'Retain' }),
          E: custom({}, { DeletionPolicy: 'RetainExceptOnCreate' }),
          Z: custom({}, { DependsOn: ['D', 'R', 'E'] }),
        }),
      ),
    ).rejects.toThrow(DeployFailedError);

    // THEN
    expect(fake.sent()).toEqual(['Create D', 'Create R', 'Create E', 'Create Z', 'Delete E E-3', 'Delete D D-1']);
    expect(deployer.retained).toEqual([{ phase: 'rollback', logicalId: 'R', physicalResourceId: 'R-2', policy: 'DeletionPolicy' }]);
    expect([...fake.live]).toEqual(['R-2']);
    expect(deployer.status).toBe('ROLLBACK_COMPLETE');
  });

  it('deletes Retain resources too on rollback when the stack option retainExceptOnCreate is set', async () => {
    const deployer = deployerWith(fake, { retainExceptOnCreate: true });
    fake.failWhen = failing('Z');
    await expect(
      deployer.deploy(template({ R: custom({}, { DeletionPolicy: 'Retain' }), Z: custom({}, { DependsOn: 'R' }) })),
    ).rejects.toThrow();
    expect(fake.sent()).toEqual(['Create R', 'Create Z', 'Delete R R-1']);
    expect(deployer.retained).toEqual([]);
  });

  it('on a failed update, deletes what the update created unless Retain', async () => {
    const deployer = deployerWith(fake);
    await deployer.deploy(template({ A: custom() }));
    fake.clear();
    fake.failWhen = failing('Z');

    await expect(
      deployer.deploy(
        template({
          A: custom(),
          R: custom({}, { DeletionPolicy: 'Retain' }),
          E: custom({}, { DeletionPolicy: 'RetainExceptOnCreate' }),
          Z: custom({}, { DependsOn: ['R', 'E'] }),
        }),
      ),
    ).rejects.toThrow('Z failed to create');

    expect(fake.sent()).toEqual(['Create R', 'Create E', 'Create Z', 'Delete E E-3']);
    expect(deployer.retained).toEqual([{ phase: 'rollback', logicalId: 'R', physicalResourceId: 'R-2', policy: 'DeletionPolicy' }]);
    expect(deployer.requests.at(-1)).toMatchObject({ phase: 'rollback', stackStatus: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS' });
    expect(deployer.resources().map((r) => r.logicalId)).toEqual(['A']);
  });

  it('keeps RetainExceptOnCreate and Retain resources on stack delete and on removal from the template', async () => {
    const deployer = deployerWith(fake);
    await deployer.deploy(
      template({
        D: custom(),
        R: custom({}, { DeletionPolicy: 'Retain' }),
        E: custom({}, { DeletionPolicy: 'RetainExceptOnCreate' }),
        E2: custom({}, { DeletionPolicy: 'RetainExceptOnCreate' }),
      }),
    );
    fake.clear();

    await deployer.deploy(
      template({ D: custom(), R: custom({}, { DeletionPolicy: 'Retain' }), E: custom({}, { DeletionPolicy: 'RetainExceptOnCreate' }) }),
    );
    expect(fake.sent()).toEqual([]);
    expect(deployer.retained).toEqual([{ phase: 'cleanup', logicalId: 'E2', physicalResourceId: 'E2-4', policy: 'DeletionPolicy' }]);

    deployer.clearRequests();
    await deployer.destroy();
    expect(fake.sent()).toEqual(['Delete D D-1']);
    expect(deployer.retained.map((r) => `${r.phase} ${r.logicalId}`).sort()).toEqual(['destroy E', 'destroy R']);
    expect(deployer.status).toBe('DELETE_COMPLETE');
  });

  it('refuses an unknown policy before any request', async () => {
    const deployer = deployerWith(fake);
    await expect(deployer.deploy(template({ A: custom({}, { DeletionPolicy: 'Keep' }) }))).rejects.toThrow(
      'A has DeletionPolicy "Keep"; expected one of Delete, Retain, RetainExceptOnCreate, Snapshot',
    );
    await expect(deployer.deploy(template({ A: custom({}, { UpdateReplacePolicy: 'RetainExceptOnCreate' }) }))).rejects.toThrow(
      'A has UpdateReplacePolicy "RetainExceptOnCreate"; expected one of Delete, Retain, Snapshot',
    );
    expect(fake.events).toHaveLength(0);
    expect(deployer.status).toBeUndefined();
  });
});

describe('rollback shapes', () => {
  let fake: FakeHandler;
  beforeEach(() => {
    fake = new FakeHandler();
    fake.replaceWhen = (e) => e.LogicalResourceId === 'A' && e.ResourceProperties.Value === 'a2';
  });

  const twoResources = (a: string, b: string) => template({ A: custom({ Value: a }), B: custom({ Value: b }, { DependsOn: 'A' }) });

  it("rolls a replacement back by deleting the new physical id with the properties it was created with, in the rollback's cleanup phase", async () => {
    const deployer = deployerWith(fake);
    await deployer.deploy(twoResources('a', 'b'));
    fake.clear();
    fake.failWhen = (e) => (e.LogicalResourceId === 'B' && e.ResourceProperties.Value === 'b2' ? 'B fails' : undefined);

    await expect(deployer.deploy(twoResources('a2', 'b2'))).rejects.toThrow('B failed to update');

    expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2', 'Update B B-2', 'Delete A A-3']);
    expect(fake.events[3].ResourceProperties.Value).toBe('a2');
    expect(deployer.requests.filter((r) => r.phase === 'rollback').map((r) => r.stackStatus)).toEqual([
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
    ]);
    expect(deployer.outputs('A').physicalResourceId).toBe('A-1');
  });

  it("with replacementRollback 'update-then-delete', first updates the new physical id back (old and new swapped), then deletes it", async () => {
    const deployer = deployerWith(fake, { replacementRollback: 'update-then-delete' });
    await deployer.deploy(twoResources('a', 'b'));
    fake.clear();
    fake.failWhen = (e) => (e.LogicalResourceId === 'B' && e.ResourceProperties.Value === 'b2' ? 'B fails' : undefined);

    await expect(deployer.deploy(twoResources('a2', 'b2'))).rejects.toThrow('B failed to update');

    expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2', 'Update B B-2', 'Update A A-3', 'Delete A A-3']);
    expect(fake.events[3]).toMatchObject({ ResourceProperties: { Value: 'a' }, OldResourceProperties: { Value: 'a2' } });
    expect(fake.events[4].ResourceProperties.Value).toBe('a');
    expect(deployer.requests.filter((r) => r.phase === 'rollback').map((r) => r.stackStatus)).toEqual([
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
    ]);
    expect(deployer.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  });

  it('cleans up a replacement after success with the OLD properties, in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', async () => {
    const deployer = deployerWith(fake);
    await deployer.deploy(twoResources('a', 'b'));
    fake.clear();
    await deployer.deploy(twoResources('a2', 'b'));
    expect(fake.sent()).toEqual(['Update A A-1', 'Delete A A-1']);
    expect(fake.events[1].ResourceProperties.Value).toBe('a');
    expect(deployer.requests.at(-1)!.stackStatus).toBe('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  });
});

describe('stack status', () => {
  let fake: FakeHandler;
  let stacks: Recorder;
  beforeEach(() => {
    fake = new FakeHandler();
    stacks = new Recorder();
  });

  it('goes through create, update with cleanup, and delete', async () => {
    const deployer = deployerWith(fake, { stacks });
    await deployer.deploy(template({ A: custom({ Value: 'a' }) }));
    expect(stacks.statuses()).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    stacks.clear();
    await deployer.deploy(template({ A: custom({ Value: 'a2' }) }));
    expect(stacks.statuses()).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE']);
    stacks.clear();
    await deployer.destroy();
    expect(stacks.statuses()).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(deployer.status).toBe('DELETE_COMPLETE');
    expect(stacks.states.at(-1)!.resources).toEqual([]);
  });

  it('rolls a failed create back to ROLLBACK_COMPLETE, and the next deploy deletes that stack and creates a new one', async () => {
    const deployer = deployerWith(fake, { stacks });
    fake.failWhen = failing('A');
    await expect(deployer.deploy(template({ A: custom() }))).rejects.toMatchObject({ stackStatus: 'ROLLBACK_COMPLETE' });
    expect(stacks.statuses()).toEqual(['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE']);
    const firstId = deployer.stackId;
    stacks.clear();
    fake.failWhen = () => undefined;

    await deployer.deploy(template({ A: custom() }));

    expect(stacks.statuses()).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(deployer.stackId).not.toBe(firstId);
    expect(deployer.stackId).toMatch(/^arn:aws:cloudformation:us-east-1:123456789012:stack\/TestStack\/[0-9a-f-]{36}$/);
    expect(fake.events.at(-1)!.StackId).toBe(deployer.stackId);
  });

  it('rolls a failed update back to UPDATE_ROLLBACK_COMPLETE through the rollback cleanup phase', async () => {
    const deployer = deployerWith(fake, { stacks });
    await deployer.deploy(template({ A: custom({ Value: 'a' }) }));
    stacks.clear();
    fake.failWhen = (e) => (e.ResourceProperties.Value === 'a2' ? 'no' : undefined);
    await expect(deployer.deploy(template({ A: custom({ Value: 'a2' }) }))).rejects.toMatchObject({
      stackStatus: 'UPDATE_ROLLBACK_COMPLETE',
    });
    expect(stacks.statuses()).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ]);
  });

  it('ends UPDATE_ROLLBACK_FAILED when a rollback Update fails, and refuses the next deploy until the stack is deleted', async () => {
    const deployer = deployerWith(fake, { stacks });
    await deployer.deploy(template({ A: custom({ Value: 'a' }) }));
    fake.failWhen = (e) => (e.RequestType === 'Update' ? 'broken' : undefined);
    await expect(deployer.deploy(template({ A: custom({ Value: 'a2' }) }))).rejects.toMatchObject({
      stackStatus: 'UPDATE_ROLLBACK_FAILED',
    });
    expect(deployer.status).toBe('UPDATE_ROLLBACK_FAILED');

    const error = await deployer.deploy(template({ A: custom({ Value: 'a3' }) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackStatusError);
    expect((error as Error).message).toBe(
      `Stack:${deployer.stackId} is in UPDATE_ROLLBACK_FAILED state and can not be updated. Delete the stack (destroy()) and deploy again.`,
    );

    await deployer.destroy();
    expect(deployer.status).toBe('DELETE_COMPLETE');
  });

  it('ends ROLLBACK_FAILED when a rollback Delete fails, keeping that resource for the stack delete', async () => {
    const deployer = deployerWith(fake, { stacks });
    let deletesRefused = 1;
    fake.failWhen = (e) =>
      e.LogicalResourceId === 'B' ? 'B fails' : e.RequestType === 'Delete' && deletesRefused-- > 0 ? 'busy' : undefined;
    await expect(deployer.deploy(template({ A: custom(), B: custom({}, { DependsOn: 'A' }) }))).rejects.toMatchObject({
      stackStatus: 'ROLLBACK_FAILED',
      rollbackFailures: [expect.objectContaining({ logicalId: 'A' })],
    });
    expect(deployer.resources().map((r) => r.logicalId)).toEqual(['A']);
    expect(customResources(stacks.states.at(-1)!)).toEqual([
      expect.objectContaining({ logicalResourceId: 'A', resourceStatus: 'DELETE_FAILED' }),
    ]);
    await expect(deployer.deploy(template({ A: custom() }))).rejects.toThrow(StackStatusError);

    await deployer.destroy();
    expect(fake.sent().at(-1)).toBe('Delete A A-1');
    expect(deployer.status).toBe('DELETE_COMPLETE');
  });

  it('ends DELETE_FAILED when a Delete fails', async () => {
    const deployer = deployerWith(fake, { stacks });
    await deployer.deploy(template({ A: custom() }));
    fake.failWhen = () => 'busy';
    await expect(deployer.destroy()).rejects.toThrow('delete failed for A (busy)');
    expect(deployer.status).toBe('DELETE_FAILED');
    expect(customResources(stacks.states.at(-1)!)).toEqual([
      expect.objectContaining({ logicalResourceId: 'A', resourceStatus: 'DELETE_FAILED', physicalResourceId: 'A-1' }),
    ]);
  });
});

describe('what the stack shows the handler', () => {
  it('shows the new template during the update and its cleanup, the previous one during the rollback; resources with their status', async () => {
    // GIVEN a handler that reads the stack's state as it handles each request
    const fake = new FakeHandler();
    const seen: string[] = [];
    const ref: { deployer?: LocalDeployer } = {};
    const handler = {
      onEvent: async (e: Parameters<FakeHandler['onEvent']>[0]) => {
        const state = ref.deployer!.stackState()!;
        const templateValue = (state.template.Resources[e.LogicalResourceId]?.Properties as { Value?: string } | undefined)?.Value ?? '-';
        const own = state.resources.find((r) => r.logicalResourceId === e.LogicalResourceId);
        seen.push(`${e.RequestType} ${e.LogicalResourceId} ${state.status} template:${templateValue} ${own?.resourceStatus ?? 'unlisted'}`);
        return fake.onEvent(e);
      },
    };
    const deployer = new LocalDeployer({ handler, newRequestId: requestIds() });
    ref.deployer = deployer;
    await deployer.deploy(template({ A: custom({ Value: 'a' }), Old: custom({ Value: 'o' }) }));
    seen.length = 0;
    fake.failWhen = (e) => (e.LogicalResourceId === 'N' ? 'N fails' : undefined);

    // WHEN A changes, Old is removed and N is added and fails
    await expect(
      deployer.deploy(template({ A: custom({ Value: 'a2' }), N: custom({ Value: 'n' }, { DependsOn: 'A' }) })),
    ).rejects.toThrow();

    // THEN
    expect(seen).toEqual([
      'Update A UPDATE_IN_PROGRESS template:a2 UPDATE_IN_PROGRESS',
      'Create N UPDATE_IN_PROGRESS template:n CREATE_IN_PROGRESS',
      'Update A UPDATE_ROLLBACK_IN_PROGRESS template:a UPDATE_IN_PROGRESS',
    ]);
    const state = deployer.stackState()!;
    expect(state.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(state.resources.map((r) => `${r.logicalResourceId} ${r.physicalResourceId}`).sort()).toEqual([
      'A A-1',
      'Old Old-2',
      'ProviderOnEventFn local-placeholder-ProviderOnEventFn',
    ]);

    // AND after a successful update, the removed resource's cleanup Delete sees the new template, where it is no longer declared
    seen.length = 0;
    fake.failWhen = () => undefined;
    await deployer.deploy(template({ A: custom({ Value: 'a2' }) }));
    expect(seen).toEqual([
      'Update A UPDATE_IN_PROGRESS template:a2 UPDATE_IN_PROGRESS',
      'Delete Old UPDATE_COMPLETE_CLEANUP_IN_PROGRESS template:- DELETE_IN_PROGRESS',
    ]);
  });

  it('reports each request to onRequest before it is sent and once its outcome is known', async () => {
    const fake = new FakeHandler();
    fake.failWhen = failing('B');
    const progress: RequestProgress[] = [];
    const deployer = deployerWith(fake, { onRequest: (p) => progress.push(p) });
    await expect(deployer.deploy(template({ A: custom(), B: custom({}, { DependsOn: 'A' }) }))).rejects.toThrow();
    expect(
      progress.map((p) => `${p.stage} ${p.phase} ${p.requestType} ${p.logicalId} ${p.physicalResourceId ?? '-'} ${p.status ?? ''}`.trim()),
    ).toEqual([
      'start create Create A -',
      'end create Create A - SUCCESS',
      'start create Create B -',
      'end create Create B - FAILED',
      'start rollback Delete B AWSCDK::CustomResourceProviderFramework::CREATE_FAILED',
      'end rollback Delete B AWSCDK::CustomResourceProviderFramework::CREATE_FAILED SUCCESS',
      'start rollback Delete A A-1',
      'end rollback Delete A A-1 SUCCESS',
    ]);
    expect(progress[3]).toMatchObject({ resourceType: 'Custom::Thing', reason: expect.stringMatching(/^B fails\n/) });
  });
});

describe('hooks and several stacks', () => {
  it('awaits onRequest before sending the request, and onPoll before each isComplete call', async () => {
    const fake = new FakeHandler();
    fake.completeWhen = (e) => fake.live.has(`${e.PhysicalResourceId}:ready`);
    const seen: string[] = [];
    const later = () => new Promise<void>((resolve) => setImmediate(resolve));
    const deployer = deployerWith(fake, {
      pollIntervalMs: 1000,
      clock: createManualClock(),
      onRequest: async (p) => {
        await later();
        seen.push(`${p.stage} ${p.logicalId} calls=${fake.calls.length}`);
      },
      onPoll: async (p) => {
        await later();
        seen.push(`poll ${p.poll} ${p.requestType} ${p.physicalResourceId}`);
        // A change of the world while the request is under way: the handler sees it at this very poll.
        if (p.poll === 2) fake.live.add(`${p.physicalResourceId}:ready`);
      },
    });

    await deployer.deploy(template({ A: custom() }));

    expect(seen).toEqual(['start A calls=0', 'poll 1 Create A-1', 'poll 2 Create A-1', 'end A calls=3']);
  });

  it('publishes two stacks to one directory, each under its own id, with its own status and resources', async () => {
    const states = new Map<string, StackState>();
    const directory = { publish: (s: StackState) => void states.set(s.stackId, s) };
    const a = deployerWith(new FakeHandler(), { stackName: 'StackA', stacks: directory });
    const b = deployerWith(new FakeHandler(), { stackName: 'StackB', stacks: directory });

    await a.deploy(template({ One: custom() }));
    await b.deploy(template({ Two: custom() }));
    await a.destroy();

    expect(a.stackId).not.toBe(b.stackId);
    expect(states.get(a.stackId)).toMatchObject({ stackName: 'StackA', status: 'DELETE_COMPLETE', resources: [] });
    expect(states.get(b.stackId)).toMatchObject({ stackName: 'StackB', status: 'CREATE_COMPLETE' });
    expect(customResources(states.get(b.stackId)!).map((r) => r.logicalResourceId)).toEqual(['Two']);
  });
});

describe('timeouts', () => {
  it('uses the Provider settings of lib/private/provider.ts as defaults', () => {
    expect(DEFAULT_FUNCTION_TIMEOUT_MS).toBe(HANDLER_TIMEOUT.toMilliseconds());
    expect(DEFAULT_TOTAL_TIMEOUT_MS).toBe(TOTAL_TIMEOUT.toMilliseconds());
    expect(PROVIDER_QUERY_INTERVAL_MS).toBe(QUERY_INTERVAL.toMilliseconds());
  });

  it('ends the waiter after totalTimeoutMs on the clock: onTimeout answers FAILED without calling the handler', async () => {
    // GIVEN a claim that never completes, polled every 20 s for 45 minutes
    const clock = createManualClock();
    const start = clock.now();
    const fake = new FakeHandler();
    fake.completeWhen = (e) => e.RequestType !== 'Create';
    const deployer = deployerWith(fake, { clock, pollIntervalMs: 20_000 });

    // WHEN
    await expect(deployer.deploy(template({ A: custom() }))).rejects.toThrow('A failed to create: Operation timed out');

    // THEN isComplete ran at once and 135 more times, the last at 45 minutes; the answer was the framework's
    expect(fake.calls.filter((c) => c.fn === 'isComplete' && c.type === 'Create')).toHaveLength(136);
    expect(deployer.requests[0]).toMatchObject({ status: 'FAILED', answeredBy: 'framework', reason: 'Operation timed out', polls: 136 });
    expect(clock.now() - start).toBe(45 * 60_000);
    expect(fake.sent()).toEqual(['Create A', 'Delete A A-1']);
  });

  it('gives every invocation a Lambda context whose remaining time runs on the clock', async () => {
    const clock = createManualClock();
    const contexts: Array<{ name: string; remaining: number[] }> = [];
    const handler = {
      onEvent: async (_e: unknown, context?: LambdaContext) => {
        const remaining = [context!.getRemainingTimeInMillis()];
        clock.advance(60_000);
        remaining.push(context!.getRemainingTimeInMillis());
        contexts.push({ name: context!.functionName, remaining });
        return { PhysicalResourceId: 'p' };
      },
    };
    await new LocalDeployer({ handler, clock, functionName: 'phones' }).deploy(template({ A: custom() }));
    expect(contexts).toEqual([{ name: 'phones', remaining: [600_000, 540_000] }]);
  });

  it('fails an invocation that runs past the function timeout on the clock, as Lambda reports it', async () => {
    const clock = createManualClock();
    const handler = {
      onEvent: async (e: { RequestType: string }) => {
        if (e.RequestType === 'Create') clock.advance(600_001);
        return { PhysicalResourceId: 'p' };
      },
    };
    const deployer = new LocalDeployer({ handler, clock, functionName: 'phones' });
    const error = (await deployer.deploy(template({ A: custom() })).catch((e: unknown) => e)) as DeployFailedError;
    expect(error.reason).toBe('Task timed out after 600.00 seconds\n\nLogs: /aws/lambda/phones\n');
  });
});
