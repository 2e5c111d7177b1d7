/**
 * The issue's aims (test/bench/scale.bench.ts): one line each, `aim <name> <measured> <target> met|missed`,
 * and the runs under load that measure the gateway while something heavy happens beside it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { request } from 'undici';
import * as S from './scale-support';

const DASHBOARD_READERS = S.knob('BENCH_SCALE_DASHBOARD_READERS', 40);
const DASHBOARD_ROUNDS = S.knob('BENCH_SCALE_DASHBOARD_ROUNDS', 5);
const GATEWAY_CONCURRENCY = S.knob('BENCH_SCALE_GATEWAY_CONCURRENCY', 4);
const IMPORT_ROWS = S.knob('BENCH_SCALE_IMPORT_ROWS', 50_000);
/** The crowd worker's warm-up (CROWD): rounds of DASHBOARD_ROUNDS pages of about a contract page's size. */
const WARM_UP_ROUNDS = 4;
const WARM_UP_PAGE_BYTES = 30_000;

export class Aims {
  private readonly aims: { name: string; measured: number; target: number; note: string }[] = [];

  add(name: string, measuredMs: number, targetMs: number, note = ''): void {
    this.aims.push({ name, measured: measuredMs, target: targetMs, note });
  }

  lines(): string[] {
    const out = this.aims.map(
      (a) =>
        `aim ${a.name} ${S.ms(a.measured).replace(' ', '')} ${S.ms(a.target).replace(' ', '')} ${a.measured <= a.target ? 'met' : 'missed'}${a.note ? `  (${a.note})` : ''}`,
    );
    const missed = this.aims.filter((a) => !(a.measured <= a.target)).length;
    return [...out, `${this.aims.length - missed} aims met, ${missed} missed`];
  }
}

export interface GatewayClient {
  key: string;
  handles: string[];
}

/** Gateway calls in `concurrency` loops until stopped: each call's latency, and any answer that was not 200. */
export class GatewayLoad {
  private running = false;
  private loops: Promise<void>[] = [];
  readonly latencies: number[] = [];
  readonly failures: string[] = [];

  constructor(
    private readonly base: string,
    private readonly clients: GatewayClient[],
    private readonly concurrency = GATEWAY_CONCURRENCY,
  ) {}

  start(): this {
    this.running = true;
    this.loops = Array.from({ length: this.concurrency }, (_, i) => this.loop(i));
    return this;
  }

  async stop(): Promise<number[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.latencies;
  }

  private async loop(i: number): Promise<void> {
    let n = i;
    while (this.running) {
      const c = this.clients[n % this.clients.length];
      const handle = c.handles[Math.floor(n / this.clients.length) % c.handles.length];
      n += this.concurrency;
      const base = (BigInt(Date.now() - 60_000 - 1288834974657) << 22n).toString();
      const t0 = performance.now();
      // undici's request rather than fetch: see S.html.
      const res = await request(`${this.base}/insights/engagement/totals`, {
        method: 'POST',
        headers: { 'x-api-key': c.key, 'x-handle': handle, 'content-type': 'application/json' },
        body: JSON.stringify({
          tweet_ids: [base],
          engagement_types: ['impressions', 'favorites'],
          groupings: { g: { group_by: ['tweet.id', 'engagement.type'] } },
        }),
      });
      const text = await res.body.text();
      this.latencies.push(performance.now() - t0);
      if (res.statusCode !== 200 && this.failures.length < 5)
        this.failures.push(`${res.statusCode}: ${text.slice(0, 200)}`);
    }
  }
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const DELAY_RESOLUTION_MS = 5;

/**
 * `fn` while the gateway takes traffic; returns fn's result, the gateway's latencies meanwhile, and
 * this thread's own event-loop delay (p99, ms): what of those latencies was this process's, not
 * the gateway's. Node's histogram records each timer's whole interval, so the resolution is
 * subtracted.
 */
export async function withGateway<T>(
  base: string,
  clients: GatewayClient[],
  fn: () => Promise<T>,
): Promise<{ result: T; gateway: number[]; failures: string[]; ownDelayP99: number }> {
  const own = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  const load = new GatewayLoad(base, clients).start();
  await S.sleep(300);
  own.enable();
  let result: T;
  try {
    result = await fn();
  } finally {
    own.disable();
    await load.stop();
  }
  const ownDelayP99 = Math.max(0, own.percentile(99) / 1e6 - DELAY_RESOLUTION_MS);
  return { result, gateway: load.latencies, failures: load.failures, ownDelayP99 };
}

/** How a run beside the gateway names the bench's own share of its latencies. */
export const ownDelay = (run: { ownDelayP99: number }): string =>
  `the load generator's own event-loop delay p99 ${S.ms(run.ownDelayP99)}`;

/** Dashboard sessions for DASHBOARD_READERS people: each signs in with the finance key (untimed). */
export async function dashboardReaders(base: string, financeKey: string): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < DASHBOARD_READERS; i++) cookies.push(await S.dashboardSession(base, financeKey));
  return cookies;
}

/**
 * Each of those people on the contract page at once, DASHBOARD_ROUNDS pages each, in their own
 * session, from a worker thread: its own event loop, as people's browsers are apart from the
 * gateway's clients. In this thread, reading 200 pages (tens of kB each) as fast as they came
 * delayed the gateway loops' own answers and was counted as the gateway's latency. Resolves once
 * the worker is ready, with the function that reads the pages and resolves with their times.
 */
export async function dashboardCrowd(url: string, cookies: string[]): Promise<() => Promise<number[]>> {
  const worker = new Worker(CROWD, {
    eval: true,
    workerData: { url, cookies, rounds: DASHBOARD_ROUNDS, undici: require.resolve('undici') },
  });
  // A worker that ends without an answer (an exit, not an error) must not leave the bench waiting.
  const exited = (reject: (e: Error) => void) =>
    worker.once('exit', (code) => reject(new Error(`crowd worker exited (${code})`)));
  await new Promise((resolve, reject) => {
    worker.once('message', resolve).once('error', reject);
    exited(reject);
  });
  return () =>
    new Promise<number[]>((resolve, reject) => {
      worker.once('message', (times: number[] | string) =>
        typeof times === 'string' ? reject(new Error(times)) : resolve(times),
      );
      worker.once('error', reject);
      exited(reject);
      worker.postMessage('go');
    }).finally(() => void worker.terminate());
}

/**
 * The worker's code: S.html's timing and check, as plain JavaScript (ts-node does not load into an
 * eval'd worker). Before it says ready, the worker reads WARM_UP_ROUNDS times as many pages of about
 * the same size from a server of its own: a new thread compiles undici and its HTTP parser
 * (WebAssembly) on its first requests, and that compiling, on the same two cores, landed inside the
 * timed run (perf: the bench's own compiler threads took as much CPU as the service's event loop
 * during the crowd). People's browsers are running before they open a page; the service is not
 * warmed by this.
 */
const CROWD = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { request } = require(workerData.undici);
const readAll = async (url, check) => {
  const times = [];
  await Promise.all(workerData.cookies.map(async (cookie) => {
    for (let r = 0; r < workerData.rounds; r++) {
      const t0 = performance.now();
      const res = await request(url, { headers: { cookie } });
      const body = await res.body.text();
      check(res, body);
      times.push(performance.now() - t0);
    }
  }));
  return times;
};
async function warmUp() {
  const page = '<p>' + 'x'.repeat(${WARM_UP_PAGE_BYTES}) + '</p>';
  const server = http.createServer((req, res) => res.end(page));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = 'http://127.0.0.1:' + server.address().port + '/';
  for (let i = 0; i < ${WARM_UP_ROUNDS}; i++) await readAll(url, () => {});
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
parentPort.once('message', async () => {
  try {
    const times = await readAll(workerData.url, (res, body) => {
      if (res.statusCode !== 200) throw new Error('GET ' + workerData.url + ': ' + res.statusCode + ' ' + body.slice(0, 300));
    });
    parentPort.postMessage(times);
  } catch (e) {
    parentPort.postMessage(String(e && e.message || e));
  }
});
// A failed warm-up rejects unhandled: the worker ends with an error, which dashboardCrowd reports.
warmUp().then(() => parentPort.postMessage('ready'));
`;

/** An import of IMPORT_ROWS calls of new handles into the open period so far. Returns its duration. */
export async function bigImport(
  base: string,
  adminKey: string,
  contractId: string,
  from: Date,
  to: Date,
  userIdBase: bigint,
): Promise<{ ms: number; rows: number }> {
  const span = to.getTime() - from.getTime();
  const calls = Array.from({ length: IMPORT_ROWS }, (_, i) => ({
    id: `bench-import-${i}`,
    at: new Date(from.getTime() + Math.floor((span * i) / IMPORT_ROWS)).toISOString(),
    userId: (userIdBase + BigInt(i % Math.ceil(IMPORT_ROWS / 2))).toString(),
    endpoint: 'totals',
  }));
  const a = await S.expectJson<{ imported: number }>(`${base}/contracts/${contractId}/usage/import`, adminKey, 200, {
    method: 'POST',
    body: { calls },
  });
  if (a.body.imported !== IMPORT_ROWS) throw new Error(`the import took ${a.body.imported} of ${IMPORT_ROWS} rows`);
  return { ms: a.ms, rows: IMPORT_ROWS };
}
