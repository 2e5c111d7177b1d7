/** Refused at once: the queue already holds `maxQueued` items waiting for a flush. */
export class QueueFullError extends Error {
  constructor(readonly maxQueued: number) {
    super(`${maxQueued} items are already waiting to be written`);
  }
}

/**
 * Group commit: items that arrive while a flush is running wait for the next one, and the next
 * flush writes all of them in one transaction. Every caller still waits for a real commit of its
 * own item; the cost of a commit (round trips, fsync) is shared by everyone in the batch.
 */
export class GroupCommitter<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running: Promise<void> | null = null;

  /**
   * `flush` returns one result per item, in order, or throws to fail the whole batch. With
   * `lingerMs`, a batch waits that long for company before it is written: for writes nobody
   * waits on (outcomes), where fewer, larger transactions are worth a few milliseconds.
   * With `maxQueued`, an item that would wait behind that many others is refused at once
   * (QueueFullError): when the database is slower than the arrivals, waiting longer would only
   * hold more requests and memory without writing any sooner.
   */
  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 500,
    private readonly lingerMs = 0,
    private readonly maxQueued = Infinity,
  ) {}

  submit(item: T): Promise<R> {
    if (this.queue.length >= this.maxQueued) return Promise.reject(new QueueFullError(this.maxQueued));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Items waiting for a flush (not counting the batch being written). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves when everything submitted so far has been flushed (graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Yield once so that calls arriving in the same tick join the first batch too.
    await new Promise<void>((r) => (this.lingerMs ? setTimeout(r, this.lingerMs) : setImmediate(r)));
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.flush(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]));
      } catch (e) {
        batch.forEach((b) => b.reject(e));
      }
    }
    this.running = null;
  }
}
