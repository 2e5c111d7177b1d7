import { Client, ClientConfig, PoolConfig } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from '../../migrations';
import { lowerBackendPriority } from './read-priority';

/**
 * pg emits 'error' on a client whose connection dies. The pool listens only while a client is
 * idle and TypeORM only on its own query runners, so a client checked out straight from the pool
 * (the ledger's transactions) had no listener, and a database that went away mid-transaction
 * crashed the process. The query in flight fails with the same error, and the next one on that
 * client at once, where the caller handles it (503, connection discarded): the event only needs a listener.
 */
class ListenedClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** A connection of the read pool: its backend yields the cores to the ledger's (read-priority.ts). */
class ReadClient extends ListenedClient {
  constructor(config?: string | ClientConfig) {
    super(config);
    // pg sets processID from the server's BackendKeyData before 'connect'; its types omit it.
    this.once('connect', () => lowerBackendPriority((this as { processID?: number }).processID, this.host));
  }
}

/**
 * Reads (finance, dashboard, reports, the close) and admin writes: TypeORM's pool. A read the
 * database works on longer than this is cancelled there, so a heavy one frees its connection
 * and the server instead of holding both. The ledger's hot-path writes have a pool of their own
 * (PG_POOL, below), so however these are busy, a gateway call does not wait for them.
 */
const READ_POOL_SIZE = 12;
/**
 * Connections the read pool opens at start-up and keeps however idle: all of them. A new one
 * costs a PostgreSQL backend and its password exchange, 15-25 ms on this machine, and a request
 * that asks for one waits for it even if another is released meanwhile (pg-pool hands the new
 * connection to that request). The dashboard's contract page reads eleven things at once (its
 * figures, the chart's days, the top handles, the alerts, the periods, the chargeback): with
 * eight kept, the first page after a restart waited ~30 ms for the chargeback's two
 * (docs/benchmarks.md).
 */
const READ_POOL_KEPT = READ_POOL_SIZE;
const READ_STATEMENT_TIMEOUT_MS = 10_000;
/** The ledger's batches are set-based: a few connections carry hundreds of calls a second each. */
const WRITE_POOL_SIZE = 8;
/**
 * All of them opened at start-up and kept: otherwise the first calls after a start, or after a
 * quiet spell (POOL_IDLE_TIMEOUT_MS), each waited for a new backend (see openKeptConnections).
 */
const WRITE_POOL_KEPT = WRITE_POOL_SIZE;
/** A connection above its pool's `min` that has been idle this long is closed. */
export const POOL_IDLE_TIMEOUT_MS = 10_000;
/**
 * Both pools keep connections idle indefinitely: TCP keepalive (probes after 30 idle seconds)
 * keeps a NAT or firewall on the way from dropping them silently, and finds out when one has,
 * instead of the next call waiting for its statement timeout on a dead connection.
 */
const KEEPALIVE = { keepAlive: true, keepAliveInitialDelayMillis: 30_000 } as const;
const WRITE_STATEMENT_TIMEOUT_MS = 15_000;

/** The ledger's own pool (PG_POOL in database.module.ts). */
export function writePoolConfig(url: string): PoolConfig {
  return {
    connectionString: url,
    Client: ListenedClient,
    max: WRITE_POOL_SIZE,
    min: WRITE_POOL_KEPT,
    idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
    ...KEEPALIVE,
    // An unreachable database must fail a call fast (503), not hang it.
    connectionTimeoutMillis: 5000,
    statement_timeout: WRITE_STATEMENT_TIMEOUT_MS,
    query_timeout: WRITE_STATEMENT_TIMEOUT_MS + 1000,
    application_name: 'handlemeter-ledger',
  };
}

/** The one data-source definition, shared by the app and the TypeORM migration CLI. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    extra: {
      Client: ReadClient,
      max: READ_POOL_SIZE,
      min: READ_POOL_KEPT,
      idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
      ...KEEPALIVE,
      // An unreachable database must fail a request fast (503), not hang it.
      connectionTimeoutMillis: 5000,
      statement_timeout: READ_STATEMENT_TIMEOUT_MS,
      query_timeout: READ_STATEMENT_TIMEOUT_MS + 1000,
      application_name: 'handlemeter',
    },
  };
}

/** For the CLI: `npm run migration:run` with DATABASE_URL set. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgresql://localhost/handlemeter'));
