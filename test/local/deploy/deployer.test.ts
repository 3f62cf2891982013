import { createManualClock } from '../../../local/emulator';
import {
  CREATE_FAILED_PHYSICAL_ID_MARKER,
  DeployFailedError,
  DestroyFailedError,
  LocalDeployer,
  TemplateError,
} from '../../../local/deploy';
import type { CfnTemplate, LocalDeployerOptions } from '../../../local/deploy';
import { custom, FakeHandler, requestIds, template } from './fixtures';

const SERVICE_TOKEN = 'arn:aws:local-placeholder:us-east-1:123456789012:ProviderOnEventFn';

function deployerWith(fake: FakeHandler, options: Partial<LocalDeployerOptions> = {}): LocalDeployer {
  return new LocalDeployer({ handler: fake, stackName: 'TestStack', newRequestId: requestIds(), ...options });
}

/** A <- B (Ref A) <- C (GetAtt B.Value), declared in reverse order. */
function chain(values: { a?: string; b?: string; c?: string } = {}, extra: Partial<Record<'A' | 'B' | 'C', object>> = {}): CfnTemplate {
  return template({
    C: custom({ Value: values.c ?? 'c', FromB: { 'Fn::GetAtt': ['B', 'Value'] } }, extra.C),
    B: custom({ Value: values.b ?? 'b', ARef: { Ref: 'A' } }, extra.B),
    A: custom({ Value: values.a ?? 'a' }, extra.A),
  });
}

describe('LocalDeployer', () => {
  let fake: FakeHandler;
  beforeEach(() => {
    fake = new FakeHandler();
  });

  describe('create', () => {
    it('creates custom resources in dependency order with references resolved', async () => {
      // GIVEN
      const deployer = deployerWith(fake);

      // WHEN
      const result = await deployer.deploy(chain());

      // THEN
      expect(fake.sent()).toEqual(['Create A', 'Create B', 'Create C']);
      expect(result).toMatchObject({ operation: 'create', created: ['A', 'B', 'C'], updated: [], deleted: [] });
      const [, b, c] = fake.events;
      expect(b.ResourceProperties).toEqual({ ServiceToken: SERVICE_TOKEN, Value: 'b', ARef: 'A-1' });
      expect(c.ResourceProperties).toEqual({ ServiceToken: SERVICE_TOKEN, Value: 'c', FromB: 'b' });
      expect(c).toMatchObject({
        RequestType: 'Create',
        ServiceToken: SERVICE_TOKEN,
        ResourceType: 'Custom::Thing',
        LogicalResourceId: 'C',
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/TestStack/00000000-0000-4000-8000-000000000000',
        RequestId: 'req-3',
      });
      expect(c.PhysicalResourceId).toBeUndefined();
      expect(c.OldResourceProperties).toBeUndefined();
      expect(deployer.outputs('C')).toEqual({ physicalResourceId: 'C-3', data: { Value: 'c', Id: 'C-3' } });
    });

    it('honours DependsOn, and dependencies through resources it does not run', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(
        template({
          First: custom({}, { DependsOn: 'Second' }),
          Role: { Type: 'AWS::IAM::Role', Properties: { Name: { Ref: 'Third' } } },
          Second: custom({ RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } }),
          Third: custom(),
        }),
      );
      expect(fake.sent()).toEqual(['Create Third', 'Create Second', 'Create First']);
      expect(fake.events[1].ResourceProperties.RoleArn).toBe('arn:aws:local-placeholder:us-east-1:123456789012:Role');
    });

    it('uses the RequestId as physical id when the handler returns none', async () => {
      fake.omitPhysicalId = true;
      const deployer = deployerWith(fake);
      await deployer.deploy(template({ A: custom() }));
      expect(deployer.outputs('A').physicalResourceId).toBe('req-1');
    });

    it('fails when a GetAtt names an attribute the response did not carry, and rolls back', async () => {
      const deployer = deployerWith(fake);
      const error = await deployer
        .deploy(template({ A: custom(), B: custom({ X: { 'Fn::GetAtt': ['A', 'Missing'] } }) }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeployFailedError);
      expect((error as Error).message).toMatch(/^B failed to create: CustomResource attribute error: .*Missing/);
      expect(fake.sent()).toEqual(['Create A', 'Delete A A-1']);
    });

    it('fails before any request when the template has a dependency cycle', async () => {
      const deployer = deployerWith(fake);
      await expect(deployer.deploy(template({ A: custom({ X: { Ref: 'B' } }), B: custom({ X: { Ref: 'A' } }) }))).rejects.toThrow(
        TemplateError,
      );
      expect(fake.events).toHaveLength(0);
    });
  });

  describe('update', () => {
    it('updates only the resources whose resolved properties changed, with old and new properties', async () => {
      // GIVEN
      const deployer = deployerWith(fake);
      await deployer.deploy(chain());
      fake.clear();

      // WHEN
      const result = await deployer.deploy(chain({ c: 'c2' }));

      // THEN
      expect(fake.sent()).toEqual(['Update C C-3']);
      expect(fake.events[0]).toMatchObject({
        ResourceProperties: { ServiceToken: SERVICE_TOKEN, Value: 'c2', FromB: 'b' },
        OldResourceProperties: { ServiceToken: SERVICE_TOKEN, Value: 'c', FromB: 'b' },
      });
      expect(result).toMatchObject({ operation: 'update', updated: ['C'], unchanged: ['A', 'B'], replaced: [] });
      expect(deployer.outputs('C').data.Value).toBe('c2');
    });

    it('sends nothing when the template is unchanged, even if policies change', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(chain());
      fake.clear();
      await deployer.deploy(chain({}, { A: { DeletionPolicy: 'Retain' } }));
      expect(fake.events).toHaveLength(0);
      expect(deployer.resources().find((r) => r.logicalId === 'A')?.deletionPolicy).toBe('Retain');
    });

    it('updates a dependent whose GetAtt value changed, and not one whose value stayed the same', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(chain());
      fake.clear();

      // B's Value feeds C through GetAtt; A's Value feeds nothing (B reads A's physical id, unchanged).
      await deployer.deploy(chain({ a: 'a2', b: 'b2' }));

      expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2', 'Update C C-3']);
      expect(fake.events[2]).toMatchObject({ ResourceProperties: { FromB: 'b2' }, OldResourceProperties: { FromB: 'b' } });

      fake.clear();
      await deployer.deploy(chain({ a: 'a3', b: 'b2' }));
      expect(fake.sent()).toEqual(['Update A A-1']);
    });

    it('treats a new physical id as a replacement: dependents updated, then the old id deleted with the old properties', async () => {
      // GIVEN
      const deployer = deployerWith(fake);
      await deployer.deploy(chain());
      fake.clear();
      fake.replaceWhen = (e) => e.LogicalResourceId === 'A';

      // WHEN
      const result = await deployer.deploy(chain({ a: 'a2' }));

      // THEN B follows A's new physical id, and only after every update is the old A deleted.
      expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2', 'Delete A A-1']);
      expect(fake.events[1]).toMatchObject({ ResourceProperties: { ARef: 'A-4' }, OldResourceProperties: { ARef: 'A-1' } });
      expect(fake.events[2].ResourceProperties).toEqual({ ServiceToken: SERVICE_TOKEN, Value: 'a' });
      expect(fake.events[2].OldResourceProperties).toBeUndefined();
      expect(result).toMatchObject({ updated: ['A', 'B'], replaced: ['A'], unchanged: ['C'] });
      expect(deployer.requests.at(-1)).toMatchObject({ phase: 'cleanup', requestType: 'Delete', physicalResourceId: 'A-1' });
      expect(deployer.outputs('A').physicalResourceId).toBe('A-4');
    });

    it('keeps the old physical resource of a replacement when UpdateReplacePolicy is Retain', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(chain({}, { A: { UpdateReplacePolicy: 'Retain' } }));
      fake.clear();
      fake.replaceWhen = (e) => e.LogicalResourceId === 'A';

      await deployer.deploy(chain({ a: 'a2' }, { A: { UpdateReplacePolicy: 'Retain' } }));

      expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2']);
      expect(deployer.retained).toEqual([{ phase: 'cleanup', logicalId: 'A', physicalResourceId: 'A-1', policy: 'UpdateReplacePolicy' }]);
    });

    it('deletes resources removed from the template in the cleanup phase, dependents first, and keeps DeletionPolicy Retain ones', async () => {
      // GIVEN
      const deployer = deployerWith(fake);
      await deployer.deploy(template({ ...chain().Resources, Kept: custom({}, { DeletionPolicy: 'Retain' }) }));
      fake.clear();

      // WHEN B, C and Kept are removed and A changes
      const result = await deployer.deploy(template({ A: custom({ Value: 'a2' }), D: custom() }));

      // THEN
      expect(fake.sent()).toEqual(['Update A A-1', 'Create D', 'Delete C C-3', 'Delete B B-2']);
      expect(fake.events[2].ResourceProperties).toEqual({ ServiceToken: SERVICE_TOKEN, Value: 'c', FromB: 'b' });
      expect(deployer.retained).toEqual([{ phase: 'cleanup', logicalId: 'Kept', physicalResourceId: 'Kept-4', policy: 'DeletionPolicy' }]);
      expect(result).toMatchObject({ created: ['D'], updated: ['A'], deleted: ['B', 'C', 'Kept'] });
      expect(
        deployer
          .resources()
          .map((r) => r.logicalId)
          .sort(),
      ).toEqual(['A', 'D']);
    });

    it('records a failed cleanup delete without failing the update', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(template({ A: custom(), B: custom() }));
      fake.failWhen = (e) => (e.RequestType === 'Delete' ? 'still in use' : undefined);

      const result = await deployer.deploy(template({ A: custom() }));

      expect(result.cleanupFailures).toEqual([
        { logicalId: 'B', physicalResourceId: 'B-2', reason: expect.stringMatching(/^still in use\n/) },
      ]);
      expect(deployer.resources().map((r) => r.logicalId)).toEqual(['A']);
    });

    it('fails before any request when a resource changes type', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(template({ A: custom() }));
      fake.clear();
      await expect(deployer.deploy(template({ A: custom({}, {}, 'Custom::Other') }))).rejects.toThrow(
        /Update of resource type is not permitted/,
      );
      expect(fake.events).toHaveLength(0);
    });

    it('fails when the ServiceToken changes', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(template({ A: custom() }));
      const moved = template({
        A: { Type: 'Custom::Thing', Properties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:other' } },
      });
      await expect(deployer.deploy(moved)).rejects.toThrow('A failed to update: Modifying service token is not allowed.');
    });
  });

  describe('rollback', () => {
    it('rolls back a failed update: rollback Updates with old and new swapped, newest first, and restores the state', async () => {
      // GIVEN
      const deployer = deployerWith(fake);
      await deployer.deploy(chain());
      const before = deployer.resources();
      fake.clear();
      fake.failWhen = (e) =>
        e.LogicalResourceId === 'B' && e.RequestType === 'Update' && e.ResourceProperties.Value === 'b2' ? 'B says no' : undefined;

      // WHEN A and B change, B fails; a new resource E (no dependencies) was created first
      const next = template({ E: custom(), ...chain({ a: 'a2', b: 'b2', c: 'c2' }).Resources });
      const error = await deployer.deploy(next).catch((e: unknown) => e);

      // THEN
      expect(error).toBeInstanceOf(DeployFailedError);
      expect(error).toMatchObject({ logicalId: 'B', requestType: 'Update', rollbackFailures: [] });
      expect((error as Error).message).toBe('B failed to update: B says no; the stack was rolled back');
      expect(fake.sent()).toEqual([
        'Create E',
        'Update A A-1',
        'Update B B-2', // C never starts
        'Update B B-2',
        'Update A A-1', // rollback updates, newest first
        'Delete E E-4', // then what this update created
      ]);
      expect(fake.events[3]).toMatchObject({ ResourceProperties: { Value: 'b' }, OldResourceProperties: { Value: 'b2' } });
      expect(fake.events[4]).toMatchObject({ ResourceProperties: { Value: 'a' }, OldResourceProperties: { Value: 'a2' } });
      expect(deployer.resources()).toEqual(before);
      expect(deployer.requests.slice(-3).map((r) => r.phase)).toEqual(['rollback', 'rollback', 'rollback']);

      // AND the next deploy updates from the pre-failure state
      fake.clear();
      fake.failWhen = () => undefined;
      await deployer.deploy(chain({ c: 'c3' }));
      expect(fake.events[0]).toMatchObject({
        RequestType: 'Update',
        OldResourceProperties: { Value: 'c' },
        ResourceProperties: { Value: 'c3' },
      });
    });

    it('rolls back a replacement by deleting the new physical id, keeping the old one', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(chain());
      fake.clear();
      fake.replaceWhen = (e) => e.LogicalResourceId === 'A';
      // Only the forward update fails: a failed rollback Update would stop the rollback (UPDATE_ROLLBACK_FAILED).
      fake.failWhen = (e) => (e.LogicalResourceId === 'C' && e.ResourceProperties.Value === 'c2' ? 'C fails' : undefined);

      await expect(deployer.deploy(chain({ a: 'a2', c: 'c2' }))).rejects.toThrow('C failed to update');

      expect(fake.sent()).toEqual(['Update A A-1', 'Update B B-2', 'Update C C-3', 'Update C C-3', 'Update B B-2', 'Delete A A-4']);
      expect(fake.events[4]).toMatchObject({ ResourceProperties: { ARef: 'A-1' }, OldResourceProperties: { ARef: 'A-4' } });
      expect(fake.live.has('A-1')).toBe(true);
      expect(fake.live.has('A-4')).toBe(false);
      expect(deployer.outputs('A').physicalResourceId).toBe('A-1');
    });

    it("rolls back a failed stack create: the framework answers the failed resource's Delete, the others are deleted by the handler", async () => {
      // GIVEN
      const deployer = deployerWith(fake);
      fake.failWhen = (e) => (e.LogicalResourceId === 'C' ? 'C cannot be created' : undefined);

      // WHEN
      const error = await deployer.deploy(chain()).catch((e: unknown) => e);

      // THEN
      expect(error).toMatchObject({ name: 'DeployFailedError', logicalId: 'C', requestType: 'Create' });
      expect(fake.sent()).toEqual(['Create A', 'Create B', 'Create C', 'Delete B B-2', 'Delete A A-1']);
      expect(deployer.requests.filter((r) => r.phase === 'rollback')).toEqual([
        expect.objectContaining({
          logicalId: 'C',
          requestType: 'Delete',
          physicalResourceId: CREATE_FAILED_PHYSICAL_ID_MARKER,
          answeredBy: 'framework',
          status: 'SUCCESS',
        }),
        expect.objectContaining({ logicalId: 'B', requestType: 'Delete', physicalResourceId: 'B-2', answeredBy: 'handler' }),
        expect.objectContaining({ logicalId: 'A', requestType: 'Delete', physicalResourceId: 'A-1', answeredBy: 'handler' }),
      ]);
      expect(deployer.resources()).toEqual([]);
      expect(deployer.deployedTemplate).toBeUndefined();

      // AND the next deploy is a create again
      fake.failWhen = () => undefined;
      await expect(deployer.deploy(chain())).resolves.toMatchObject({ operation: 'create' });
    });

    it('sends the Delete of a create that failed in isComplete to the handler, with the id onEvent returned', async () => {
      const deployer = deployerWith(fake);
      fake.failCompleteWhen = (e) => (e.LogicalResourceId === 'A' && e.RequestType === 'Create' ? 'claim FAILED' : undefined);

      await expect(deployer.deploy(template({ A: custom() }))).rejects.toThrow('A failed to create: claim FAILED');

      expect(fake.sent()).toEqual(['Create A', 'Delete A A-1']);
      expect(fake.live.size).toBe(0);
    });

    it('rolls back a create added by an update after the rollback updates', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(template({ A: custom({ Value: 'a' }) }));
      fake.clear();
      fake.failWhen = (e) => (e.LogicalResourceId === 'N' ? 'N fails' : undefined);

      await expect(deployer.deploy(template({ A: custom({ Value: 'a2' }), N: custom({ X: { Ref: 'A' } }) }))).rejects.toThrow(
        'N failed to create',
      );

      expect(fake.sent()).toEqual(['Update A A-1', 'Create N', 'Update A A-1']);
      expect(deployer.requests.at(-1)).toMatchObject({ logicalId: 'N', answeredBy: 'framework' });
    });

    it('reports a rollback that failed too', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(template({ A: custom({ Value: 'a' }) }));
      fake.failWhen = (e) => (e.LogicalResourceId === 'A' && e.RequestType === 'Update' ? 'broken' : undefined);

      const error = await deployer.deploy(template({ A: custom({ Value: 'a2' }) })).catch((e: unknown) => e);

      expect(error).toMatchObject({ rollbackFailures: [expect.objectContaining({ logicalId: 'A', physicalResourceId: 'A-1' })] });
      expect((error as Error).message).toBe('A failed to update: broken; rollback failed for A (broken)');
    });
  });

  describe('isComplete polling', () => {
    it('polls at once, then every poll interval on the manual clock, and merges Data', async () => {
      // GIVEN a claim that settles 30 s after it starts
      const clock = createManualClock();
      const start = clock.now();
      fake.completeWhen = () => clock.now() - start >= 30_000;
      fake.completeData = { Status: 'CLAIMED' };
      const deployer = deployerWith(fake, { clock, pollIntervalMs: 10_000 });

      // WHEN
      await deployer.deploy(template({ A: custom({ Value: 'a' }) }));

      // THEN
      expect(fake.calls.map((c) => c.fn)).toEqual(['onEvent', 'isComplete', 'isComplete', 'isComplete', 'isComplete']);
      expect(clock.now() - start).toBe(30_000);
      expect(deployer.requests[0].polls).toBe(4);
      expect(deployer.outputs('A').data).toEqual({ Value: 'a', Id: 'A-1', Status: 'CLAIMED' });
    });

    it('passes isComplete the event with the onEvent result merged in', async () => {
      const seen: unknown[] = [];
      const handler = { onEvent: fake.onEvent, isComplete: async (e: unknown) => (seen.push(e), { IsComplete: true }) };
      await new LocalDeployer({ handler, newRequestId: requestIds() }).deploy(template({ A: custom({ Value: 'a' }) }));
      expect(seen[0]).toMatchObject({
        RequestType: 'Create',
        RequestId: 'req-1',
        PhysicalResourceId: 'A-1',
        Data: { Value: 'a', Id: 'A-1' },
        ResourceProperties: { Value: 'a' },
      });
    });

    it('fails with "Operation timed out" after maxPolls, and rolls back', async () => {
      const clock = createManualClock();
      fake.completeWhen = (e) => e.RequestType !== 'Create';
      const deployer = deployerWith(fake, { clock, pollIntervalMs: 10_000, maxPolls: 5 });

      await expect(deployer.deploy(template({ A: custom() }))).rejects.toThrow('A failed to create: Operation timed out');

      expect(fake.calls.filter((c) => c.fn === 'isComplete' && c.type === 'Create')).toHaveLength(5);
      expect(fake.sent()).toEqual(['Create A', 'Delete A A-1']);
    });

    it('fails when isComplete returns Data before it is complete', async () => {
      const deployer = new LocalDeployer({
        handler: { onEvent: fake.onEvent, isComplete: async () => ({ IsComplete: false, Data: { X: '1' } }) },
      });
      await expect(deployer.deploy(template({ A: custom() }))).rejects.toThrow('"Data" is not allowed if "IsComplete" is "False"');
    });
  });

  describe('destroy', () => {
    it('deletes every resource in reverse dependency order, skipping DeletionPolicy Retain', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(template({ ...chain().Resources, Kept: custom({}, { DeletionPolicy: 'Retain' }) }));
      fake.clear();

      await deployer.destroy();

      expect(fake.sent()).toEqual(['Delete C C-3', 'Delete B B-2', 'Delete A A-1']);
      expect(fake.events[0].ResourceProperties).toEqual({ ServiceToken: SERVICE_TOKEN, Value: 'c', FromB: 'b' });
      expect(deployer.retained).toEqual([{ phase: 'destroy', logicalId: 'Kept', physicalResourceId: 'Kept-4', policy: 'DeletionPolicy' }]);
      expect(deployer.resources()).toEqual([]);
      expect(deployer.deployedTemplate).toBeUndefined();
    });

    it('fails when a delete fails, leaving that resource and what it depends on deployed', async () => {
      const deployer = deployerWith(fake);
      await deployer.deploy(template({ ...chain().Resources, Other: custom() }));
      fake.clear();
      fake.failWhen = (e) => (e.LogicalResourceId === 'B' ? 'B is busy' : undefined);

      const error = await deployer.destroy().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(DestroyFailedError);
      expect((error as Error).message).toBe('delete failed for B (B is busy)');
      expect(fake.sent()).toEqual(['Delete Other Other-4', 'Delete C C-3', 'Delete B B-2']);
      expect(
        deployer
          .resources()
          .map((r) => r.logicalId)
          .sort(),
      ).toEqual(['A', 'B']);
    });
  });

  describe('concurrency', () => {
    it('runs independent resources in parallel up to the limit, dependents after their dependencies', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const order: string[] = [];
      const handler = {
        onEvent: async (e: { LogicalResourceId: string }) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          order.push(e.LogicalResourceId);
          inFlight--;
          return { PhysicalResourceId: e.LogicalResourceId, Data: { Value: 'v' } };
        },
      };
      const deployer = new LocalDeployer({ handler, concurrency: 2 });
      await deployer.deploy(template({ A: custom(), B: custom(), C: custom(), D: custom({ X: { 'Fn::GetAtt': ['A', 'Value'] } }) }));
      expect(maxInFlight).toBe(2);
      expect(order.indexOf('D')).toBeGreaterThan(order.indexOf('A'));
    });
  });
});
