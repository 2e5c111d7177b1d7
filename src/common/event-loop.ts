/**
 * Long work in the process that also serves the gateway (a 50,000-row import: the body's walk,
 * its parse, its mapping) is done in turns: between two turns the event loop runs what is waiting
 * (the gateway's I/O, timers), so a call waits for one turn, a few milliseconds, not for the
 * whole of that work. setImmediate rather than a resolved promise: promise callbacks run before
 * any I/O, so awaiting one alone would let nothing else in.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * `items.map(fn)`, yielding to the event loop after every `perTurn` items. Fewer items than that
 * are mapped at once, without a yield.
 */
export async function mapInTurns<T, U>(
  items: readonly T[],
  perTurn: number,
  fn: (item: T, index: number) => U,
): Promise<U[]> {
  const out: U[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % perTurn === 0) await yieldToEventLoop();
    out.push(fn(items[i], i));
  }
  return out;
}
