import * as path from 'node:path';
import { Client, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { runMigrationsLocked } from '../../src/database/migrate';
import { createTestDatabase, withClient } from './database';

/** The committed snapshot: the schema as the migrations leave it, to read in one place and diff in review. */
export const SCHEMA_FILE = path.join(__dirname, '../../migrations/schema.sql');
export const SNAPSHOT_COMMAND = 'npm run schema:snapshot';

/**
 * The schema of a fresh database on the test server (TEST_DATABASE_URL) after every migration, as
 * schemaSnapshot renders it. Migrated the way the app does it at start-up (runMigrationsLocked).
 */
export async function snapshotOfFreshDatabase(): Promise<string> {
  const db = await createTestDatabase();
  try {
    const ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    try {
      await runMigrationsLocked(ds);
    } finally {
      await ds.destroy();
    }
    return await withClient(db.url, schemaSnapshot);
  } finally {
    await db.drop();
  }
}

/**
 * The public schema as SQL, read from the catalog: extensions, tables (columns, constraints,
 * partitioning, indexes, triggers), and every function's full text, each group in name order.
 * Left out, because they depend on the date or the run rather than on the migrations: the month
 * partitions of `calls` (call_log_ensure_partition creates them as time passes), sequences'
 * values, and TypeORM's `migrations` table. Not pg_dump: its output changes with its version.
 */
export async function schemaSnapshot(client: Client): Promise<string> {
  await client.query('BEGIN READ ONLY');
  try {
    // Deparsed SQL depends on the session: names off the search path are qualified, and constants
    // are written in its time zone and styles (ledger_slot's origin). Fixed, so the text is the schema's.
    await client.query(
      "SET LOCAL search_path = public; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL IntervalStyle = postgres",
    );
    const [version] = await rows<{ major: string }>(
      client,
      `SELECT current_setting('server_version_num')::int / 10000 AS major`,
    );
    await refuseUnrendered(client);
    const parts = [
      header(Number(version.major)),
      await extensions(client),
      ...(await tables(client)),
      ...(await functions(client)),
    ];
    return parts.filter((p) => p !== '').join('\n\n') + '\n';
  } finally {
    await client.query('COMMIT');
  }
}

/** The server's major version the snapshot was generated on, from its header (see header below). */
export function snapshotMajor(snapshot: string): number | undefined {
  const m = /^-- Generated on PostgreSQL (\d+)/m.exec(snapshot);
  return m ? Number(m[1]) : undefined;
}

function header(major: number): string {
  return [
    '-- The schema the migrations (migrations/*.ts) produce, read from the catalog of a freshly migrated',
    '-- database. For reading and review, not for running: the migrations build the database.',
    `-- Generated on PostgreSQL ${major} by \`${SNAPSHOT_COMMAND}\`; test/medium/schema.test.ts fails when it is stale.`,
    '-- Left out (they depend on the date or the run): the month partitions of calls, calls_YYYY_MM,',
    "-- which call_log_ensure_partition creates; sequences' values; TypeORM's migrations table.",
  ].join('\n');
}

async function rows<Row extends QueryResultRow>(client: Client, text: string): Promise<Row[]> {
  return (await client.query<Row>(text)).rows;
}

/** The tables of the snapshot: plain and partitioned ones in the public schema, without partitions. */
const TABLES = `
  SELECT c.oid FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     AND c.relname <> 'migrations'`;

/** Members of an extension are the extension's: its CREATE EXTENSION line stands for them. */
const NOT_FROM_EXTENSION = (oid: string, catalog: string) => `
  NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/**
 * An object of a kind the snapshot does not render (a view, a type, a sequence of its own, another
 * schema) would change the schema without changing the snapshot: refuse it, so that this file learns to show it.
 */
async function refuseUnrendered(client: Client): Promise<void> {
  const others = await rows<{ object: string }>(
    client,
    `SELECT format('relation %s (relkind %s)', c.relname, c.relkind) AS object FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind NOT IN ('r', 'p', 'i', 'I')
        AND NOT (c.relkind = 'S' AND EXISTS (
          SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
     UNION ALL
     SELECT format('type %s (typtype %s)', t.typname, t.typtype) FROM pg_type t
      WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')
        AND ${NOT_FROM_EXTENSION('t.oid', 'pg_type')}
     UNION ALL
     SELECT format('function %s (prokind %s)', p.proname, p.prokind) FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace AND p.prokind NOT IN ('f', 'p')
        AND ${NOT_FROM_EXTENSION('p.oid', 'pg_proc')}
     UNION ALL
     SELECT format('schema %s', n.nspname) FROM pg_namespace n
      WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1`,
  );
  if (others.length > 0)
    throw new Error(
      `schemaSnapshot does not render ${others.map((o) => o.object).join(', ')}: teach it (${__filename})`,
    );
}

async function extensions(client: Client): Promise<string> {
  const found = await rows<{ name: string }>(
    client,
    `SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1`,
  );
  return found.map((e) => `CREATE EXTENSION IF NOT EXISTS "${e.name}";`).join('\n');
}

type ColumnRow = {
  table: string;
  name: string;
  type: string;
  not_null: boolean;
  default: string | null;
  identity: string;
  generated: string;
};
type TableRow = { table: string; partition_key: string | null };
type DefinitionRow = { table: string; definition: string };

/**
 * Each table's columns, constraints, indexes and triggers, grouped here by table. Sorted by `name`
 * columns (C collation) where a name decides the order, so the server's locale does not.
 */
async function tables(client: Client): Promise<string[]> {
  const list = await rows<TableRow>(
    client,
    `SELECT c.oid::regclass::text AS table, CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key
       FROM pg_class c WHERE c.oid IN (${TABLES}) ORDER BY c.relname`,
  );
  const columns = await rows<ColumnRow>(
    client,
    `SELECT c.oid::regclass::text AS table, quote_ident(a.attname) AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default,
            a.attidentity AS identity, a.attgenerated AS generated
       FROM pg_class c
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE c.oid IN (${TABLES}) ORDER BY a.attnum`,
  );
  // NOT NULL is the column's (PostgreSQL 18 also lists it as a constraint, contype 'n').
  const constraints = await rows<DefinitionRow>(
    client,
    `SELECT c.conrelid::regclass::text AS table, format('CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid)) AS definition
       FROM pg_constraint c WHERE c.conrelid IN (${TABLES}) AND c.contype IN ('p', 'u', 'x', 'c', 'f')
      ORDER BY array_position(ARRAY['p', 'u', 'x', 'c', 'f']::"char"[], c.contype), c.conname`,
  );
  // Indexes of their own: those behind a primary key, unique or exclusion constraint are in the table.
  const indexes = await rows<DefinitionRow>(
    client,
    `SELECT i.indrelid::regclass::text AS table, pg_get_indexdef(i.indexrelid) || ';' AS definition
       FROM pg_index i WHERE i.indrelid IN (${TABLES})
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
      ORDER BY (SELECT relname FROM pg_class WHERE oid = i.indexrelid)`,
  );
  const triggers = await rows<DefinitionRow>(
    client,
    `SELECT t.tgrelid::regclass::text AS table, pg_get_triggerdef(t.oid) || ';' AS definition
       FROM pg_trigger t WHERE t.tgrelid IN (${TABLES}) AND NOT t.tgisinternal
      ORDER BY t.tgname`,
  );
  return list.map((t) => {
    const of = (r: { table: string }) => r.table === t.table;
    const lines = [
      ...columns.filter(of).map((c) => '  ' + column(c)),
      ...constraints.filter(of).map((c) => '  ' + c.definition),
    ];
    const partitioned = t.partition_key
      ? ` PARTITION BY ${t.partition_key};\n-- Its partitions are left out: they are created by date (see the header).`
      : ';';
    return [
      `CREATE TABLE ${t.table} (\n${lines.join(',\n')}\n)${partitioned}`,
      ...indexes.filter(of).map((i) => i.definition),
      ...triggers.filter(of).map((i) => i.definition),
    ].join('\n');
  });
}

function column(c: ColumnRow): string {
  const parts = [c.name, c.type];
  if (c.not_null) parts.push('NOT NULL');
  if (c.identity) parts.push(`GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`);
  else if (c.generated) parts.push(`GENERATED ALWAYS AS (${c.default}) ${c.generated === 's' ? 'STORED' : 'VIRTUAL'}`);
  else if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
  return parts.join(' ');
}

async function functions(client: Client): Promise<string[]> {
  const found = await rows<{ definition: string }>(
    client,
    `SELECT pg_get_functiondef(p.oid) AS definition FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p') AND ${NOT_FROM_EXTENSION('p.oid', 'pg_proc')}
      ORDER BY p.proname, pg_get_function_identity_arguments(p.oid) COLLATE "C"`,
  );
  return found.map((f) => f.definition.trimEnd() + ';');
}
