import { TooManyFailedAttemptsError, UnauthenticatedError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { AuthFailureLimiter, ClientRequest } from './auth-failure-limiter';

const limiter = (authFailureLimit: number, trustProxyHops = 0) =>
  new AuthFailureLimiter({ authFailureLimit, trustProxyHops } as AppConfig);
const req = (remoteAddress: string, xff?: string): ClientRequest => ({
  headers: xff ? { 'x-forwarded-for': xff } : {},
  socket: { remoteAddress },
});
const fail = () => Promise.reject(new UnauthenticatedError());
const isFailure = (e: unknown) => e instanceof UnauthenticatedError;

describe('AuthFailureLimiter', () => {
  afterEach(() => jest.useRealTimers());

  it('ignores X-Forwarded-For unless told how many proxies to trust', () => {
    expect(limiter(5).clientOf(req('10.0.0.9', '203.0.113.7'))).toBe('10.0.0.9');
    expect(limiter(5, 1).clientOf(req('10.0.0.9', '198.51.100.1, 203.0.113.7'))).toBe('203.0.113.7');
    expect(limiter(5, 2).clientOf(req('10.0.0.9', '198.51.100.1, 203.0.113.7'))).toBe('198.51.100.1');
    // Fewer entries than trusted hops: the leftmost there is.
    expect(limiter(5, 3).clientOf(req('10.0.0.9', '203.0.113.7'))).toBe('203.0.113.7');
  });

  it('counts IPv4-mapped addresses as IPv4 and IPv6 by its /64', () => {
    const l = limiter(5);
    expect(l.clientOf(req('::ffff:192.0.2.4'))).toBe('192.0.2.4');
    expect(l.clientOf(req('2001:db8:1:2:aaaa::1'))).toBe(l.clientOf(req('2001:db8:1:2:bbbb::2')));
    expect(l.clientOf(req('2001:db8:1:2::1'))).not.toBe(l.clientOf(req('2001:db8:1:3::1')));
  });

  it('refuses with a Retry-After until the minute of the first failure is over, then forgets', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-06T10:00:00Z') });
    const l = limiter(2);
    const r = req('192.0.2.1');
    for (let i = 0; i < 2; i++)
      await expect(l.attempt(r, fail, isFailure)).rejects.toBeInstanceOf(UnauthenticatedError);
    jest.setSystemTime(new Date('2026-12-06T10:00:45Z'));
    const refused = await l.attempt(r, () => Promise.resolve('ok'), isFailure).catch((e) => e);
    expect(refused).toBeInstanceOf(TooManyFailedAttemptsError);
    expect(refused.headers()).toEqual({ 'Retry-After': '15' });
    await expect(l.attempt(req('192.0.2.2'), () => Promise.resolve('ok'), isFailure)).resolves.toBe('ok');
    jest.setSystemTime(new Date('2026-12-06T10:01:00Z'));
    await expect(l.attempt(r, () => Promise.resolve('ok'), isFailure)).resolves.toBe('ok');
  });

  it('AUTH_FAILURE_LIMIT=0 turns it off', async () => {
    const l = limiter(0);
    for (let i = 0; i < 100; i++)
      await expect(l.attempt(req('192.0.2.1'), fail, isFailure)).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});
