import { newCallId } from './call-id';

describe('newCallId', () => {
  it('is a version-7 UUID carrying the time it was made, so later calls sort after earlier ones', () => {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => newCallId());
    const after = Date.now();
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
    // Within one millisecond too: the call log's index takes them in order.
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
