import * as net from 'node:net';
import { ConfigError, redactUrl } from './config/app-config';
import { DataDirInUseError } from './database/data-dir-lock';

interface StartupContext {
  port?: number;
  databaseUrl?: string;
}

/**
 * What went wrong at start-up, as one sentence that names the fix: the person starting the
 * service needs the cause, not Node's stack. `expected` is false for a failure nobody foresaw,
 * whose stack is then worth logging at debug level.
 */
export function describeStartupError(e: unknown, ctx: StartupContext = {}): { sentence: string; expected: boolean } {
  if (e instanceof DataDirInUseError || e instanceof ConfigError) return { sentence: e.message, expected: true };
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  const db = ctx.databaseUrl ? `PostgreSQL at ${redactUrl(ctx.databaseUrl)}` : 'PostgreSQL';
  switch (err?.code) {
    case 'EADDRINUSE':
      return {
        sentence: `port ${err.port ?? ctx.port} is already in use by another program: stop it, or set PORT to a free port`,
        expected: true,
      };
    case 'EACCES':
      if (err.syscall === 'listen')
        return {
          sentence: `port ${err.port ?? ctx.port} needs privileges this user lacks: set PORT to 1024 or above`,
          expected: true,
        };
      return { sentence: `permission denied on ${err.path ?? 'a file'}: check the owner of DATA_DIR`, expected: true };
    case 'ECONNREFUSED':
      return { sentence: `could not connect to ${db}: is it running, and is DATABASE_URL right?`, expected: true };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { sentence: `could not resolve the host of ${db}: check DATABASE_URL`, expected: true };
    case '28P01':
    case '28000':
      return { sentence: `${db} refused the user or password in DATABASE_URL`, expected: true };
    case '3D000':
      return {
        sentence: `the database named in DATABASE_URL does not exist: create it first (createdb)`,
        expected: true,
      };
  }
  const message = err instanceof Error ? err.message.split('\n')[0] : String(e);
  return { sentence: `could not start: ${message}`, expected: false };
}

/**
 * Fails with EADDRINUSE (described above) if `port` is taken, before the database is started
 * or migrated for nothing. A race with another program remains; listen() reports that one.
 */
export function ensurePortFree(port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(port, () => probe.close(() => resolve()));
  });
}
