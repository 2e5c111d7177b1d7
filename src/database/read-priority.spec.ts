import { isThisMachine, lowerBackendPriority } from './read-priority';

describe('read backends’ priority', () => {
  it('counts a Unix socket and the loopback names as this machine, any other host not', () => {
    for (const host of [undefined, '', '/var/run/postgresql', 'localhost', '127.0.0.1', '::1'])
      expect(isThisMachine(host)).toBe(true);
    for (const host of ['db.internal', '10.0.0.5', 'postgres']) expect(isThisMachine(host)).toBe(false);
  });

  it('leaves alone a process that is not PostgreSQL, and any database on another host', () => {
    // This test's own process: not a postgres backend, so its priority stays as it is.
    expect(lowerBackendPriority(process.pid, 'localhost')).toBe(false);
    expect(lowerBackendPriority(process.pid, 'db.internal')).toBe(false);
    expect(lowerBackendPriority(null, 'localhost')).toBe(false);
  });
});
