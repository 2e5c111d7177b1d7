import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, writePoolConfig } from './data-source';
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
            const reads = readPoolOf(ds);
            if (reads) await openKeptConnections(reads);
            return ds;
          },
        }),
      ],
      providers: [
        {
          provide: PG_POOL,
          // After the data source: its migrations make the tables the kept connections look at.
          inject: [getDataSourceToken()],
          useFactory: async () => {
            const pool = writePool(url);
            await openKeptConnections(pool);
            return pool;
          },
        },
      ],
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

/** TypeORM's pool of pg connections (its postgres driver's `master`), if it still keeps it there. */
function readPoolOf(ds: DataSource): Pool | null {
  const master = (ds.driver as unknown as { master?: unknown }).master;
  if (master instanceof Pool) return master;
  new Logger('Database').warn("TypeORM's driver has no pg Pool at `master`: the read pool is not warmed at start-up");
  return null;
}

/**
 * Opens a pool's kept connections (its `min`) before the service answers, all at once so that
 * (nearly) each is a new one, and has each look at every table once. A new PostgreSQL backend
 * costs its start and password exchange (15-25 ms on this machine) and builds its cache of each
 * table's and index's description on first use (1-6 ms a query, measured against a warm one);
 * without this the first reads after a start, whose queries fan out over several connections,
 * and the gateway's first calls each paid it. Only a head start: whatever fails here is logged,
 * and the pools open connections when they are needed, as they would without it. pg-pool never
 * opens connections to reach `min` by itself; it only keeps that many when idle, so after a
 * database restart the pools fill again as requests need them.
 */
async function openKeptConnections(pool: Pool): Promise<void> {
  const opened = await Promise.allSettled(Array.from({ length: pool.options.min ?? 0 }, () => pool.connect()));
  const clients = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  try {
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
    await lookAtEveryTable(clients);
  } catch (e) {
    new Logger('Database').warn(`warming the database connections failed: ${(e as Error).message}`);
  } finally {
    clients.forEach((c) => c.release());
  }
}

type TableNameRow = { t: string };

async function lookAtEveryTable(clients: PoolClient[]): Promise<void> {
  const { rows } = await clients[0].query<TableNameRow>(
    `SELECT quote_ident(relname) AS t FROM pg_class
      WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition ORDER BY 1`,
  );
  const lookAtEach = rows.map((r) => `SELECT 1 FROM ${r.t} LIMIT 0`).join('; ');
  if (lookAtEach) await Promise.all(clients.map((c) => c.query(lookAtEach)));
}
