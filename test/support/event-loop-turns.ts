/**
 * How often a callback that keeps rescheduling itself with setImmediate ran while `work` ran: the
 * turns the event loop got (gateway calls, timers) during long work done in turns
 * (src/common/event-loop.ts). 0 when the work never yielded.
 */
export async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    await work();
  } finally {
    running = false;
  }
  return turns;
}
