import { DataSource, EntityManager } from 'typeorm';
import { SecretBox } from '../common/secret-box';

/** Every column that holds a SecretBox-sealed value. A new one must be listed here, or rotation leaves it behind. */
const SEALED: { table: string; columns: string[] }[] = [
  { table: 'apps', columns: ['consumer_secret_enc', 'bearer_token_enc'] },
  { table: 'handles', columns: ['access_token_enc', 'access_token_secret_enc'] },
  { table: 'contracts', columns: ['notify_webhook_url_enc'] },
  { table: 'outbox', columns: ['target_enc'] },
  { table: 'handle_connections', columns: ['request_token_enc', 'request_token_secret_enc'] },
];
const CHUNK = 1000;

export interface RotationReport {
  /** Secrets that were under a previous key and are now under the current one. */
  resealed: number;
  /** Secrets already under the current key (a second run finds only these). */
  alreadyCurrent: number;
  columns: Record<string, { resealed: number; alreadyCurrent: number }>;
}

export class UnreadableSecretsError extends Error {
  constructor(readonly where: string[]) {
    super(
      `${where.length} stored secret(s) open with none of the keys given, so nothing was changed. ` +
        `Add the key they were sealed with to CREDENTIALS_KEY_PREVIOUS and run again. Rows: ${where.slice(0, 20).join(', ')}${where.length > 20 ? ', …' : ''}`,
    );
  }
}

/** A row of a table with sealed columns: its id and those columns, by name. */
type SealedRow = Record<string, string | null>;

/**
 * Re-seals every stored secret under `box`'s current key, in one transaction: all of them or,
 * if any opens with none of the keys, none (UnreadableSecretsError names the rows, never a value).
 * Rows are locked while they are rewritten, so a concurrent change to one waits.
 */
export function rotateCredentials(ds: DataSource, box: SecretBox): Promise<RotationReport> {
  return ds.transaction(async (m) => {
    const report: RotationReport = { resealed: 0, alreadyCurrent: 0, columns: {} };
    const unreadable: string[] = [];
    for (const { table, columns } of SEALED) {
      const rows = await m.query<SealedRow[]>(`SELECT id, ${columns.join(', ')} FROM ${table} ORDER BY id FOR UPDATE`);
      const changed: Record<string, string | null>[] = [];
      for (const c of columns) report.columns[`${table}.${c}`] = { resealed: 0, alreadyCurrent: 0 };
      for (const row of rows) {
        let dirty = false;
        for (const c of columns) {
          if (row[c] === null) continue;
          let next: string | null;
          try {
            next = box.reseal(row[c]);
          } catch {
            unreadable.push(`${table}.${c} id=${row.id}`);
            continue;
          }
          const counts = report.columns[`${table}.${c}`];
          if (next === null) counts.alreadyCurrent++;
          else {
            counts.resealed++;
            row[c] = next;
            dirty = true;
          }
        }
        if (dirty) changed.push(row);
      }
      for (let i = 0; i < changed.length; i += CHUNK) await update(m, table, columns, changed.slice(i, i + CHUNK));
    }
    if (unreadable.length) throw new UnreadableSecretsError(unreadable);
    for (const c of Object.values(report.columns)) {
      report.resealed += c.resealed;
      report.alreadyCurrent += c.alreadyCurrent;
    }
    return report;
  });
}

/** One statement per chunk of rows: `UPDATE ... FROM unnest(...)`. */
async function update(
  m: EntityManager,
  table: string,
  columns: string[],
  rows: Record<string, string | null>[],
): Promise<void> {
  const sets = columns.map((c, i) => `${c} = v.c${i}`).join(', ');
  const arrays = columns.map((_, i) => `$${i + 2}::text[]`).join(', ');
  const names = columns.map((_, i) => `c${i}`).join(', ');
  await m.query(
    `UPDATE ${table} t SET ${sets} FROM unnest($1::uuid[], ${arrays}) AS v(id, ${names}) WHERE t.id = v.id`,
    [rows.map((r) => r.id), ...columns.map((c) => rows.map((r) => r[c]))],
  );
}
