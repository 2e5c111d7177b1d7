/**
 * Plumbing of the read-side benchmark (test/bench/scale.bench.ts): the service as a child
 * process, the embedded PostgreSQL's settings, HTTP timing and the summary statistics.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as readline from 'node:readline';
import { Client } from 'pg';
import { request as undiciRequest } from 'undici';
import type { SimulatorOptions } from '../../src/dev/x-simulator';

export const log = (m: string): void =>
  void process.stderr.write(`[bench:scale ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

export function load(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** A positive whole number from the environment, or the default. */
export function knob(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected a positive whole number, got "${v}"`);
  return n;
}

// ---------------------------------------------------------------- the service

/** `node dist/src/main.js` with its output kept (the last lines are shown if it fails). */
export class Service {
  private readonly tail: string[] = [];
  private readonly proc: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(
    script: string,
    env: NodeJS.ProcessEnv,
    cwd: string,
    private readonly verbose: boolean,
  ) {
    this.proc = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
    );
    for (const stream of [this.proc.stdout!, this.proc.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > 60) this.tail.shift();
        if (this.verbose) process.stderr.write(`[service] ${line}\n`);
      });
    }
  }

  async ready(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) break;
      const ok = await fetch(`${url}/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await sleep(200);
    }
    throw new Error(
      `the service did not answer GET /health with 200 within ${timeoutMs} ms. Its last output:\n  ${this.tail.join('\n  ')}`,
    );
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- PostgreSQL settings

/**
 * For the seed only (ALTER SYSTEM, applied by a restart): no WAL for the tables truncated and
 * loaded in the seed's transaction (wal_level minimal), no autovacuum racing the load, room for
 * sorted index builds. `resetSettings` puts the defaults back before anything is timed.
 */
export const SEED_SETTINGS: Record<string, string> = {
  wal_level: 'minimal',
  max_wal_senders: '0',
  max_wal_size: '8GB',
  checkpoint_timeout: '30min',
  autovacuum: 'off',
  shared_buffers: '1GB',
  maintenance_work_mem: '1GB',
  max_parallel_maintenance_workers: '1',
  synchronous_commit: 'off',
};

export async function applySettings(url: string, settings: Record<string, string>): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    for (const [k, v] of Object.entries(settings)) await db.query(`ALTER SYSTEM SET ${k} = '${v.replace(/'/g, "''")}'`);
  } finally {
    await db.end();
  }
}

export async function resetSettings(url: string): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await db.query('ALTER SYSTEM RESET ALL');
  } finally {
    await db.end();
  }
}

/** Polls the contract's report row in the outbox until it is delivered or has failed an attempt (or `timeoutMs` passes). */
export async function awaitReport(
  url: string,
  contractId: string,
  timeoutMs: number,
): Promise<{ status: string; ms: number; error: string | null }> {
  const db = new Client({ connectionString: url });
  await db.connect();
  const t0 = Date.now();
  try {
    for (;;) {
      const { rows } = await db.query<{ status: string; attempts: number; last_error: string | null }>(
        `SELECT status, attempts, last_error FROM outbox WHERE contract_id = $1 AND kind = 'report'`,
        [contractId],
      );
      const r = rows[0];
      // A claim counts the attempt and sets 'sending'; a failed attempt goes back to 'pending' with its error.
      const done = r && (['sent', 'logged', 'failed'].includes(r.status) || (r.status === 'pending' && r.attempts > 0));
      if (done || Date.now() - t0 > timeoutMs)
        return {
          status: r
            ? r.status === 'pending' && r.attempts > 0
              ? 'failed once, to be retried'
              : r.status
            : 'not queued',
          ms: Date.now() - t0,
          error: r?.last_error ?? null,
        };
      await sleep(50);
    }
  } finally {
    await db.end();
  }
}

export async function tableSizes(db: Client, tables: string[]): Promise<string[]> {
  const { rows } = await db.query<{ t: string; rows: string; heap: string; indexes: string; total: string }>(
    // A partitioned table (the call log) is the sum of its partitions.
    `WITH parts AS (
       SELECT t, coalesce(p.relid, t::regclass) AS relid
         FROM unnest($1::text[]) AS t LEFT JOIN LATERAL pg_partition_tree(t::regclass) p ON true
     )
     SELECT t, sum(greatest(c.reltuples, 0))::bigint::text AS rows,
            pg_size_pretty(sum(pg_table_size(relid))) AS heap, pg_size_pretty(sum(pg_indexes_size(relid))) AS indexes,
            pg_size_pretty(sum(pg_total_relation_size(relid))) AS total
       FROM parts JOIN pg_class c ON c.oid = parts.relid GROUP BY t ORDER BY t`,
    [tables],
  );
  return rows.map(
    (r) =>
      `  ${r.t.padEnd(18)} ~${Number(r.rows).toLocaleString('en-US').padStart(12)} rows  heap ${r.heap.padStart(8)}  indexes ${r.indexes.padStart(8)}  total ${r.total.padStart(8)}`,
  );
}

export function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

export const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

// ---------------------------------------------------------------- HTTP

export interface Answer {
  ms: number;
  status: number;
  headers: Headers;
  text: string;
}

/** One request, timed from sending to the last byte of the body. */
export async function request(
  url: string,
  key: string,
  init: { method?: string; body?: unknown; accept?: string } = {},
): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': key, 'content-type': 'application/json', ...(init.accept ? { accept: init.accept } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { ms: performance.now() - t0, status: res.status, headers: res.headers, text };
}

export async function expectJson<T>(
  url: string,
  key: string,
  expected: number,
  init: { method?: string; body?: unknown } = {},
): Promise<{ ms: number; body: T; headers: Headers }> {
  const a = await request(url, key, init);
  if (a.status !== expected)
    throw new Error(`${init.method ?? 'GET'} ${url}: expected ${expected}, got ${a.status}: ${a.text.slice(0, 500)}`);
  return { ms: a.ms, body: JSON.parse(a.text) as T, headers: a.headers };
}

/** Signs in to the dashboard with a key, as its form does; returns the session cookie. */
export async function dashboardSession(base: string, key: string): Promise<string> {
  const res = await fetch(`${base}/dashboard/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }),
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('hm_dashboard='));
  if (res.status !== 303 || !cookie)
    throw new Error(
      `dashboard sign-in: expected 303 with a session cookie, got ${res.status}: ${(await res.text()).slice(0, 300)}`,
    );
  return cookie;
}

/**
 * A page of the dashboard, timed to its last byte. On undici's request, not fetch: forty readers
 * at once through fetch's web streams cost this process half a core, taken from the service
 * and from the X simulator's answers on this 2-core machine.
 */
export async function html(url: string, cookie: string): Promise<{ ms: number; body: string }> {
  const t0 = performance.now();
  const res = await undiciRequest(url, { headers: { cookie } });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url}: expected 200, got ${res.statusCode}: ${body.slice(0, 300)}`);
  return { ms: performance.now() - t0, body };
}

/**
 * The X simulator in a process of its own (dist/src/dev/x-simulator.main.js), as X is: its answers
 * do not wait behind this process's load generators. Resolves once it prints its URL.
 */
export async function startSimulator(
  dist: string,
  config: SimulatorOptions,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SIMULATOR_CONFIG: JSON.stringify(config) };
  for (const k of ['NODE_OPTIONS', 'DATABASE_URL', 'TEST_DATABASE_URL']) delete env[k];
  const proc = spawn(process.execPath, [`${dist}/src/dev/x-simulator.main.js`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  readline.createInterface({ input: proc.stderr }).on('line', (l) => tail.push(l));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    readline
      .createInterface({ input: proc.stdout })
      .once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
    void exited.then(() => reject(new Error(`the X simulator exited: ${tail.slice(-10).join('\n')}`)));
  });
  return {
    url,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** A CSV download, timed to its last byte; rows counted as they stream (`keep` also returns the text). */
export async function download(
  url: string,
  key: string,
  keep: boolean,
): Promise<{ ms: number; bytes: number; lines: number; text: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { 'x-api-key': key } });
  if (res.status !== 200)
    throw new Error(`GET ${url}: expected 200, got ${res.status}: ${(await res.text()).slice(0, 500)}`);
  let bytes = 0;
  let lines = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    if (keep) chunks.push(Buffer.from(chunk));
  }
  return { ms: performance.now() - t0, bytes, lines, text: keep ? Buffer.concat(chunks).toString('utf8') : '' };
}

// ---------------------------------------------------------------- statistics

export interface Timing {
  what: string;
  /** the first sample: after a restart of the service and PostgreSQL, or the first of its kind */
  cold: number | null;
  warm: number[];
  note?: string;
  aimMs?: number;
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export const ms = (x: number | null | undefined): string =>
  x === null || x === undefined || Number.isNaN(x)
    ? '-'
    : x >= 1000
      ? `${(x / 1000).toFixed(2)} s`
      : `${x.toFixed(1)} ms`;
