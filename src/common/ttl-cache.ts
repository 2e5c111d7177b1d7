/**
 * A small map whose entries expire, for data the hot path reads on every call (API keys,
 * credentials, contracts). Local changes delete entries at once; the TTL bounds how long another
 * instance's change can go unseen. Concurrent misses for one key share one load, so an entry
 * expiring under load costs one query, not one per request in flight.
 *
 * An expired entry is still served for up to `maxStaleMs` while one reload runs behind it: the
 * gateway's calls must not queue behind that reload when the database is busy with reads (a
 * finance or dashboard burst), and the reload's answer replaces the entry as soon as it comes.
 * Past `maxStaleMs` (or after a local delete) a get waits for the load, as a first miss does.
 *
 * With a TTL of 0 nothing is kept: only gets that arrive while a load runs share it.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly maxStaleMs = 30_000,
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    const now = Date.now();
    if (hit && hit.expires > now) return Promise.resolve(hit.value);
    const inFlight = this.loading.get(key) ?? this.load(key, load);
    if (hit && hit.expires + this.maxStaleMs > now) {
      // A failed reload leaves the stale entry; the next get past the TTL tries again.
      inFlight.catch(() => undefined);
      return Promise.resolve(hit.value);
    }
    return inFlight;
  }

  /** Whether a get would answer without waiting: an entry still servable, or a load already running. */
  has(key: K): boolean {
    const hit = this.entries.get(key);
    return (!!hit && hit.expires + this.maxStaleMs > Date.now()) || this.loading.has(key);
  }

  delete(key: K): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }

  private load(key: K, load: () => Promise<V>): Promise<V> {
    const started = Date.now();
    const pending: Promise<V> = load().then(
      (value) => {
        // Kept only if no delete() came while it loaded: the value might be from before that change.
        if (this.loading.get(key) === pending) {
          this.loading.delete(key);
          if (this.ttlMs === 0) return value;
          // Full: the oldest entry goes (Map keeps insertion order), not all of them, so a stream of
          // unknown keys cannot keep emptying the cache for everyone else.
          this.entries.delete(key);
          if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
          this.entries.set(key, { value, expires: started + this.ttlMs });
        }
        return value;
      },
      (e: unknown) => {
        if (this.loading.get(key) === pending) this.loading.delete(key);
        throw e;
      },
    );
    this.loading.set(key, pending);
    return pending;
  }
}
