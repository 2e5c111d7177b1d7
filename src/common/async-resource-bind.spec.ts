import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { installFastAsyncResourceBind } from './async-resource-bind';

describe('installFastAsyncResourceBind', () => {
  beforeAll(() => installFastAsyncResourceBind());

  it('runs the bound function in the async context it was bound in, as Node does', () => {
    const store = new AsyncLocalStorage<string>();
    const bound = store.run('request-1', () => AsyncResource.bind(() => store.getStore()));
    expect(store.run('request-2', () => bound())).toBe('request-1');
    expect(bound()).toBe('request-1');
  });

  it("passes the arguments through, keeps the caller's this unless one is given, and the length", () => {
    function f(this: unknown, a: number, b: number): [unknown, number] {
      return [this, a + b];
    }
    const target = { name: 't' };
    const callerThis = { name: 'caller' };
    const unbound = AsyncResource.bind(f);
    expect(unbound.call(callerThis, 1, 2)).toEqual([callerThis, 3]);
    expect(AsyncResource.bind(f, 'x', target).call(callerThis, 2, 3)).toEqual([target, 5]);
    expect(unbound.length).toBe(2);
  });

  it('defines no deprecated asyncResource accessor (the cost it removes) and refuses a non-function', () => {
    const bound = new AsyncResource('t').bind(() => 1);
    expect(Object.getOwnPropertyDescriptor(bound, 'asyncResource')).toBeUndefined();
    expect(() => new AsyncResource('t').bind(42 as unknown as () => void)).toThrow(TypeError);
  });
});
