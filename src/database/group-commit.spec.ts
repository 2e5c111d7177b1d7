import { GroupCommitter, QueueFullError } from './group-commit';

describe('GroupCommitter', () => {
  it('batches items submitted together and answers each with its own result', async () => {
    const batches: number[][] = [];
    const gc = new GroupCommitter<number, number>(async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 5));
      return items.map((i) => i * 10);
    });
    const results = await Promise.all([1, 2, 3].map((i) => gc.submit(i)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('items arriving during a flush go into the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommitter<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items;
    });
    const first = gc.submit(1);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const later = [gc.submit(2), gc.submit(3)];
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('a failed flush rejects every caller in that batch and the next batch still runs', async () => {
    let fail = true;
    const gc = new GroupCommitter<number, number>(async (items) => {
      if (fail) {
        fail = false;
        throw new Error('db down');
      }
      return items;
    });
    await expect(Promise.all([gc.submit(1), gc.submit(2)])).rejects.toThrow('db down');
    await expect(gc.submit(3)).resolves.toBe(3);
  });

  it('with a linger, items submitted over a few milliseconds share one batch', async () => {
    const batches: number[][] = [];
    const gc = new GroupCommitter<number, number>(
      async (items) => {
        batches.push(items);
        return items;
      },
      500,
      50,
    );
    const first = gc.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const second = gc.submit(2);
    await Promise.all([first, second]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('respects the batch size limit', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommitter<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => gc.submit(i)));
    expect(sizes).toEqual([2, 2, 1]);
    await gc.idle();
  });

  it('with maxQueued, refuses at once an item that would wait behind that many, and takes items again once they are written', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommitter<number, number>(
      async (items) => {
        await gate;
        return items;
      },
      500,
      0,
      2,
    );
    const first = gc.submit(1);
    await new Promise((r) => setImmediate(r)); // 1 is being written: not waiting
    const waiting = [gc.submit(2), gc.submit(3)];
    await expect(gc.submit(4)).rejects.toBeInstanceOf(QueueFullError);
    expect(gc.waiting).toBe(2);
    release();
    expect(await Promise.all([first, ...waiting])).toEqual([1, 2, 3]);
    expect(await gc.submit(5)).toBe(5);
  });
});
