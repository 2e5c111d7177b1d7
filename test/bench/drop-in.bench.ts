/**
 * The drop-in path against the managed gateway path, in one run, on one gateway:
 *
 *   gateway   autocannon → handlemeter (X-API-Key + X-Handle)          → X simulator
 *   drop-in   autocannon → handlemeter (OAuth 1.0a signed by the client) → X simulator
 *
 * Both are POST /insights/engagement/totals for one-minute-old Tweets, with the ledger in an
 * embedded PostgreSQL. Drop-in requests are signed per request with the oauth-1.0a package for
 * the gateway's URL (a fresh nonce each), so the difference is what drop-in adds: header
 * parsing, HMAC verification and the shared nonce check (one group-committed INSERT).
 * Each path brings in its own half of the handles, so both see first-seen and repeat handles.
 *
 *   npx tsc -p tsconfig.build.json --outDir test/artifacts/bench-dist \
 *     && BENCH_DIST=test/artifacts/bench-dist/src npx ts-node --transpile-only test/bench/drop-in.bench.ts
 *   (or `npm run build` and leave BENCH_DIST out: dist/src)
 *
 * Knobs: BENCH_CONNECTIONS=10,50  BENCH_DURATION=10  BENCH_WARMUP=2  BENCH_HANDLES=200  BENCH_VERBOSE=1
 * Exit code 1 when any answer was not 2xx or the call log does not match the answers.
 */
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import OAuth from 'oauth-1.0a';
import { Client } from 'pg';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.resolve(ROOT, process.env.BENCH_DIST ?? 'dist/src');
const TOTALS_PATH = '/insights/engagement/totals';
const ADMIN_KEY = `hm_bench_admin_${crypto.randomBytes(12).toString('hex')}`;
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '10,50').split(',').map(Number);
const DURATION_S = Number(process.env.BENCH_DURATION ?? '10');
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? '2');
const HANDLE_COUNT = Number(process.env.BENCH_HANDLES ?? '200');
const VERBOSE = !!process.env.BENCH_VERBOSE && process.env.BENCH_VERBOSE !== '0';

const log = (m: string): void => void process.stderr.write(`[drop-in bench] ${m}\n`);

interface Handle {
  userId: string;
  screenName: string;
  accessToken: string;
  accessTokenSecret: string;
}

interface Run {
  target: string;
  connections: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  inFlight: number;
  samples: string[];
}

/** A child node process; resolves `url` from its `{"url": ...}` stdout line when it prints one. */
function start(name: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): { proc: ChildProcess; url: Promise<string>; tail: string[] } {
  const proc = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const url = new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${name} exited (code ${code}):\n  ${tail.join('\n  ')}`)));
    for (const stream of [proc.stdout!, proc.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 50) tail.shift();
        if (VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
        try {
          const parsed = JSON.parse(line) as { url?: unknown };
          if (typeof parsed.url === 'string') resolve(parsed.url);
        } catch {
          /* not the readiness line */
        }
      });
    }
  });
  url.catch(() => undefined);
  return { proc, url, tail };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function api<T>(base: string, p: string, body: unknown): Promise<T> {
  const res = await fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST ${p}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

function totalsBody(): string {
  const base = BigInt(Date.now() - 60_000 - 1288834974657) << 22n;
  return JSON.stringify({ tweet_ids: [String(base), String(base + 1n)], engagement_types: ['favorites', 'impressions'], groupings: { g: { group_by: ['tweet.id', 'engagement.type'] } } });
}

async function load(target: string, url: string, connections: number, durationS: number, headers: () => Record<string, string>): Promise<Run> {
  const samples: string[] = [];
  let built = 0;
  let body = { text: totalsBody(), at: Date.now() };
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: TOTALS_PATH,
        setupRequest: (req) => {
          built++;
          if (Date.now() - body.at > 1000) body = { text: totalsBody(), at: Date.now() };
          return { ...req, headers: { ...headers(), 'content-type': 'application/json' }, body: body.text };
        },
        onResponse: (status: number, resBody: string) => {
          if ((status < 200 || status >= 300) && samples.length < 5) samples.push(`${status} ${String(resBody).slice(0, 300)}`);
        },
      },
    ],
  });
  const completed = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    target,
    connections,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    inFlight: Math.max(0, built - completed - result.errors),
    samples,
  };
}

async function main(): Promise<number> {
  for (const f of ['main.js', 'dev/x-simulator.main.js']) {
    if (!fs.existsSync(path.join(DIST, f))) throw new Error(`${path.join(DIST, f)} is missing: build first (see the header of this file).`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-dropin-bench-'));
  fs.chmodSync(work, 0o755); // PostgreSQL runs as `postgres` when we are root
  const procs: ChildProcess[] = [];
  let db: EmbeddedDatabase | null = null;
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
    for (const k of ['DATABASE_URL', 'TEST_DATABASE_URL', 'SIMULATOR_CONFIG', 'NODE_OPTIONS', 'PUBLIC_BASE_URL']) if (!(k in extra)) delete e[k];
    return e;
  };
  try {
    const app = { consumerKey: `ck_bench_${crypto.randomBytes(6).toString('hex')}`, consumerSecret: `cs_${crypto.randomBytes(16).toString('hex')}` };
    const handles: Handle[] = Array.from({ length: HANDLE_COUNT }, (_, i) => {
      const userId = String(8_000_000_000 + i * 7 + 1);
      return { userId, screenName: `bench_${i}`, accessToken: `${userId}-${crypto.randomBytes(12).toString('hex')}`, accessTokenSecret: `ats_${crypto.randomBytes(16).toString('hex')}` };
    });

    log('starting the X simulator');
    const sim = start('x-simulator', [path.join(DIST, 'dev/x-simulator.main.js')], env({
      SIMULATOR_CONFIG: JSON.stringify({
        apps: [app],
        tokens: handles.map((h) => ({ ...h, consumerKey: app.consumerKey })),
        perMinuteLimit: 100_000_000,
        maxReceived: 10_000,
      }),
    }), work);
    procs.push(sim.proc);
    const simUrl = await sim.url;

    log('starting PostgreSQL (embedded) and the gateway');
    db = await startEmbeddedPostgres(path.join(work, 'pg'));
    const gwUrl = `http://127.0.0.1:${await freePort()}`;
    const gw = start('gateway', [path.join(DIST, 'main.js')], env({
      NODE_ENV: 'production',
      PORT: new URL(gwUrl).port,
      DATABASE_URL: db.url,
      ENGAGEMENT_API_BASE_URL: simUrl,
      ADMIN_API_KEY: ADMIN_KEY,
      CREDENTIALS_KEY: crypto.randomBytes(32).toString('base64'),
      DATA_DIR: path.join(work, 'gateway-data'),
    }), work);
    procs.push(gw.proc);
    for (let i = 0; ; i++) {
      if ((await fetch(`${gwUrl}/health`).then((r) => r.status, () => 0)) === 200) break;
      if (i > 300 || gw.proc.exitCode !== null) throw new Error(`the gateway did not come up:\n  ${gw.tail.join('\n  ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    log(`seeding a contract, an app and ${HANDLE_COUNT} handles`);
    const contract = await api<{ id: string }>(gwUrl, '/contracts', { name: 'bench', handleAllowance: HANDLE_COUNT * 10, overagePrice: { amount: '1.00', currency: 'USD' } });
    const appRow = await api<{ id: string }>(gwUrl, `/contracts/${contract.id}/apps`, { name: 'bench', ...app });
    for (let i = 0; i < handles.length; i += 8) {
      await Promise.all(handles.slice(i, i + 8).map((h) => api(gwUrl, `/apps/${appRow.id}/handles`, { screenName: `@${h.screenName}`, accessToken: h.accessToken, accessTokenSecret: h.accessTokenSecret })));
    }
    const clientKey = (await api<{ key: string }>(gwUrl, '/api-keys', { name: 'bench client', role: 'client', appId: appRow.id })).key;

    const signer = new OAuth({
      consumer: { key: app.consumerKey, secret: app.consumerSecret },
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => crypto.createHmac('sha1', key).update(base).digest('base64'),
    });
    const signedFor = gwUrl + TOTALS_PATH;
    const managedPool = handles.slice(0, Math.ceil(handles.length / 2));
    const dropInPool = handles.slice(managedPool.length);
    const pick = (pool: Handle[]) => pool[Math.floor(Math.random() * pool.length)];
    const targets: Record<string, () => Record<string, string>> = {
      gateway: () => ({ 'x-api-key': clientKey, 'x-handle': `@${pick(managedPool).screenName}` }),
      'drop-in': () => {
        const h = pick(dropInPool);
        return signer.toHeader(signer.authorize({ url: signedFor, method: 'POST' }, { key: h.accessToken, secret: h.accessTokenSecret })) as unknown as Record<string, string>;
      },
    };

    const runs: Run[] = [];
    if (WARMUP_S > 0) for (const [name, headers] of Object.entries(targets)) await load(name, gwUrl, Math.max(...CONNECTIONS), WARMUP_S, headers).then((r) => runs.push({ ...r, target: `${name} (warm-up)` }));
    for (const c of CONNECTIONS) {
      for (const [name, headers] of Object.entries(targets)) {
        log(`${name}: ${c} connections, ${DURATION_S} s`);
        runs.push(await load(name, gwUrl, c, DURATION_S, headers));
      }
    }

    // Every 2xx (and every request still in flight when a run stopped) must be one row in the call log.
    await new Promise((r) => setTimeout(r, 1000));
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const logged = Number((await pg.query('SELECT count(*) AS n FROM calls WHERE contract_id = $1', [contract.id])).rows[0].n);
    const nonces = Number((await pg.query('SELECT count(*) AS n FROM oauth_nonces')).rows[0].n);
    await pg.end();

    const measured = runs.filter((r) => !r.target.includes('warm-up'));
    const answered = runs.reduce((s, r) => s + r.ok + r.inFlight, 0);
    const out = ['', `drop-in bench: POST ${TOTALS_PATH}, ${DURATION_S} s per run, ${HANDLE_COUNT} handles, node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}`, ''];
    out.push(['target'.padEnd(8), 'conns', '  req/s', 'p50 ms', 'p99 ms', '    2xx', 'non-2xx', 'errors'].join('  '));
    for (const r of measured) {
      out.push([r.target.padEnd(8), String(r.connections).padStart(5), r.reqPerSec.toFixed(0).padStart(7), r.p50.toFixed(1).padStart(6), r.p99.toFixed(1).padStart(6), String(r.ok).padStart(7), String(r.non2xx).padStart(7), String(r.errors).padStart(6)].join('  '));
    }
    out.push('');
    for (const c of CONNECTIONS) {
      const g = measured.find((r) => r.target === 'gateway' && r.connections === c);
      const d = measured.find((r) => r.target === 'drop-in' && r.connections === c);
      if (g && d) out.push(`${String(c).padStart(3)} connections: drop-in / gateway = ${(d.reqPerSec / g.reqPerSec).toFixed(2)}× req/s, p50 ${(d.p50 - g.p50).toFixed(1)} ms more`);
    }
    const bad = runs.filter((r) => r.non2xx > 0 || r.errors > 0);
    for (const r of bad) out.push(`NOT ALL 2xx: ${r.target} ${r.connections} connections: ${r.non2xx} non-2xx, ${r.errors} errors`, ...r.samples.map((s) => `  ${s}`));
    const ledgerOk = logged === answered;
    out.push(`calls logged: ${logged}  vs  2xx answered + in flight at stop: ${answered}  ${ledgerOk ? 'OK' : 'MISMATCH'}; nonces stored: ${nonces}`);
    process.stdout.write(out.join('\n') + '\n');
    return bad.length || !ledgerOk ? 1 : 0;
  } finally {
    for (const p of procs.reverse()) await stop(p).catch(() => undefined);
    if (db) await db.stop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`drop-in bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
