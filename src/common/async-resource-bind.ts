import { AsyncResource } from 'node:async_hooks';

const INSTALLED = Symbol.for('handlemeter.fastAsyncResourceBind');

/**
 * Node 20's `AsyncResource.prototype.bind` gives every bound function a deprecated
 * `asyncResource` accessor (DEP0172) built with `util.deprecate`, a new wrapper each time. Nest's
 * InterceptorsConsumer binds twice per intercepted request (every gateway call), and in the
 * gateway's profile that accessor's construction alone was 4-5 % of the busy time
 * (docs/benchmarks.md). This bind does what Node's does (the function runs in the resource's
 * async scope, with the caller's `this` unless one is given, and keeps `length`) without the
 * deprecated accessor, which nothing in this service reads. Installed once, before Nest starts.
 */
export function installFastAsyncResourceBind(): void {
  const proto = AsyncResource.prototype as AsyncResource & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  proto.bind = fastBind as AsyncResource['bind'];
  Object.defineProperty(proto, INSTALLED, { value: true });
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

function fastBind(this: AsyncResource, fn: AnyFunction, thisArg?: unknown): AnyFunction {
  if (typeof fn !== 'function') throw new TypeError('The "fn" argument must be of type function');
  // eslint-disable-next-line @typescript-eslint/no-this-alias -- the bound function has its own `this` (the caller's)
  const resource = this;
  const bound: AnyFunction =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]): unknown {
          return resource.runInAsyncScope(fn, this, ...args);
        }
      : (...args: unknown[]): unknown => resource.runInAsyncScope(fn, thisArg, ...args);
  Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, writable: false, value: fn.length });
  return bound;
}
