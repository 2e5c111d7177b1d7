import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('loads once for concurrent misses of one key, serves the value until it expires, then serves it stale while one reload runs', async () => {
    // The clock is the test's: a loaded machine's late timers cannot expire anything early.
    jest.useFakeTimers({ now: 0, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      let loads = 0;
      let release!: () => void;
      const load = async () => {
        const n = ++loads;
        await new Promise<void>((r) => (release = r));
        return n;
      };
      const flush = () => new Promise((r) => setImmediate(r));
      const cache = new TtlCache<string, number>(1000);
      const first = Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)]);
      release();
      expect(await first).toEqual([1, 1, 1]);
      jest.setSystemTime(999);
      expect(await cache.get('k', load)).toBe(1);
      expect(loads).toBe(1);
      jest.setSystemTime(1500);
      // Expired: the old value at once, while one reload runs; then the reloaded one.
      expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 1]);
      expect(loads).toBe(2);
      release();
      await flush();
      expect(await cache.get('k', load)).toBe(2);
      expect(loads).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('past maxStaleMs an expired entry is not served: the get waits for the load', async () => {
    const cache = new TtlCache<string, string>(10, 100, 20);
    await cache.get('k', async () => 'old');
    await new Promise((r) => setTimeout(r, 50));
    expect(await cache.get('k', async () => 'new')).toBe('new');
  });

  it('has() says whether a get would answer without waiting: a servable entry or a load running', async () => {
    jest.useFakeTimers({ now: 0, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const cache = new TtlCache<string, string>(1000, 100, 500);
      expect(cache.has('k')).toBe(false);
      let release!: (v: string) => void;
      const loading = cache.get('k', () => new Promise<string>((r) => (release = r)));
      expect(cache.has('k')).toBe(true);
      release('v');
      await loading;
      jest.setSystemTime(1400); // expired, still served stale
      expect(cache.has('k')).toBe(true);
      jest.setSystemTime(1600); // past maxStaleMs
      expect(cache.has('k')).toBe(false);
      await cache.get('k', async () => 'w');
      cache.delete('k');
      expect(cache.has('k')).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a reload that fails leaves the stale value, and a later get tries again', async () => {
    const cache = new TtlCache<string, string>(10);
    await cache.get('k', async () => 'old');
    await new Promise((r) => setTimeout(r, 20));
    expect(await cache.get('k', () => Promise.reject(new Error('db busy')))).toBe('old');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k', async () => 'new')).toBe('old');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k', async () => 'newer')).toBe('new');
  });

  it('does not keep a value that was loading when the key was deleted', async () => {
    let release!: (v: string) => void;
    const cache = new TtlCache<string, string>(60_000);
    const first = cache.get('k', () => new Promise<string>((r) => (release = r)));
    cache.delete('k');
    release('before the change');
    expect(await first).toBe('before the change');
    expect(await cache.get('k', async () => 'after the change')).toBe('after the change');
  });

  it('when full, drops only its oldest entry', async () => {
    const cache = new TtlCache<string, string>(60_000, 2);
    let loads = 0;
    const load = (v: string) => async () => {
      loads++;
      return v;
    };
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('c', load('c'));
    expect(loads).toBe(3);
    expect(await cache.get('b', load('b'))).toBe('b');
    expect(await cache.get('c', load('c'))).toBe('c');
    expect(loads).toBe(3);
    await cache.get('a', load('a'));
    expect(loads).toBe(4);
  });

  it('a failed load is not cached: the next get tries again', async () => {
    const cache = new TtlCache<string, string>(60_000);
    await expect(cache.get('k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('k', async () => 'ok')).toBe('ok');
  });

  it('with a TTL of 0 shares a load only among the gets that arrive while it runs, and keeps nothing', async () => {
    const cache = new TtlCache<string, number>(0, 10, 0);
    let loads = 0;
    let release!: () => void;
    const load = () => {
      loads++;
      return new Promise<number>((resolve) => (release = () => resolve(loads)));
    };
    const first = cache.get('page', load);
    const second = cache.get('page', load);
    release();
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    const third = cache.get('page', load);
    release();
    expect(await third).toBe(2);
    expect(loads).toBe(2);
  });
});
