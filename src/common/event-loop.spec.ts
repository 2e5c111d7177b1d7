import { turnsDuring } from '../../test/support/event-loop-turns';
import { mapInTurns, yieldToEventLoop } from './event-loop';

describe('yieldToEventLoop', () => {
  it('lets what was waiting for the event loop run first', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('waiting'));
    await yieldToEventLoop();
    order.push('after the yield');
    expect(order).toEqual(['waiting', 'after the yield']);
  });
});

describe('mapInTurns', () => {
  it('maps in order, yielding to the event loop between turns', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    let out: number[] = [];
    const turns = await turnsDuring(async () => (out = await mapInTurns(items, 100, (n, i) => n * 2 + i)));
    expect(out).toEqual(items.map((n) => n * 3));
    // 9 yields (after items 100, 200, ..., 900): the callback ran at each.
    expect(turns).toBeGreaterThanOrEqual(9);
  });

  it('maps fewer items than a turn at once', async () => {
    let out: string[] = [];
    expect(await turnsDuring(async () => (out = await mapInTurns(['a', 'b'], 100, (s) => s.toUpperCase())))).toBe(0);
    expect(out).toEqual(['A', 'B']);
  });
});
