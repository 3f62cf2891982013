import { chunks, mapLimit } from '../../lambda/batching';

/** A call the test settles by hand, so that the number of calls in flight can be read at any moment. */
function gate() {
  const waiting: Array<{ item: number; settled: boolean; resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  let peak = 0;
  const pending = () => waiting.filter((w) => !w.settled);
  const fn = (item: number) =>
    new Promise<string>((resolve, reject) => {
      const entry = {
        item,
        settled: false,
        resolve: (v: string) => {
          entry.settled = true;
          resolve(v);
        },
        reject: (e: Error) => {
          entry.settled = true;
          reject(e);
        },
      };
      waiting.push(entry);
      peak = Math.max(peak, pending().length);
    });
  return { fn, waiting, pending, peak: () => peak };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('mapLimit', () => {
  it('never has more than `limit` calls in flight, and starts the next one as soon as one ends', async () => {
    const g = gate();
    const done = mapLimit([1, 2, 3, 4, 5], 2, g.fn);
    await flush();
    expect(g.waiting.map((w) => w.item)).toEqual([1, 2]);
    g.waiting[1].resolve('two');
    await flush();
    expect(g.waiting.map((w) => w.item)).toEqual([1, 2, 3]);
    expect(g.pending().map((w) => w.item)).toEqual([1, 3]);
    while (g.pending().length > 0) {
      const oldest = g.pending()[0];
      oldest.resolve(`n${oldest.item}`);
      await flush();
    }
    await expect(done).resolves.toEqual(['n1', 'two', 'n3', 'n4', 'n5']);
    expect(g.peak()).toBe(2);
  });

  it('returns the results in the order of the items, not the order the calls ended', async () => {
    const g = gate();
    const done = mapLimit([10, 20, 30], 3, g.fn);
    await flush();
    g.waiting[2].resolve('thirty');
    g.waiting[0].resolve('ten');
    g.waiting[1].resolve('twenty');
    await expect(done).resolves.toEqual(['ten', 'twenty', 'thirty']);
  });

  it('rejects with the first failure', async () => {
    const g = gate();
    const done = mapLimit([1, 2], 2, g.fn);
    await flush();
    g.waiting[0].reject(new Error('ThrottlingException'));
    await expect(done).rejects.toThrow('ThrottlingException');
    g.waiting[1].resolve('late');
  });

  it('calls nothing for no items', async () => {
    const fn = jest.fn(async (n: number) => n);
    await expect(mapLimit([], 4, fn)).resolves.toEqual([]);
    expect(fn).not.toHaveBeenCalled();
  });

  it.each([0, -1, 1.5, Number.NaN])('fails when the limit is %p, naming it (no call would ever run)', async (limit) => {
    await expect(mapLimit([1], limit, async (n) => n)).rejects.toThrow(`limit must be a positive integer, got ${limit}`);
  });
});

describe('chunks', () => {
  it('cuts the items into consecutive slices of the size, the last one shorter', () => {
    expect(chunks(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(chunks(['a', 'b', 'c', 'd'], 2)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(chunks(['a'], 10)).toEqual([['a']]);
    expect(chunks([], 10)).toEqual([]);
  });

  it.each([0, -3, 2.5])('fails when the size is %p, naming it (it would never end)', (size) => {
    expect(() => chunks([1, 2, 3], size)).toThrow(`size must be a positive integer, got ${size}`);
  });
});
