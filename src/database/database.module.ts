import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Pool } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { dataSourceOptions, READ_POOL_KEPT, writePoolConfig } from './data-source';
import { runMigrationsLocked } from './migrate';

/**
 * The raw pg pool of the hot path's writes (the gateway's write-ahead and outcomes, drop-in
 * nonces): connections of its own, so that no burst of reads (finance, dashboard, reports, the
 * close), which share TypeORM's pool, can take the connections a gateway call needs.
 */
export const PG_POOL = Symbol('PG_POOL');

/**
 * Global, so that it shuts down after every module that writes through PG_POOL (Nest shuts
 * modules down from the root outwards, global ones last): the ledger flushes its queued
 * outcomes first, then the pool ends.
 */
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(url),
          dataSourceFactory: async (options) => {
            const ds = await new DataSource(options!).initialize();
            await runMigrationsLocked(ds);
            await openKeptConnections(ds);
            return ds;
          },
        }),
      ],
      providers: [{ provide: PG_POOL, useFactory: () => writePool(url) }],
      exports: [PG_POOL],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

function writePool(url: string): Pool {
  const pool = new Pool(writePoolConfig(url));
  // An idle connection the database dropped: the pool discards it and opens another when next
  // needed. Without a listener the event would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Opens the read pool's kept connections (READ_POOL_KEPT) before the service answers, all at once
 * so each is a new one, and has each look at every table once. A new PostgreSQL backend builds
 * its cache of each table's and index's description on first use (1-6 ms a query, measured
 * against a warm one); without this the first reads after a start, whose queries fan out over
 * several connections, each paid it.
 */
async function openKeptConnections(ds: DataSource): Promise<void> {
  const runners = Array.from({ length: READ_POOL_KEPT }, () => ds.createQueryRunner());
  try {
    await Promise.all(runners.map((r) => r.connect()));
    await lookAtEveryTable(runners).catch((e: unknown) =>
      // Only a head start: the reads work without it.
      new Logger('Database').warn(`warming the read pool's connections failed: ${(e as Error).message}`),
    );
  } finally {
    await Promise.all(runners.map((r) => r.release()));
  }
}

async function lookAtEveryTable(runners: QueryRunner[]): Promise<void> {
  const tables = (await runners[0].query(
    `SELECT quote_ident(relname) AS t FROM pg_class
      WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition ORDER BY 1`,
  )) as { t: string }[];
  const lookAtEach = tables.map((r) => `SELECT 1 FROM ${r.t} LIMIT 0`).join('; ');
  if (lookAtEach) await Promise.all(runners.map((r) => r.query(lookAtEach)));
}
