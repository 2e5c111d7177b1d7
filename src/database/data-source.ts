import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from '../../migrations';

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
