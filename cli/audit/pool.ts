/**
 * Concurrency helpers that never leave work running behind a failure: the audit answers its exit code
 * only when every call it started has ended.
 */

/** Waits for every promise; then throws the first rejection, if any. */
export async function allSettledOrThrow<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * Runs `fn` over the items with at most `concurrency` calls in flight; results in item order. After a
 * failure no new item starts, and the first failure is thrown once the calls in flight have ended.
 */
export async function mapPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await allSettledOrThrow(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
