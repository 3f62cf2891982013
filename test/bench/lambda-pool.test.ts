import { LambdaPool } from '../../bench/lambda-pool';

/** A container whose invocations wait until released, and that says which container served them. */
function gatedContainers() {
  const gates: Array<() => void> = [];
  let started = 0;
  const start = () => {
    const id = ++started;
    return async () => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return id;
    };
  };
  const releaseAll = () => gates.splice(0).forEach((open) => open());
  return { start, releaseAll };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('the Lambda pool', () => {
  it('starts one container per invocation in flight, and reuses a free warm one afterwards', async () => {
    // GIVEN a pool
    const c = gatedContainers();
    const pool = new LambdaPool(c.start);
    // WHEN three invocations run at once
    const first = [1, 2, 3].map(() => pool.handler({ RequestType: 'Create', LogicalResourceId: 'A' }));
    await flush();
    c.releaseAll();
    const served = await Promise.all(first);
    // THEN three containers served them, and a later invocation reuses one of them
    expect(new Set(served).size).toBe(3);
    expect(pool.containers).toBe(3);
    expect(pool.peakConcurrency).toBe(3);
    const later = pool.handler({ RequestType: 'Delete', LogicalResourceId: 'A' });
    await flush();
    c.releaseAll();
    expect(served).toContain(await later);
    expect(pool.containers).toBe(3);
  });

  it('prewarms containers that later invocations use without starting new ones', async () => {
    const c = gatedContainers();
    const pool = new LambdaPool(c.start);
    pool.prewarm(2);
    expect(pool.containers).toBe(2);
    const runs = [pool.handler({}), pool.handler({})];
    await flush();
    c.releaseAll();
    expect((await Promise.all(runs)).sort()).toEqual([1, 2]);
    expect(pool.containers).toBe(2);
  });

  it('records each invocation with its resource, request type and phase, even when the handler throws', async () => {
    const pool = new LambdaPool(() => async (event: unknown) => {
      if ((event as { fail?: boolean }).fail) throw new Error('boom');
      return {};
    });
    await pool.handler({ RequestType: 'Create', LogicalResourceId: 'Number0' });
    await pool.handler({ RequestType: 'Create', LogicalResourceId: 'Number0', CdkPhoneNumbersOnEventDone: true });
    await expect(pool.handler({ RequestType: 'Delete', LogicalResourceId: 'Number1', fail: true })).rejects.toThrow('boom');
    expect(pool.invocations.map((i) => [i.logicalId, i.requestType, i.phase])).toEqual([
      ['Number0', 'Create', 'onEvent'],
      ['Number0', 'Create', 'isComplete'],
      ['Number1', 'Delete', 'onEvent'],
    ]);
    for (const i of pool.invocations) expect(i.end).toBeGreaterThanOrEqual(i.start);
  });
});
