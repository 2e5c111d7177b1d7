import { Client, ClientConfig } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from '../../migrations';

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
      Client: ListenedClient,
      max: 20,
      // An unreachable database must fail a call fast (503), not hang it.
      connectionTimeoutMillis: 5000,
      query_timeout: 15000,
      application_name: 'handlemeter',
    },
  };
}

/** For the CLI: `npm run migration:run` with DATABASE_URL set. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgresql://localhost/handlemeter'));
