/**
 * Splitting work into batches and running it with bounded concurrency: the AWS batch APIs take a
 * limited number of items per request, and reads of many items must stay under the service's rate.
 */

/** Runs `fn` over `items` with at most `limit` calls in flight; the results keep the order of `items`. */
export async function mapLimit<T, R>(items: ReadonlyArray<T>, limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`mapLimit: limit must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** `items` in consecutive slices of `size` (the last one shorter when `size` does not divide the length). */
export function chunks<T>(items: ReadonlyArray<T>, size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunks: size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
