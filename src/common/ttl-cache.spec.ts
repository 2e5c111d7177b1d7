import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('loads once for concurrent misses of one key, and serves the value until it expires', async () => {
    let loads = 0;
    const cache = new TtlCache<string, number>(50);
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 10));
      return loads;
    };
    expect(await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)])).toEqual([1, 1, 1]);
    expect(await cache.get('k', load)).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get('k', load)).toBe(2);
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
});
