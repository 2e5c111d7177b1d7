import * as fs from 'node:fs';
import { EmbeddedDatabase } from '../../src/database/embedded-postgres';

/** Runs once per Jest project that ran: the first one stops the shared PostgreSQL, the rest find nothing. */
export default async function globalTeardown(): Promise<void> {
  const global = globalThis as Record<string, unknown>;
  const state = global.__handlemeterDb as { db: EmbeddedDatabase; dir: string } | undefined;
  if (!state) return;
  delete global.__handlemeterDb;
  await state.db.stop();
  fs.rmSync(state.dir, { recursive: true, force: true });
}
