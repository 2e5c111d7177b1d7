/**
 * Throughput and latency of the gateway against two baselines, in one run:
 *
 *   direct          autocannon → X simulator
 *   bare forwarder  autocannon → src/dev/bare-forwarder.ts → X simulator (undici Pool, keep-alive; no auth, validation or ledger)
 *   bare-axios      the same forwarder with axios as the client (what the gateway used before): the client choice, measured
 *   gateway         autocannon → handlemeter (node dist/src/main.js) → X simulator, ledger in an embedded PostgreSQL
 *   drop-in         the same gateway, called as an existing client would: OAuth 1.0a signed by the
 *                   client for handlemeter's URL (verified, nonce checked, re-signed for X)
 *
 *   npm run bench            # builds first (prebench), then: ts-node --transpile-only test/bench/gateway.bench.ts
 *
 * The simulator, the forwarder and the gateway each run in their own process, started from dist/
 * (so `npm run build` must have run: `npm run bench` does it); autocannon runs in this process
 * through its programmatic API. PostgreSQL is a fresh embedded cluster in a temporary directory,
 * removed at the end.
 *
 * Every request is a valid /totals call for a one-minute-old Tweet. The direct and forwarder
 * targets get an OAuth 1.0a header signed here, per request (the simulator verifies signatures and
 * refuses a reused nonce); the gateway gets a client API key and an X-Handle and signs for itself.
 * Gateway runs spread over ~200 registered handles and bring in new ones evenly over each run, so
 * first-seen (insert) and repeat (update) handles both happen throughout.
 *
 * Knobs (environment):
 *   BENCH_CONNECTIONS=10,50   concurrencies, each run against every target
 *   BENCH_DURATION=10         seconds per measured run
 *   BENCH_WARMUP=2            seconds of unmeasured load per target before its first run (0: none)
 *   BENCH_HANDLES=200         handles registered in handlemeter and the simulator
 *   BENCH_TARGETS=direct,bare,gateway,drop-in   (also bare-axios: the bare forwarder on axios instead of undici)
 *   BENCH_ROUNDS=3            measured rounds; each runs every target at every concurrency, the order rotating;
 *                             the report gives each figure's median over the rounds
 *   BENCH_MEMORY=300          instead: one run of the gateway that long at the highest concurrency, RSS sampled every 10 s
 *   BENCH_ENFORCEMENT=track   the contract's enforcement (`block` adds the allowance check to the write-ahead)
 *   BENCH_CPU_PROF=1          run the gateway under --cpu-prof; the profile goes to test/artifacts/bench/
 *                             and its top self-time functions and packages are printed at the end
 *   BENCH_VERBOSE=1           echo the child processes' output
 *   BENCH_DIST=dir            measure another build (tsc -p tsconfig.build.json --outDir dir) instead of dist/
 *   BENCH_GATEWAY_NODE_OPTIONS=...  NODE_OPTIONS for the gateway only (e.g. `--require ./probe.js` to instrument it)
 *
 * Exit code 1 when any answer was not 2xx, any request failed, or the ledger check does not add up.
 */
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Client } from 'pg';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { hmacSha1Signature, oauthEncode, signatureBaseString } from '../../src/dev/x-simulator';
import { freePort } from '../support/service-process';

// ---------------------------------------------------------------- settings

const ROOT = path.resolve(__dirname, '../..');
/** BENCH_DIST: another build of src/ to measure (default dist/, which `npm run bench` builds). */
const DIST = path.resolve(ROOT, process.env.BENCH_DIST ?? 'dist', 'src');
const ARTIFACTS = path.join(ROOT, 'test/artifacts/bench');
const ADMIN_KEY = `hm_bench_admin_${crypto.randomBytes(12).toString('hex')}`;
const TOTALS_PATH = '/insights/engagement/totals';
const METRICS = ['favorites', 'impressions'];

const env = process.env;
const CONNECTIONS = (env.BENCH_CONNECTIONS ?? '10,50').split(',').map((s) => positiveInt('BENCH_CONNECTIONS', s));
const DURATION_S = positiveInt('BENCH_DURATION', env.BENCH_DURATION ?? '10');
const WARMUP_S = Number(env.BENCH_WARMUP ?? '2');
const HANDLE_COUNT = positiveInt('BENCH_HANDLES', env.BENCH_HANDLES ?? '200');
const TARGETS = (env.BENCH_TARGETS ?? 'direct,bare,gateway,drop-in').split(',').map((s) => s.trim());
const KNOWN_TARGETS = ['direct', 'bare', 'bare-axios', 'gateway', 'drop-in'];
for (const t of TARGETS)
  if (!KNOWN_TARGETS.includes(t)) throw new Error(`BENCH_TARGETS: unknown target "${t}" (${KNOWN_TARGETS.join(', ')})`);
/** Measured rounds; each round runs every target at every concurrency, in a rotating order. */
const ROUNDS = positiveInt('BENCH_ROUNDS', env.BENCH_ROUNDS ?? '3');
/** BENCH_MEMORY=300: instead of the rounds, one run of the gateway this many seconds long, its RSS sampled. */
const MEMORY_S = Number(env.BENCH_MEMORY ?? '0');
/** The targets served by handlemeter itself (both write the ledger). */
const HANDLEMETER_TARGETS = ['gateway', 'drop-in'];
const isHandlemeter = (target: string): boolean => HANDLEMETER_TARGETS.includes(target);
const ENFORCEMENT = env.BENCH_ENFORCEMENT ?? 'track';
const CPU_PROF = !!env.BENCH_CPU_PROF && env.BENCH_CPU_PROF !== '0';
const VERBOSE = !!env.BENCH_VERBOSE && env.BENCH_VERBOSE !== '0';
/** Sent as the `x-per-minute-limit`: high enough never to answer 429, and at most 9 digits so the gateway still parses and records it. */
const SIM_PER_MINUTE_LIMIT = 100_000_000;

function positiveInt(name: string, v: string): number {
  const n = Number(v.trim());
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected positive whole numbers, got "${v}"`);
  return n;
}

const log = (m: string): void => void process.stderr.write(`[bench] ${m}\n`);

// ---------------------------------------------------------------- child processes

class Proc {
  readonly tail: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly lineWaiters: Array<(line: string) => void> = [];
  private readonly proc: ChildProcess;

  constructor(
    readonly name: string,
    args: string[],
    childEnv: NodeJS.ProcessEnv,
    cwd: string,
  ) {
    this.proc = spawn(process.execPath, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
    );
    // Always drain both pipes: a child blocked on a full pipe would look like a slow server.
    for (const [stream, label] of [
      [this.proc.stdout!, 'out'],
      [this.proc.stderr!, 'err'],
    ] as const) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(`${label}: ${line}`);
        if (this.tail.length > 100) this.tail.shift();
        if (VERBOSE) process.stderr.write(`[${this.name}] ${line}\n`);
        if (label === 'out') for (const w of this.lineWaiters.splice(0)) w(line);
      });
    }
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The `{"url": ...}` readiness line the simulator and the forwarder print. */
  async readyUrl(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.race(
        new Promise<string>((resolve) => this.lineWaiters.push(resolve)),
        deadline - Date.now(),
        `did not print its {"url": ...} line within ${timeoutMs} ms`,
      );
      try {
        const parsed = JSON.parse(line) as { url?: unknown };
        if (typeof parsed.url === 'string') return parsed.url;
      } catch {
        /* not the readiness line */
      }
    }
  }

  /** Waits for `probe` to succeed (the gateway prints no readiness line: its /health answers). */
  async until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (
        await this.race(
          probe().catch(() => false),
          deadline - Date.now(),
          what,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw this.failure(what);
  }

  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      log(`${this.name} did not exit within ${timeoutMs} ms of SIGTERM: SIGKILL`);
      this.proc.kill('SIGKILL');
    }, timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private race<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(this.failure(what)), Math.max(ms, 0));
      const died = this.exited.then((code) => reject(this.failure(`exited (code ${code})`)));
      p.then((v) => {
        clearTimeout(timer);
        resolve(v);
      }, reject);
      void died;
    });
  }

  private failure(what: string): Error {
    return new Error(`${this.name} ${what}. Its last output:\n  ${this.tail.join('\n  ') || '(none)'}`);
  }
}

// ---------------------------------------------------------------- CPU accounting (Linux /proc)

const CLK_TCK = 100;

/**
 * user+system CPU ms of one process, or 0 when it is gone (or this is not Linux); with
 * `reapedChildren`, plus that of its children that have exited and been waited for.
 */
function cpuMs(pid: number, reapedChildren = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return ((f[11] + f[12] + (reapedChildren ? f[13] + f[14] : 0)) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/**
 * The postmaster and its children (backends, walwriter, checkpointer...): the whole database
 * server, backends that have exited since (the pool closes idle ones) included.
 */
function postgresCpuMs(postmasterPid: number | null): number {
  if (postmasterPid === null) return 0;
  let total = cpuMs(postmasterPid, true);
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return 0;
  }
  for (const e of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmasterPid) total += cpuMs(Number(e));
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

/** Busy CPU ms of the whole machine (all cores), from /proc/stat: what else runs shows as the rest. */
function machineBusyMs(): number {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    return ((f.reduce((a, b) => a + b, 0) - idle) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

interface CpuSnapshot {
  target: number;
  sim: number;
  pg: number;
  loadgen: number;
  machine: number;
}

/** CLOCK_MONOTONIC in µs: the clock V8's CPU profiles are stamped with, in every process. */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

// ---------------------------------------------------------------- requests

interface Handle {
  userId: string;
  screenName: string;
  accessToken: string;
  accessTokenSecret: string;
}

interface AppSecrets {
  consumerKey: string;
  consumerSecret: string;
}

/** A /totals body for Tweets created a minute ago, as the gateway's validation and the simulator both accept. */
function totalsBody(): string {
  const base = BigInt(Date.now() - 60_000 - 1288834974657) << 22n;
  return JSON.stringify({
    tweet_ids: [String(base), String(base + 1n)],
    engagement_types: METRICS,
    groupings: { g: { group_by: ['tweet.id', 'engagement.type'] } },
  });
}

const noncePrefix = crypto.randomBytes(8).toString('hex');
let nonceCounter = 0;

/** An RFC 5849 HMAC-SHA1 header for a POST to `url` (no query): what the gateway would send, made here for the baselines. */
function oauthHeader(app: AppSecrets, h: Handle, url: string): string {
  const params: Array<[string, string]> = [
    ['oauth_consumer_key', app.consumerKey],
    ['oauth_nonce', `${noncePrefix}${++nonceCounter}`],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(Math.floor(Date.now() / 1000))],
    ['oauth_token', h.accessToken],
    ['oauth_version', '1.0'],
  ];
  const signature = hmacSha1Signature(
    signatureBaseString('POST', url, params),
    app.consumerSecret,
    h.accessTokenSecret,
  );
  params.push(['oauth_signature', signature]);
  return `OAuth ${params.map(([k, v]) => `${oauthEncode(k)}="${oauthEncode(v)}"`).join(', ')}`;
}

/**
 * Which handle a gateway request uses: the run's pool is brought in evenly over its duration (a
 * first-seen handle each duration/pool), every other request repeats one already brought in.
 */
class HandlePlan {
  introduced = 0;
  firstSeen = 0;
  repeats = 0;
  private start = Date.now();

  constructor(
    readonly pool: Handle[],
    private readonly durationMs: number,
  ) {}

  begin(): void {
    this.start = Date.now();
  }

  next(): Handle {
    const due = Math.min(
      this.pool.length,
      1 + Math.floor(((Date.now() - this.start) * this.pool.length) / this.durationMs),
    );
    if (this.introduced < due) {
      this.firstSeen++;
      return this.pool[this.introduced++];
    }
    this.repeats++;
    return this.pool[Math.floor(Math.random() * this.introduced)];
  }
}

// ---------------------------------------------------------------- one autocannon run

interface RunResult {
  target: string;
  connections: number;
  warmup: boolean;
  reqPerSec: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  non2xxSamples: string[];
  /** Requests written to a socket but not answered when autocannon stopped (it drops them). */
  inFlightAtStop: number;
  durationS: number;
  completed: number;
  cpuPerReqUs: CpuSnapshot | null;
  /** CPU the rest of the machine used meanwhile (other people's tests, say), in cores. */
  otherCores: number;
  /** The run's span on CLOCK_MONOTONIC, µs: selects its samples in a CPU profile. */
  window: [number, number];
  handles?: { firstSeen: number; repeats: number };
  /** The machine's 1-minute load average when the run ended. */
  load?: number;
}

/** A server under test and how to build its requests for one run. */
interface Target {
  name: string;
  url: string;
  pid: number;
  build: (warmup: boolean, durationS: number) => () => { headers: Record<string, string>; body: string };
}

/** Resident memory of a process, MB (Linux /proc). */
function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

const KNOWN_ORDER = (target: string): number =>
  ['direct', 'bare forwarder', 'bare forwarder (axios)', 'gateway', 'drop-in'].indexOf(target);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function load(
  target: string,
  url: string,
  connections: number,
  durationS: number,
  warmup: boolean,
  build: () => { headers: Record<string, string>; body: string },
  cpu: () => CpuSnapshot,
): Promise<RunResult> {
  const non2xxSamples: string[] = [];
  let built = 0;
  const cpuBefore = cpu();
  const t0 = monotonicUs();
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: TOTALS_PATH,
        setupRequest: (req) => {
          built++;
          const { headers, body } = build();
          return { ...req, headers: { ...headers, 'content-type': 'application/json' }, body };
        },
        onResponse: (status: number, body: string) => {
          if ((status < 200 || status >= 300) && non2xxSamples.length < 5)
            non2xxSamples.push(`${status} ${String(body).slice(0, 300)}`);
        },
      },
    ],
  });
  const t1 = monotonicUs();
  const cpuAfter = cpu();
  const ours = (['target', 'sim', 'pg', 'loadgen'] as const).reduce((a, k) => a + cpuAfter[k] - cpuBefore[k], 0);
  const otherCores = Math.max(0, (cpuAfter.machine - cpuBefore.machine - ours) / ((t1 - t0) / 1000));
  const completed = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  const per = (k: keyof CpuSnapshot): number => (completed ? ((cpuAfter[k] - cpuBefore[k]) * 1000) / completed : 0);
  return {
    target,
    connections,
    warmup,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, (v as { count: number }).count]),
    ),
    non2xxSamples,
    // Each built request is written at once; the answered ones and the failed ones are accounted for.
    inFlightAtStop: Math.max(0, built - completed - result.errors),
    durationS: result.duration,
    completed,
    cpuPerReqUs: {
      target: per('target'),
      sim: per('sim'),
      pg: per('pg'),
      loadgen: per('loadgen'),
      machine: per('machine'),
    },
    otherCores,
    window: [t0, t1],
  };
}

// ---------------------------------------------------------------- the gateway's API (seeding)

async function api<T>(
  base: string,
  method: string,
  p: string,
  body: unknown,
  key: string,
  expected: number,
): Promise<T> {
  const res = await fetch(base + p, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== expected)
    throw new Error(`${method} ${p}: expected ${expected}, got ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

// ---------------------------------------------------------------- CPU profile summary

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Self time by package and by function, counting only the samples taken inside `windows` (the measured runs). */
function summarizeProfile(file: string, windows: Array<[number, number]>, top = 20): string[] {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = prof.startTime;
  prof.samples.forEach((id, i) => {
    const delta = prof.timeDeltas[i] ?? 0;
    at += delta;
    if (windows.some(([a, b]) => at >= a && at <= b)) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += us;
    if (functionName === '(idle)') idle += us;
    const where = url.replace(/^file:\/\//, '').replace(ROOT + '/', '');
    const pkg = !url
      ? functionName
      : where.startsWith('node:')
        ? 'node: (core)'
        : (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
          (where.startsWith('dist/') ? 'handlemeter (dist/)' : where));
    const key = `${functionName || '(anonymous)'}  ${where ? `${where.replace(/^.*node_modules\//, '')}:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const fmt = (m: Map<string, number>, n: number): string[] =>
    [...m.entries()]
      .filter(([k]) => k !== '(idle)' && !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`,
      );
  return [
    `CPU profile of the gateway during its measured runs (${path.relative(ROOT, file)}):`,
    `  ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s not idle; shares are of the not-idle time (wall-clock samples: time the process waited for a core counts too)`,
    'top self time by package:',
    ...fmt(pkgs, 12),
    'top self time by function:',
    ...fmt(fns, top),
  ];
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  for (const f of ['main.js', 'dev/x-simulator.main.js', 'dev/bare-forwarder.js']) {
    if (!fs.existsSync(path.join(DIST, f)))
      throw new Error(`dist/src/${f} is missing: run \`npm run build\` first (\`npm run bench\` does).`);
  }
  const startedAt = Date.now();
  const loadAtStart = os.loadavg()[0].toFixed(2);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-bench-'));
  // PostgreSQL runs as the `postgres` user when we are root: it must be able to reach its directory.
  fs.chmodSync(work, 0o755);
  const procs: Proc[] = [];
  let db: EmbeddedDatabase | null = null;
  let failed = false;
  const cleanup = async (): Promise<void> => {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    procs.length = 0;
    if (db) await db.stop().catch((e: unknown) => log(`stopping PostgreSQL: ${String(e)}`));
    db = null;
    fs.rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // Credentials known to both sides: the simulator gets them in its config, handlemeter through its API.
    const app: AppSecrets = {
      consumerKey: `ck_bench_${crypto.randomBytes(6).toString('hex')}`,
      consumerSecret: `cs_${crypto.randomBytes(16).toString('hex')}`,
    };
    const handles: Handle[] = Array.from({ length: HANDLE_COUNT }, (_, i) => {
      const userId = String(7_000_000_000 + i * 7 + 1);
      return {
        userId,
        screenName: `bench_${i}`,
        accessToken: `${userId}-${crypto.randomBytes(12).toString('hex')}`,
        accessTokenSecret: `ats_${crypto.randomBytes(16).toString('hex')}`,
      };
    });

    const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
      const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
      for (const k of ['DATABASE_URL', 'TEST_DATABASE_URL', 'SIMULATOR_CONFIG', 'NODE_OPTIONS'])
        if (!(k in extra)) delete e[k];
      return e;
    };

    log('starting the X simulator');
    const sim = new Proc(
      'x-simulator',
      [path.join(DIST, 'dev/x-simulator.main.js')],
      childEnv({
        SIMULATOR_CONFIG: JSON.stringify({
          apps: [app],
          tokens: handles.map((h) => ({
            accessToken: h.accessToken,
            accessTokenSecret: h.accessTokenSecret,
            userId: h.userId,
            screenName: h.screenName,
            consumerKey: app.consumerKey,
          })),
          perMinuteLimit: SIM_PER_MINUTE_LIMIT,
          maxReceived: 10_000,
        }),
      }),
      work,
    );
    procs.push(sim);
    const simUrl = await sim.readyUrl();

    let postmasterPid: number | null = null;
    const cpuOf = (targetPid: number) => (): CpuSnapshot => {
      const u = process.cpuUsage();
      return {
        target: targetPid === sim.pid ? 0 : cpuMs(targetPid),
        sim: cpuMs(sim.pid),
        pg: postgresCpuMs(postmasterPid),
        loadgen: (u.user + u.system) / 1000,
        machine: machineBusyMs(),
      };
    };
    const body = { text: totalsBody(), at: Date.now() };
    const currentBody = (): string => {
      if (Date.now() - body.at > 1000) Object.assign(body, { text: totalsBody(), at: Date.now() });
      return body.text;
    };
    const anyHandle = (): Handle => handles[Math.floor(Math.random() * handles.length)];
    const results: RunResult[] = [];
    const signedForSim = simUrl + TOTALS_PATH;
    const viaSim = (): (() => { headers: Record<string, string>; body: string }) => () => ({
      headers: { authorization: oauthHeader(app, anyHandle(), signedForSim) },
      body: currentBody(),
    });

    // Every target is started first, then measured in rounds that alternate between them (the
    // order rotating each round), so that a change in the machine's load (other people's tests on
    // a shared machine) falls on all targets alike instead of on whichever ran at the time.
    const targets: Target[] = [];
    if (TARGETS.includes('direct')) targets.push({ name: 'direct', url: simUrl, pid: sim.pid, build: viaSim });
    for (const [name, client] of [
      ['bare', 'undici'],
      ['bare-axios', 'axios'],
    ] as const) {
      if (!TARGETS.includes(name)) continue;
      log(`starting the bare forwarder (${client})`);
      // Signed for the simulator's URL: the forwarder passes Authorization through and sends the simulator's Host.
      const fwd = new Proc(
        `bare-forwarder-${client}`,
        [path.join(DIST, 'dev/bare-forwarder.js')],
        childEnv({ UPSTREAM_URL: simUrl, PORT: '0', CLIENT: client }),
        work,
      );
      procs.push(fwd);
      targets.push({
        name: name === 'bare' ? 'bare forwarder' : 'bare forwarder (axios)',
        url: await fwd.readyUrl(),
        pid: fwd.pid,
        build: viaSim,
      });
    }

    let ledgerCheck: string[] = [];
    let profileLines: string[] = [];
    let memoryLines: string[] = [];
    const ours = TARGETS.filter(isHandlemeter);
    let gw: Proc | null = null;
    let gwUrl = '';
    let contractId = '';
    let profDir = '';
    if (ours.length) {
      log('starting PostgreSQL (embedded)');
      db = await startEmbeddedPostgres(path.join(work, 'pg'));
      try {
        postmasterPid =
          Number(fs.readFileSync(path.join(work, 'pg/postgres/postmaster.pid'), 'utf8').split('\n')[0]) || null;
      } catch {
        postmasterPid = null;
      }
      const port = await freePort();
      gwUrl = `http://127.0.0.1:${port}`;
      profDir = path.join(ARTIFACTS, `gateway-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      if (CPU_PROF) fs.mkdirSync(profDir, { recursive: true });
      log(`starting the gateway${CPU_PROF ? ` under --cpu-prof (${path.relative(ROOT, profDir)})` : ''}`);
      gw = new Proc(
        'gateway',
        [...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), path.join(DIST, 'main.js')],
        childEnv({
          NODE_ENV: 'production',
          PORT: String(port),
          DATABASE_URL: db.url,
          ENGAGEMENT_API_BASE_URL: simUrl,
          ADMIN_API_KEY: ADMIN_KEY,
          CREDENTIALS_KEY: crypto.randomBytes(32).toString('base64'),
          DATA_DIR: path.join(work, 'gateway-data'),
          ...(env.BENCH_GATEWAY_NODE_OPTIONS ? { NODE_OPTIONS: env.BENCH_GATEWAY_NODE_OPTIONS } : {}),
        }),
        work,
      ); // cwd: the temporary directory, so no developer's .env is read
      procs.push(gw);
      await gw.until(
        async () => (await fetch(`${gwUrl}/health`)).status === 200,
        60_000,
        'did not answer GET /health with 200 within 60 s',
      );

      log(`seeding a contract, an app, ${HANDLE_COUNT} handles and a client key`);
      const contract = await api<{ id: string }>(
        gwUrl,
        'POST',
        '/contracts',
        {
          name: 'bench',
          handleAllowance: HANDLE_COUNT * 10,
          overagePrice: { amount: '1.00', currency: 'USD' },
          timezone: 'UTC',
          billingDay: 1,
          enforcement: ENFORCEMENT,
        },
        ADMIN_KEY,
        201,
      );
      contractId = contract.id;
      const appRow = await api<{ id: string }>(
        gwUrl,
        'POST',
        `/contracts/${contract.id}/apps`,
        { name: 'bench', ...app },
        ADMIN_KEY,
        201,
      );
      await inParallel(handles, 8, async (h) => {
        await api(
          gwUrl,
          'POST',
          `/apps/${appRow.id}/handles`,
          { screenName: `@${h.screenName}`, accessToken: h.accessToken, accessTokenSecret: h.accessTokenSecret },
          ADMIN_KEY,
          201,
        );
      });
      const clientKey = (
        await api<{ key: string }>(
          gwUrl,
          'POST',
          '/api-keys',
          { name: 'bench client', role: 'client', appId: appRow.id },
          ADMIN_KEY,
          201,
        )
      ).key;

      // Pools: each target gets its share of the handles; of that, a few for its warm-up and the
      // rest split between its measured runs, each brought in over its run.
      const share = Math.floor(HANDLE_COUNT / ours.length);
      const signedForGateway = gwUrl + TOTALS_PATH;
      const runs = MEMORY_S > 0 ? 1 : ROUNDS * CONNECTIONS.length;
      for (const [t, name] of ours.entries()) {
        const mine = handles.slice(t * share, (t + 1) * share);
        const warmPool = WARMUP_S > 0 ? mine.slice(0, Math.min(10, Math.floor(mine.length / 4))) : [];
        const rest = mine.slice(warmPool.length);
        const per = Math.max(1, Math.floor(rest.length / runs));
        const pools = Array.from({ length: runs }, (_, i) =>
          rest.slice(i * per, i === runs - 1 ? rest.length : (i + 1) * per),
        );
        let measured = 0;
        targets.push({
          name,
          url: gwUrl,
          pid: gw.pid,
          build: (warmup, durationS) => {
            const plan = new HandlePlan(warmup ? warmPool : pools[measured++ % runs], durationS * 1000);
            plan.begin();
            // Managed: an API key names the handle. Drop-in: the client signs for handlemeter's URL with the handle's own token.
            const next =
              name === 'gateway'
                ? () => ({
                    headers: { 'x-api-key': clientKey, 'x-handle': `@${plan.next().screenName}` },
                    body: currentBody(),
                  })
                : () => ({
                    headers: { authorization: oauthHeader(app, plan.next(), signedForGateway) },
                    body: currentBody(),
                  });
            return Object.assign(next, { plan });
          },
        });
      }
    }

    const measure = async (t: Target, c: number, durationS: number, warmup: boolean): Promise<RunResult> => {
      const build = t.build(warmup, durationS);
      const r = await load(t.name, t.url, c, durationS, warmup, build, cpuOf(t.pid));
      const plan = (build as { plan?: HandlePlan }).plan;
      if (plan) r.handles = { firstSeen: plan.firstSeen, repeats: plan.repeats };
      r.load = os.loadavg()[0];
      results.push(r);
      return r;
    };
    if (WARMUP_S > 0) {
      for (const t of targets) {
        log(`${t.name}: warm-up ${WARMUP_S} s at ${Math.max(...CONNECTIONS)} connections`);
        await measure(t, Math.max(...CONNECTIONS), WARMUP_S, true);
      }
    }
    if (MEMORY_S > 0) {
      // The memory run: the gateway alone, at the highest concurrency, for MEMORY_S seconds; its RSS sampled throughout.
      const t = targets.find((x) => x.name === 'gateway') ?? targets.find((x) => isHandlemeter(x.name));
      if (!t) throw new Error('BENCH_MEMORY needs the gateway among BENCH_TARGETS');
      const samples: Array<[number, number]> = [];
      const t0 = Date.now();
      const sample = (): void => void samples.push([(Date.now() - t0) / 1000, rssMb(t.pid)]);
      sample();
      const timer = setInterval(sample, 10_000);
      log(`memory run: ${t.name} at ${Math.max(...CONNECTIONS)} connections for ${MEMORY_S} s`);
      await measure(t, Math.max(...CONNECTIONS), MEMORY_S, false);
      clearInterval(timer);
      sample();
      memoryLines = [
        `memory run: ${t.name}, ${Math.max(...CONNECTIONS)} connections, ${MEMORY_S} s; gateway RSS (MB) at s: ${samples.map(([s, mb]) => `${s.toFixed(0)}:${mb.toFixed(0)}`).join(' ')}`,
        `  RSS at start ${samples[0][1].toFixed(0)} MB, at end ${samples[samples.length - 1][1].toFixed(0)} MB, highest ${Math.max(...samples.map((x) => x[1])).toFixed(0)} MB`,
      ];
    } else {
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of CONNECTIONS) {
          const order = targets.map((_, i) => targets[(i + round) % targets.length]);
          for (const t of order) {
            log(
              `round ${round + 1}/${ROUNDS}: ${t.name}, ${c} connections, ${DURATION_S} s (load average ${os.loadavg()[0].toFixed(2)})`,
            );
            await measure(t, c, DURATION_S, false);
          }
        }
      }
    }

    if (gw) {
      // The ledger check, with the gateway still up: every call answered 2xx must be in `calls`
      // (write-ahead) and nothing else may be. Outcomes are written asynchronously: give them a moment.
      const pg = new Client({ connectionString: db!.url });
      await pg.connect();
      try {
        const count = async () =>
          (
            await pg.query<{ total: string; answered_2xx: string; sent: string; other: string }>(
              `
          SELECT count(*) AS total,
                 count(*) FILTER (WHERE outcome = 'answered' AND status BETWEEN 200 AND 299) AS answered_2xx,
                 count(*) FILTER (WHERE outcome = 'sent') AS sent,
                 count(*) FILTER (WHERE NOT (outcome = 'answered' AND status BETWEEN 200 AND 299) AND outcome <> 'sent') AS other
          FROM calls WHERE contract_id = $1`,
              [contractId],
            )
          ).rows[0];
        let calls = await count();
        for (let i = 0; i < 50 && calls.sent !== '0'; i++) {
          await new Promise((r) => setTimeout(r, 100));
          calls = await count();
        }
        const ph = (
          await pg.query<{ n: string; confirmed: string; calls: string }>(
            `SELECT count(*) AS n, count(confirmed_at) AS confirmed, coalesce(sum(calls), 0) AS calls FROM period_handles WHERE contract_id = $1`,
            [contractId],
          )
        ).rows[0];
        const pc = (
          await pg.query<{ attempted: string; confirmed: string; calls: string }>(
            `SELECT coalesce(sum(attempted_handles), 0) AS attempted, coalesce(sum(confirmed_handles), 0) AS confirmed, coalesce(sum(calls), 0) AS calls FROM period_counters WHERE contract_id = $1`,
            [contractId],
          )
        ).rows[0];
        const gwRuns = results.filter((r) => isHandlemeter(r.target));
        const ok = gwRuns.reduce((s, r) => s + r.ok, 0);
        const inFlight = gwRuns.reduce((s, r) => s + r.inFlightAtStop, 0);
        const handlesUsed = gwRuns.reduce((s, r) => s + (r.handles?.firstSeen ?? 0), 0);
        const total = Number(calls.total);
        // autocannon drops the requests in flight when a run's time is up, hanging up on them: a call
        // that had already left for X is recorded and answered, one that had not is taken back (not
        // sent, not counted). So the log holds every 2xx autocannon saw and at most those in flight.
        const matches = total >= ok && total <= ok + inFlight;
        const outcomesOk = Number(calls.answered_2xx) === total;
        const countersAgree =
          Number(ph.n) === Number(pc.attempted) &&
          Number(ph.n) <= handlesUsed &&
          Number(ph.calls) === total &&
          Number(pc.calls) === total;
        ledgerCheck = [
          `calls table: ${total} rows  vs  2xx answered: ${ok} received by autocannon, + at most ${inFlight} in flight when a run's time was up (dropped by autocannon: sent and answered if they had left, else taken back)  ${matches ? 'OK' : 'MISMATCH'}`,
          `  their outcomes: ${calls.answered_2xx} answered 2xx, ${calls.sent} still 'sent' after 5 s, ${calls.other} other  ${outcomesOk ? 'OK' : 'MISMATCH'}`,
          `period_handles: ${ph.n} handles (${ph.confirmed} confirmed, ${ph.calls} calls); period_counters: ${pc.attempted} attempted, ${pc.confirmed} confirmed, ${pc.calls} calls; handles the bench asked for: ${handlesUsed}  ${countersAgree ? 'OK' : 'MISMATCH'}`,
        ];
        if (!matches || !outcomesOk || !countersAgree) failed = true;
      } finally {
        await pg.end();
      }
      log('stopping the gateway');
      const gwExit = await gw.stop();
      procs.splice(procs.indexOf(gw), 1);
      if (gwExit !== 0)
        ledgerCheck.push(`note: the gateway exited with code ${gwExit} on SIGTERM (a graceful shutdown exits 0)`);
      if (CPU_PROF) {
        const files = fs.existsSync(profDir) ? fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [];
        const windows = results.filter((r) => isHandlemeter(r.target) && !r.warmup).map((r) => r.window);
        profileLines = files.length
          ? summarizeProfile(path.join(profDir, files[0]), windows)
          : [`no .cpuprofile written in ${profDir}`];
      }
    }

    // ---------------------------------------------------------------- report
    const measuredRuns = results.filter((r) => !r.warmup);
    const out: string[] = [];
    out.push('');
    out.push(
      `handlemeter bench: POST ${TOTALS_PATH}, ${MEMORY_S > 0 ? `memory run of ${MEMORY_S} s` : `${ROUNDS} rounds of ${DURATION_S} s per target and concurrency`}, ${HANDLE_COUNT} handles, ` +
        `node ${process.version}, ${os.cpus().length} CPUs, enforcement ${ENFORCEMENT}, load average at start ${loadAtStart}, at end ${os.loadavg()[0].toFixed(2)}`,
    );
    out.push('');
    // One row per target and concurrency: each figure the median of its rounds (all rounds' req/s listed too).
    const groups = new Map<string, RunResult[]>();
    for (const r of measuredRuns)
      groups.set(`${r.target}|${r.connections}`, [...(groups.get(`${r.target}|${r.connections}`) ?? []), r]);
    const med = (rs: RunResult[], f: (r: RunResult) => number): number => median(rs.map(f));
    const summary = [...groups.values()].map((rs) => ({
      target: rs[0].target,
      connections: rs[0].connections,
      reqPerSec: med(rs, (r) => r.reqPerSec),
      rounds: rs.map((r) => r.reqPerSec.toFixed(0)).join('/'),
      p50: med(rs, (r) => r.p50),
      p99: med(rs, (r) => r.p99),
      ok: rs.reduce((a, r) => a + r.ok, 0),
      non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      cpu: (k: keyof CpuSnapshot) => med(rs, (r) => r.cpuPerReqUs![k]),
      otherCores: med(rs, (r) => r.otherCores),
      load: med(rs, (r) => r.load ?? 0),
    }));
    summary.sort((a, b) => a.connections - b.connections || KNOWN_ORDER(a.target) - KNOWN_ORDER(b.target));
    const head = [
      'target',
      'conns',
      'req/s',
      'rounds req/s',
      'p50 ms',
      'p99 ms',
      '2xx',
      'non-2xx',
      'errors',
      'CPU µs/req: server',
      'sim',
      'postgres',
      'loadgen',
      'other procs, cores',
      'load avg',
    ];
    const rows = summary.map((r) => [
      r.target,
      String(r.connections),
      r.reqPerSec.toFixed(0),
      r.rounds,
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      String(r.ok),
      String(r.non2xx),
      String(r.errors),
      r.target === 'direct' ? '-' : r.cpu('target').toFixed(0),
      r.cpu('sim').toFixed(0),
      isHandlemeter(r.target) ? r.cpu('pg').toFixed(0) : '-',
      r.cpu('loadgen').toFixed(0),
      r.otherCores.toFixed(2),
      r.load.toFixed(2),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    out.push(line(head));
    out.push(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) out.push(line(r));
    out.push(
      '(Medians over the rounds. CPU µs/req: user+system CPU per answered request of the server under test (forwarder or gateway), the simulator,',
    );
    out.push(
      ' PostgreSQL (all its processes) and this process (autocannon; for direct, bare forwarder and drop-in also the OAuth signing).',
    );
    out.push(
      ' other procs: what the rest of the machine used meanwhile; much above 0.1 core means the run was disturbed.)',
    );
    out.push('');
    for (const c of CONNECTIONS) {
      const get = (t: string) => summary.find((r) => r.target === t && r.connections === c);
      const gwRow = get('gateway');
      const dropIn = get('drop-in');
      const bare = get('bare forwarder');
      const bareAxios = get('bare forwarder (axios)');
      const direct = get('direct');
      const parts: string[] = [];
      if (gwRow && bare) parts.push(`gateway / bare forwarder = ${(gwRow.reqPerSec / bare.reqPerSec).toFixed(2)}×`);
      if (dropIn && bare) parts.push(`drop-in / bare forwarder = ${(dropIn.reqPerSec / bare.reqPerSec).toFixed(2)}×`);
      if (dropIn && gwRow) parts.push(`drop-in / gateway = ${(dropIn.reqPerSec / gwRow.reqPerSec).toFixed(2)}×`);
      if (bareAxios && bare)
        parts.push(`axios forwarder / undici forwarder = ${(bareAxios.reqPerSec / bare.reqPerSec).toFixed(2)}×`);
      if (bare && direct) parts.push(`bare forwarder / direct = ${(bare.reqPerSec / direct.reqPerSec).toFixed(2)}×`);
      if (parts.length) out.push(`${String(c).padStart(3)} connections: ${parts.join(';  ')}`);
    }
    out.push(...memoryLines);
    for (const r of results.filter((x) => isHandlemeter(x.target) && x.handles && !x.warmup)) {
      out.push(
        `${r.target} ${r.connections} connections: ${r.handles!.firstSeen} first-seen handle requests, ${r.handles!.repeats} repeat-handle requests`,
      );
    }
    const bad = results.filter((r) => r.non2xx > 0 || r.errors > 0);
    out.push('');
    if (bad.length) {
      failed = true;
      out.push('NOT ALL ANSWERS WERE 2xx:');
      for (const r of bad) {
        out.push(
          `  ${r.target} ${r.connections} connections${r.warmup ? ' (warm-up)' : ''}: status counts ${JSON.stringify(r.statusCodes)}, ${r.errors} errors (${r.timeouts} timeouts)`,
        );
        for (const s of r.non2xxSamples) out.push(`    ${s}`);
      }
    } else {
      out.push(`non-2xx answers: 0, errors: 0 (${results.length} runs, warm-ups included)`);
    }
    out.push(...ledgerCheck);
    if (profileLines.length) out.push('', ...profileLines);
    out.push('', `total bench time ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
    process.stdout.write(out.join('\n') + '\n');
    return failed ? 1 : 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
