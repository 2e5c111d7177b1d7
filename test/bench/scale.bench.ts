/**
 * The read side at scale (issue #7): a period with 1M distinct handles and 50M calls, and the
 * finance reads and the month-end close timed against it over HTTP.
 *
 *   npm run bench:scale      # builds first (prebench:scale), then: ts-node --transpile-only test/bench/scale.bench.ts
 *   BENCH_SCALE_HANDLES=50000 BENCH_SCALE_CALLS=1000000 npm run bench:scale     # a small try first
 *
 * One contract (America/New_York, its billing day chosen so the open period is ~20 days in) gets
 * its apps, a few registered handles and a finance key through the API. Then, with the service
 * stopped, PostgreSQL generates (test/bench/scale-seed.ts) the past period's handle set, call log
 * and counter row, and the open period's up to now. The service (node dist/src/main.js from a copy
 * of dist/, schedulers off so nothing closes behind the bench's back) is started on the result and every read is timed
 * several times: the first answer after a restart of the service and PostgreSQL ("cold": their
 * caches empty; the OS page cache is not dropped) and then repeated ("warm"). Then
 * POST /jobs/close-periods closes the past period, and the reads of the closed period are timed
 * after another restart.
 *
 * Verified (exit code 1 when anything does not add up): the seeded rows against the counters;
 * every CSV export and a walk through every roster page (row count, order, no duplicates, calls
 * summing to the user-context calls); the statement's figures against the seeded counts; the
 * frozen handle set against the live one.
 *
 * Knobs (environment); the defaults are the scale docs/benchmarks.md reports:
 *   BENCH_SCALE_HANDLES=1000000    distinct handles in the past period
 *   BENCH_SCALE_CALLS=50000000     calls in the past period (2% app-only)
 *   BENCH_SCALE_OPEN_HANDLES       handles in the open period so far (default: BENCH_SCALE_HANDLES)
 *   BENCH_SCALE_OPEN_CALLS         calls in the open period so far (default: BENCH_SCALE_CALLS × elapsed share)
 *   BENCH_SCALE_OPEN_DAY=20        how many days the open period is in
 *   BENCH_SCALE_APPS=4             apps of the contract
 *   BENCH_SCALE_REPEAT=5           warm samples per read
 *   BENCH_SCALE_RECOMPUTE=5        samples of usage with the projection computed afresh (each waits out its 15 s cache)
 *   BENCH_SCALE_CSV_RUNS=3         downloads of each CSV export
 *   BENCH_SCALE_PAGE=1000          page size of the roster walk
 *   BENCH_VERBOSE=1                echo the service's output
 *   BENCH_SERVICE_NODE_OPTIONS     NODE_OPTIONS for the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 *   TMPDIR                         where the database goes (~30 GB at the default figures; checked before the seed)
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { periodContaining, previousPeriod } from '../../src/periods/billing-period';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import {
  countSeeded,
  dropIndexes,
  SeedPeriod,
  seedAggregates,
  seedCalls,
  seedCounters,
  seedHandles,
  seedPartitions,
  userContextCalls,
} from './scale-seed';
import * as S from './scale-support';
import { ScaleReads } from './scale-reads';
import {
  Aims,
  bigImport,
  dashboardCrowd,
  dashboardReaders,
  GatewayClient,
  percentile,
  ownDelay,
  withGateway,
} from './scale-aims';
import { freePort } from '../support/service-process';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const ADMIN_KEY = `hm_scale_admin_${crypto.randomBytes(12).toString('hex')}`;
const TIMEZONE = 'America/New_York';
const VERBOSE = !!process.env.BENCH_VERBOSE && process.env.BENCH_VERBOSE !== '0';

const HANDLES = S.knob('BENCH_SCALE_HANDLES', 1_000_000);
const CALLS = S.knob('BENCH_SCALE_CALLS', 50_000_000);
const OPEN_DAY = S.knob('BENCH_SCALE_OPEN_DAY', 20);
const APPS = S.knob('BENCH_SCALE_APPS', 4);
const REPORT_WAIT_MS = S.knob('BENCH_SCALE_REPORT_WAIT_MS', 300_000);
/** Rough bytes on disk per call and per handle (heap and indexes), with room for the sorts of the index builds. */
const BYTES_PER_CALL = 330;
const BYTES_PER_HANDLE = 600;

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(DIST, 'src/main.js')))
    throw new Error('dist/src/main.js is missing: run `npx nest build` first (`npm run bench:scale` does).');
  const startedAt = Date.now();
  const report: string[] = [];
  const problems: string[] = [];
  const loadAtStart = S.load();

  // The periods: the open one ~OPEN_DAY days in, the past one before it.
  const now = new Date();
  const billingDay = Math.min(
    28,
    Number(
      new Intl.DateTimeFormat('en-US', { timeZone: TIMEZONE, day: 'numeric' }).format(
        new Date(now.getTime() - OPEN_DAY * 86_400_000),
      ),
    ),
  );
  const cycle = { timezone: TIMEZONE, billingDay };
  const open = periodContaining(now, cycle);
  const past = previousPeriod(open, cycle);
  const elapsed = (now.getTime() - open.start.getTime()) / (open.end.getTime() - open.start.getTime());
  const openHandles = S.knob('BENCH_SCALE_OPEN_HANDLES', HANDLES);
  const openCalls = S.knob(
    'BENCH_SCALE_OPEN_CALLS',
    Math.max(Math.round(CALLS * elapsed), Math.ceil(openHandles / 0.97) + 1),
  );

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-scale-'));
  // PostgreSQL runs as the `postgres` user when we are root: it must be able to reach its directory.
  fs.chmodSync(work, 0o755);
  // The service runs from a copy of the build: a rebuild of dist/ by someone else during the run
  // (nest build deletes it first) must not take the service away between its restarts.
  const main = path.join(work, 'dist/src/main.js');
  fs.cpSync(DIST, path.join(work, 'dist'), { recursive: true });
  const needed = (CALLS + openCalls) * BYTES_PER_CALL + (HANDLES + openHandles) * BYTES_PER_HANDLE * 2;
  const free = S.freeBytes(work);
  S.log(`work directory ${work}: ${S.gb(free)} free, ~${S.gb(needed)} needed; load average ${loadAtStart}`);

  let db: EmbeddedDatabase | null = null;
  // X, for the gateway calls made while heavy reads, an import and a drop run beside them: its apps
  // and the registered handles' tokens, made up front for its process.
  const userIdBase = 1_400_000_000_000_000_000n;
  const simApps = Array.from({ length: APPS }, (_, a) => ({
    consumerKey: `ck_scale_${a}_${crypto.randomBytes(6).toString('hex')}`,
    consumerSecret: crypto.randomBytes(16).toString('hex'),
    bearerToken: `AAAA${crypto.randomBytes(24).toString('hex')}`,
  }));
  // A few registered handles per app, among the seeded ones of that app (the seed gives user ID u to app u mod APPS).
  const simTokens = simApps.map((_, a) =>
    Array.from({ length: 3 }, (_unused, j) => {
      let u = userIdBase + 1n + BigInt(j * APPS);
      while (Number(u % BigInt(APPS)) !== a) u++;
      return {
        accessToken: `${u}-${crypto.randomBytes(12).toString('hex')}`,
        accessTokenSecret: crypto.randomBytes(16).toString('hex'),
        userId: String(u),
      };
    }),
  );
  const sim = await S.startSimulator(DIST, {
    perMinuteLimit: 1_000_000_000,
    maxReceived: 1000,
    apps: simApps,
    tokens: simTokens.flat(),
  }).catch((e: unknown) => {
    // Before the cleanup below exists: the copy of dist/ must not be left behind.
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  });
  const clients: GatewayClient[] = [];
  let svc: S.Service | null = null;
  const pgDir = path.join(work, 'pg');
  const cleanup = async (): Promise<void> => {
    await svc?.stop().catch(() => undefined);
    svc = null;
    await db?.stop().catch((e: unknown) => S.log(`stopping PostgreSQL: ${String(e)}`));
    db = null;
    await sim.stop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    S.log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const restartDb = async (): Promise<void> => {
    await db?.stop();
    db = await startEmbeddedPostgres(pgDir);
  };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const credentialsKey = crypto.randomBytes(32).toString('base64');
  const startService = async (): Promise<void> => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: db!.url,
      ADMIN_API_KEY: ADMIN_KEY,
      CREDENTIALS_KEY: credentialsKey,
      DATA_DIR: path.join(work, 'service-data'),
      SCHEDULERS: 'off',
      ENGAGEMENT_API_BASE_URL: sim.url,
      NODE_PATH: path.join(ROOT, 'node_modules'),
    };
    for (const k of ['TEST_DATABASE_URL', 'NODE_OPTIONS']) delete env[k];
    // For profiling the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (one profile per start).
    if (process.env.BENCH_SERVICE_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_SERVICE_NODE_OPTIONS;
    svc = new S.Service(main, env, work, VERBOSE); // cwd: the temporary directory, so no developer's .env is read
    await svc.ready(base);
  };
  const stopService = async (): Promise<void> => {
    await svc?.stop();
    svc = null;
  };

  try {
    if (free < needed)
      throw new Error(
        `not enough disk in ${os.tmpdir()}: ${S.gb(free)} free, ~${S.gb(needed)} needed (set TMPDIR, or lower the knobs)`,
      );

    // ------------------------------------------------------------ 1. what is small, through the API
    S.log('starting PostgreSQL (embedded) and the service');
    await restartDb();
    await startService();
    const contract = (
      await S.expectJson<{ id: string }>(`${base}/contracts`, ADMIN_KEY, 201, {
        method: 'POST',
        body: {
          name: 'Scale Co',
          handleAllowance: Math.round(HANDLES * 0.8),
          overagePrice: { amount: '0.25', currency: 'USD' },
          timezone: TIMEZONE,
          billingDay,
          alertThresholds: [0.8, 1.0],
          notify: { emails: ['finance@scale.example'], webhookUrl: null },
        },
      })
    ).body;
    const appIds: string[] = [];
    for (let a = 0; a < APPS; a++) {
      const simApp = simApps[a];
      const app = (
        await S.expectJson<{ id: string }>(`${base}/contracts/${contract.id}/apps`, ADMIN_KEY, 201, {
          method: 'POST',
          body: { name: `app-${a}`, ...simApp },
        })
      ).body;
      appIds.push(app.id);
      const client: GatewayClient = {
        key: (
          await S.expectJson<{ key: string }>(`${base}/api-keys`, ADMIN_KEY, 201, {
            method: 'POST',
            body: { name: `client ${a}`, role: 'client', appId: app.id },
          })
        ).body.key,
        handles: [],
      };
      clients.push(client);
      for (const token of simTokens[a]) {
        client.handles.push(token.userId);
        await S.expectJson(`${base}/apps/${app.id}/handles`, ADMIN_KEY, 201, {
          method: 'POST',
          body: { screenName: `@h${token.userId}`, ...token },
        });
      }
    }
    const financeKey = (
      await S.expectJson<{ key: string }>(`${base}/api-keys`, ADMIN_KEY, 201, {
        method: 'POST',
        body: { name: 'finance', role: 'finance' },
      })
    ).body.key;
    await stopService();

    // ------------------------------------------------------------ 2. what is large, in SQL
    const periods: SeedPeriod[] = [
      {
        label: `past ${past.key}`,
        contractId: contract.id,
        appIds,
        start: past.start,
        end: past.end,
        key: past.key,
        upTo: past.end,
        handles: HANDLES,
        calls: CALLS,
        userIdBase,
      },
      // 80% of the open period's first handles came back from the past one.
      {
        label: `open ${open.key}`,
        contractId: contract.id,
        appIds,
        start: open.start,
        end: open.end,
        key: open.key,
        upTo: now,
        handles: openHandles,
        calls: openCalls,
        userIdBase: userIdBase + BigInt(Math.round(HANDLES * 0.2)),
      },
    ];
    S.log(
      `seeding: ${periods.map((p) => `${p.label} ${p.handles.toLocaleString('en-US')} handles, ${p.calls.toLocaleString('en-US')} calls`).join('; ')}`,
    );
    await S.applySettings(db!.url, S.SEED_SETTINGS);
    await restartDb();
    const seedTimes: string[] = [];
    const seedStart = Date.now();
    const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      const t0 = Date.now();
      await fn();
      seedTimes.push(`  ${what.padEnd(44)} ${((Date.now() - t0) / 1000).toFixed(1).padStart(7)} s`);
      S.log(`  ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s (load ${S.load()})`);
    };
    const pg = new Client({ connectionString: db!.url });
    await pg.connect();
    try {
      await pg.query('BEGIN');
      // The rows are consistent by construction (the bench checks the figures after): skip the
      // per-row foreign-key triggers, 100M lookups of the same contract and app rows.
      await pg.query('SET LOCAL session_replication_role = replica');
      await pg.query("SET LOCAL work_mem = '256MB'");
      // Truncated in this transaction: with wal_level minimal the load writes no WAL.
      await pg.query('TRUNCATE calls, period_handles, period_activity, period_top_handles');
      await seedPartitions(pg, past.start);
      const rebuild = await dropIndexes(pg, 'calls');
      for (const p of periods) {
        await step(`${p.label}: period_handles`, () => seedHandles(pg, p));
        await step(`${p.label}: calls`, () => seedCalls(pg, p));
        await step(`${p.label}: period_counters`, () => seedCounters(pg, p));
        await step(`${p.label}: the ledger's aggregates`, () => seedAggregates(pg, p));
      }
      for (const sql of rebuild)
        await step(`calls: ${sql.replace(/^ALTER TABLE calls |^CREATE (UNIQUE )?INDEX /, '').slice(0, 40)}`, () =>
          pg.query(sql),
        );
      await step('commit', () => pg.query('COMMIT'));
      await step('VACUUM (ANALYZE) period_handles, period_counters, calls, period_activity, period_top_handles', () =>
        pg.query('VACUUM (ANALYZE) period_handles, period_counters, calls, period_activity, period_top_handles'),
      );
    } finally {
      await pg.end();
    }
    const seedSeconds = (Date.now() - seedStart) / 1000;
    await S.resetSettings(db!.url);
    await restartDb();

    const check = new Client({ connectionString: db!.url });
    await check.connect();
    let sizes: string[] = [];
    try {
      sizes = await S.tableSizes(check, ['calls', 'period_handles', 'period_counters']);
      for (const p of periods) {
        const { handles: rows, counter } = await countSeeded(check, p);
        const expected = { attempted: p.handles, calls: p.calls, userContextCalls: userContextCalls(p) };
        const ok =
          rows.attempted === expected.attempted &&
          rows.calls === expected.calls &&
          rows.userContextCalls === expected.userContextCalls &&
          counter.attempted === rows.attempted &&
          counter.confirmed === rows.confirmed &&
          counter.calls === rows.calls &&
          counter.userContextCalls === rows.userContextCalls;
        const line = `${p.label}: rows ${rows.attempted} handles (${rows.confirmed} confirmed), ${rows.calls} calls, handles' calls ${rows.userContextCalls}; counter ${counter.attempted}/${counter.confirmed}/${counter.calls}, user-context call rows ${counter.userContextCalls}`;
        S.log(`seed check ${ok ? 'OK' : 'MISMATCH'}: ${line}`);
        if (!ok) problems.push(`seed: ${line}`);
        p.confirmed = rows.confirmed;
      }
    } finally {
      await check.end();
    }
    report.push(
      '',
      `seed: ${seedSeconds.toFixed(0)} s in all (PostgreSQL settings for the seed only: ${Object.entries(
        S.SEED_SETTINGS,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}; reset to the defaults before the reads)`,
      ...seedTimes,
      'table sizes:',
      ...sizes,
    );

    // ------------------------------------------------------------ 3. the reads, the close, the reads of the closed period
    await startService();
    const loadAtReads = S.load();
    const aims = new Aims();
    const reads = new ScaleReads(base, financeKey, ADMIN_KEY, contract.id, problems, aims);
    S.log(`reads of the open period ${open.key} and the ended one ${past.key} (load ${S.load()})`);
    await reads.openPeriod(periods[1], periods[0]);
    await reads.close(periods[0], Math.round(HANDLES * 0.8), 25n);
    // The close queues the monthly report (statement, calls per app, the handles as CSV) and
    // delivers it at once; without SMTP_URL it is rendered and logged. Wait for it before the restart.
    const monthly = await S.awaitReport(db!.url, contract.id, REPORT_WAIT_MS);
    // Not a figure this bench checks (the report is the outbox's), so a failure is shown, not an exit code.
    const delivered = monthly.status === 'logged' || monthly.status === 'sent';
    reads.note(
      `monthly report of ${past.key} (rendered and delivered after the close; SMTP unset, so logged): ${delivered ? '' : 'NOT DELIVERED: '}${monthly.status} ${S.ms(monthly.ms)} after the close answered${monthly.error ? `; last error: ${monthly.error}` : ''}`,
    );
    aims.add(
      'monthly-report-built',
      delivered ? monthly.ms : Infinity,
      2000,
      `${HANDLES.toLocaleString('en-US')} handles; from the close's answer to the report delivered, polled every 50 ms`,
    );
    await stopService();
    await restartDb();
    await startService();
    S.log(`reads of the closed period ${past.key} (load ${S.load()})`);
    await reads.closedPeriod(periods[0], periods[1]);

    // ------------------------------------------------------------ 4. the aims under load (they change the open period, so last)
    S.log(`the gateway beside heavy work (load ${S.load()})`);
    const alone = await withGateway(base, clients, () => S.sleep(3000));
    reads.note(
      `gateway alone: ${alone.gateway.length} calls, p50 ${S.ms(percentile(alone.gateway, 50))}, p99 ${S.ms(percentile(alone.gateway, 99))}; ${ownDelay(alone)}`,
    );
    const cookies = await dashboardReaders(base, financeKey);
    const readCrowd = await dashboardCrowd(`${base}/dashboard/contracts/${contract.id}`, cookies);
    const crowd = await withGateway(base, clients, readCrowd);
    aims.add('dashboard-contract-p95-40-readers', percentile(crowd.result, 95), 500, `${crowd.result.length} pages`);
    aims.add(
      'gateway-p99-during-dashboard',
      percentile(crowd.gateway, 99),
      50,
      `${crowd.gateway.length} calls; ${ownDelay(crowd)}`,
    );
    const imp = await withGateway(base, clients, () =>
      bigImport(base, ADMIN_KEY, contract.id, open.start, new Date(Date.now() - 60_000), userIdBase + 5_000_000_000n),
    );
    aims.add(
      'gateway-p99-during-import',
      percentile(imp.gateway, 99),
      50,
      `${imp.result.rows} rows imported in ${S.ms(imp.result.ms)}; ${imp.gateway.length} calls; ${ownDelay(imp)}`,
    );
    // A month past CALL_LOG_RETENTION_MONTHS (24), closed: history imported from 30 months back, then closed.
    const oldMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 30, 10, 12));
    await S.expectJson(`${base}/contracts/${contract.id}/usage/import`, ADMIN_KEY, 200, {
      method: 'POST',
      body: {
        calls: Array.from({ length: 1000 }, (_, i) => ({
          id: `bench-old-${i}`,
          at: new Date(oldMonth.getTime() + i * 60_000).toISOString(),
          userId: String(9_000_000 + i),
          endpoint: 'totals',
        })),
      },
    });
    await S.expectJson(`${base}/jobs/close-periods`, ADMIN_KEY, 200, { method: 'POST' });
    const drop = await withGateway(base, clients, () =>
      S.expectJson<{ dropped: string[] }>(`${base}/jobs/call-log-maintenance`, ADMIN_KEY, 200, { method: 'POST' }),
    );
    const oldName = `calls_${oldMonth.toISOString().slice(0, 4)}_${oldMonth.toISOString().slice(5, 7)}`;
    if (!drop.result.body.dropped.includes(oldName))
      problems.push(`retention: ${oldName} not dropped (${JSON.stringify(drop.result.body)})`);
    aims.add(
      'retention-drop',
      drop.result.ms,
      1000,
      `dropped ${drop.result.body.dropped.join(', ') || 'nothing'}; DETACH ... CONCURRENTLY then DROP`,
    );
    aims.add(
      'gateway-p99-during-drop',
      percentile(drop.gateway, 99),
      50,
      `no lock on the current partition: ${drop.gateway.length} calls, slowest ${S.ms(Math.max(...drop.gateway))}`,
    );
    for (const f of [...crowd.failures, ...imp.failures, ...drop.failures])
      problems.push(`gateway call failed under load: ${f}`);
    await stopService();

    report.unshift(
      `handlemeter bench:scale: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${S.gb(os.totalmem())} RAM; load average (1, 5, 15 min) ${loadAtStart} at start, ${loadAtReads} when the reads began, ${S.load()} at the end`,
      `contract in ${TIMEZONE}, billing day ${billingDay}, ${APPS} apps; past period ${past.key} ${HANDLES.toLocaleString('en-US')} handles / ${CALLS.toLocaleString('en-US')} calls; open period ${open.key} (${(elapsed * 100).toFixed(0)}% through) ${openHandles.toLocaleString('en-US')} handles / ${openCalls.toLocaleString('en-US')} calls`,
    );
    report.push('', ...reads.summary());
    report.push('', ...aims.lines());
    report.push(
      '',
      problems.length ? `PROBLEMS (${problems.length}):` : 'every figure checked adds up',
      ...problems.map((p) => `  ${p}`),
    );
    report.push('', `total bench time ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
    process.stdout.write(report.join('\n') + '\n');
    return problems.length ? 1 : 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:scale failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
