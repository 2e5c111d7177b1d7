import { Provider, Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { DatabaseModule } from '../../src/database/database.module';
import { createTestDatabase } from './database';

/**
 * The medium tier: real providers on a real PostgreSQL (a fresh database with the real
 * migrations), without the HTTP app around them. A suite names the providers it tests; their
 * dependencies come from the database module (the data source, the pool) or from `providers`.
 */
export interface Medium {
  module: TestingModule;
  databaseUrl: string;
  get<T>(type: Type<T>): T;
  /** SQL straight on the database: to arrange rows and to read what a provider wrote. */
  sql<Row>(text: string, params?: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export async function startMedium(providers: Provider[]): Promise<Medium> {
  const db = await createTestDatabase();
  const module = await Test.createTestingModule({ imports: [DatabaseModule.forRoot(db.url)], providers }).compile();
  await module.init();
  const ds = module.get(DataSource);
  return {
    module,
    databaseUrl: db.url,
    get: (type) => module.get(type),
    sql: (text, params) => ds.query(text, params),
    close: async () => {
      await module.close();
      await db.drop();
    },
  };
}
