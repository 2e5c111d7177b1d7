/**
 * The timed reads of the read-side benchmark (test/bench/scale.bench.ts), each checked against
 * what was seeded: a wrong answer is a problem, whatever its speed.
 */
import * as crypto from 'node:crypto';
import { SeedPeriod, userContextCalls } from './scale-seed';
import { Aims } from './scale-aims';
import * as S from './scale-support';

const REPEAT = S.knob('BENCH_SCALE_REPEAT', 5);
const PAGE = Math.min(1000, S.knob('BENCH_SCALE_PAGE', 1000)); // the API's largest page
const CSV_RUNS = S.knob('BENCH_SCALE_CSV_RUNS', 3);
/** Samples of usage whose projection is computed afresh: each waits out the projection's cache. */
const RECOMPUTE = S.knob('BENCH_SCALE_RECOMPUTE', 5);
const PROJECTION_TTL_MS = S.knob('BENCH_SCALE_TTL_WAIT_MS', 15_500);
const USAGE_AIM_MS = 50;
const CLOSE_AIM_MS = 30_000;
const DASHBOARD_AIM_MS = 100;
const CHARGEBACK_AIM_MS = 100;

interface Usage {
  period: { key: string; closed: boolean };
  uniqueHandles: number;
  attemptedHandles: number;
  confirmedHandles: number;
  overageHandles: number;
  overageCost: { amount: string };
  calls: number;
  projection: { uniqueHandles: number; low: number; high: number; method: string } | null;
  restatement?: unknown;
}

interface RosterEntry {
  userId: string;
  firstSeen: string;
  calls: number;
}

export class ScaleReads {
  private readonly timings: S.Timing[] = [];
  private readonly notes: string[] = [];
  private pastLiveCsvHash = '';

  constructor(
    private readonly base: string,
    private readonly financeKey: string,
    private readonly adminKey: string,
    private readonly contractId: string,
    private readonly problems: string[],
    private readonly aims: Aims,
  ) {}

  /** The open period and the ended, not yet closed one, straight after a restart. */
  async openPeriod(open: SeedPeriod, past: SeedPeriod): Promise<void> {
    const c = `${this.base}/contracts/${this.contractId}`;
    const usage = await this.repeat(
      `usage, open period (projection cached ≤15 s)`,
      `${c}/usage`,
      (u: Usage) => this.checkUsage('usage of the open period', u, open, false),
      USAGE_AIM_MS,
    );
    this.aims.add(
      'usage-open-cold',
      usage.cold!,
      USAGE_AIM_MS,
      'first read after a restart of the service and PostgreSQL',
    );
    this.aims.add('usage-open-warm', Math.max(...usage.warm), USAGE_AIM_MS, `slowest of ${usage.warm.length}`);
    await this.recomputed(`usage, open period, projection recomputed (no history)`, `${c}/usage`, open);
    await this.repeat('periods', `${c}/periods`, (ps: { key: string }[]) =>
      this.check('periods lists both', ps.some((p) => p.key === open.key) && ps.some((p) => p.key === past.key)),
    );
    await this.repeat(
      'roster first page, open (live set, limit 100)',
      `${c}/periods/${open.key}/handles`,
      (rows: RosterEntry[]) => this.check('first page has 100 handles', rows.length === 100),
    );
    const cookie = await S.dashboardSession(this.base, this.financeKey);
    const dashboard = await this.repeat(
      'dashboard page of the contract',
      `${this.base}/dashboard/contracts/${this.contractId}`,
      (html: string) => this.check('the dashboard names the contract', html.includes('Scale Co')),
      DASHBOARD_AIM_MS,
      () => S.html(`${this.base}/dashboard/contracts/${this.contractId}`, cookie),
    );
    this.aims.add('dashboard-contract-cold', dashboard.cold!, DASHBOARD_AIM_MS, 'first page after a restart');
    this.aims.add(
      'dashboard-contract-warm',
      Math.max(...dashboard.warm),
      DASHBOARD_AIM_MS,
      `slowest of ${dashboard.warm.length}`,
    );
    await this.repeat(`usage, ended period not yet closed`, `${c}/usage?period=${past.key}`, (u: Usage) =>
      this.checkUsage('usage of the ended period', u, past, false),
    );
    await this.csv(`CSV export, open (live set)`, `${c}/periods/${open.key}/handles?format=csv`, open);
    await this.walk(`roster walk, open (live set)`, `${c}/periods/${open.key}/handles`, open);
    this.pastLiveCsvHash = await this.csv(
      `CSV export, ended period (live set)`,
      `${c}/periods/${past.key}/handles?format=csv`,
      past,
    );
  }

  /** The month-end close of the past period, checked against the seed. */
  async close(past: SeedPeriod, allowance: number, priceMinor: bigint): Promise<void> {
    S.log('  POST /jobs/close-periods');
    const first = await S.expectJson<{ closed: { contractId: string; period: string }[] }>(
      `${this.base}/jobs/close-periods`,
      this.adminKey,
      200,
      { method: 'POST' },
    );
    this.check(
      `the close closed ${past.key} and nothing else`,
      first.body.closed.length === 1 &&
        first.body.closed[0].period === past.key &&
        first.body.closed[0].contractId === this.contractId,
      JSON.stringify(first.body),
    );
    const again = await S.expectJson<{ closed: unknown[] }>(`${this.base}/jobs/close-periods`, this.adminKey, 200, {
      method: 'POST',
    });
    this.check('a second close closes nothing', again.body.closed.length === 0, JSON.stringify(again.body));
    this.timings.push({
      what: `close: ${past.handles.toLocaleString('en-US')} handles frozen into the statement`,
      cold: first.ms,
      warm: [],
      aimMs: CLOSE_AIM_MS,
    });
    this.aims.add(
      'close',
      first.ms,
      CLOSE_AIM_MS,
      `${past.handles.toLocaleString('en-US')} handles frozen with the statement`,
    );
    this.timings.push({ what: 'close again, nothing due', cold: again.ms, warm: [] });
    const s = await S.expectJson<Usage & { closedAt: string }>(
      `${this.base}/contracts/${this.contractId}/statements/${past.key}`,
      this.financeKey,
      200,
    );
    const overage = Math.max(0, past.handles - allowance);
    const cost = priceMinor * BigInt(overage);
    const expectedCost = `${cost / 100n}.${String(cost % 100n).padStart(2, '0')}`;
    this.check(
      'the statement has the seeded figures',
      s.body.attemptedHandles === past.handles &&
        s.body.confirmedHandles === past.confirmed &&
        s.body.uniqueHandles === past.handles &&
        s.body.calls === past.calls &&
        s.body.overageHandles === overage &&
        s.body.overageCost.amount === expectedCost &&
        s.body.restatement === null,
      `attempted ${s.body.attemptedHandles}/${past.handles}, confirmed ${s.body.confirmedHandles}/${past.confirmed}, calls ${s.body.calls}/${past.calls}, overage ${s.body.overageHandles}/${overage} costing ${s.body.overageCost.amount}/${expectedCost}`,
    );
    this.notes.push(
      `statement ${past.key}: ${s.body.uniqueHandles} unique handles (${s.body.confirmedHandles} confirmed), ${s.body.calls} calls, ${s.body.overageHandles} over the allowance of ${allowance}: ${s.body.overageCost.amount} USD`,
    );
  }

  /** The closed period (from its statement and frozen set) and the open one (now with history), after a restart. */
  async closedPeriod(past: SeedPeriod, open: SeedPeriod): Promise<void> {
    const c = `${this.base}/contracts/${this.contractId}`;
    await this.repeat('statement', `${c}/statements/${past.key}`, (s: Usage) =>
      this.check('the statement is the seeded count', s.uniqueHandles === past.handles),
    );
    const chargeback = (p: SeedPeriod) => (apps: { calls: number; firstCountedHandles: number }[]) =>
      this.check(
        `chargeback of ${p.key} adds up to the period`,
        apps.reduce((n, a) => n + a.firstCountedHandles, 0) === p.handles &&
          apps.reduce((n, a) => n + a.calls, 0) === p.calls,
        JSON.stringify(apps).slice(0, 300),
      );
    const cbOpen = await this.repeat(
      'chargeback per app, open period',
      `${c}/apps/usage`,
      chargeback(open),
      CHARGEBACK_AIM_MS,
    );
    this.aims.add(
      'chargeback-open',
      Math.max(cbOpen.cold!, ...cbOpen.warm),
      CHARGEBACK_AIM_MS,
      'slowest, the first after a restart included',
    );
    const cbClosed = await this.repeat(
      'chargeback per app, closed period',
      `${c}/apps/usage?period=${past.key}`,
      chargeback(past),
      CHARGEBACK_AIM_MS,
    );
    this.aims.add('chargeback-closed', Math.max(cbClosed.cold!, ...cbClosed.warm), CHARGEBACK_AIM_MS, 'slowest');
    await this.repeat(
      'usage, closed period',
      `${c}/usage?period=${past.key}`,
      (u: Usage) => this.checkUsage('usage of the closed period', u, past, true),
      USAGE_AIM_MS,
    );
    await this.repeat(
      'usage, open period, after the close (projection cached ≤15 s)',
      `${c}/usage`,
      (u: Usage) => this.checkUsage('usage of the open period', u, open, false),
      USAGE_AIM_MS,
    );
    await this.recomputed('usage, open period, projection recomputed (1 closed period of history)', `${c}/usage`, open);
    await this.repeat('periods, after the close', `${c}/periods`, (ps: { key: string; closed: boolean }[]) =>
      this.check(
        'periods shows the closed one',
        ps.some((p) => p.key === past.key && p.closed),
      ),
    );
    await this.repeat(
      'roster first page, closed (frozen set, limit 100)',
      `${c}/periods/${past.key}/handles`,
      (rows: RosterEntry[]) => this.check('first page has 100 handles', rows.length === 100),
    );
    const frozen = await this.csv(
      'CSV export, closed (frozen set)',
      `${c}/periods/${past.key}/handles?format=csv`,
      past,
    );
    this.check(
      'the frozen set is the live set it was copied from (same CSV, byte for byte)',
      frozen === this.pastLiveCsvHash,
    );
    await this.walk('roster walk, closed (frozen set)', `${c}/periods/${past.key}/handles`, past);
  }

  note(line: string): void {
    this.notes.push(line);
  }

  summary(): string[] {
    const rows = this.timings.map((t) => {
      const over = (x: number | null) => t.aimMs !== undefined && x !== null && x > t.aimMs;
      const missed = [
        over(t.cold) && 'cold',
        t.warm.length && over(S.median(t.warm)) && 'median',
        t.warm.length && over(Math.max(...t.warm)) && 'max',
      ].filter(Boolean);
      return [
        t.what,
        S.ms(t.cold),
        S.ms(S.median(t.warm)),
        t.warm.length ? S.ms(Math.max(...t.warm)) : '-',
        t.warm.length ? String(t.warm.length) : '-',
        t.aimMs === undefined ? '' : `≤ ${S.ms(t.aimMs)}: ${missed.length ? `MISSED (${missed.join(', ')})` : 'met'}`,
        t.note ?? '',
      ];
    });
    return [
      ...S.table(['read (over HTTP, finance key)', 'cold', 'warm median', 'warm max', 'n', 'aim', ''], rows),
      ...this.notes,
    ];
  }

  // ---------------------------------------------------------------- the kinds of measurement

  /** One cold request, then REPEAT warm ones; every answer checked. */
  private async repeat<T>(
    what: string,
    url: string,
    verify: (body: T) => void,
    aimMs?: number,
    get: () => Promise<{ ms: number; body: T }> = () => S.expectJson<T>(url, this.financeKey, 200),
  ): Promise<S.Timing> {
    S.log(`  ${what}`);
    const t: S.Timing = { what, cold: null, warm: [], aimMs };
    for (let i = 0; i <= REPEAT; i++) {
      const a = await get();
      if (i === 0) {
        t.cold = a.ms;
        verify(a.body);
      } else t.warm.push(a.ms);
    }
    this.timings.push(t);
    return t;
  }

  /** Usage with the projection computed afresh: each sample waits out the projection's cache first. */
  private async recomputed(what: string, url: string, open: SeedPeriod): Promise<void> {
    S.log(`  ${what} (${RECOMPUTE} × waiting ${PROJECTION_TTL_MS} ms for the projection's cache to expire)`);
    const t: S.Timing = { what, cold: null, warm: [], aimMs: USAGE_AIM_MS };
    for (let i = 0; i < RECOMPUTE; i++) {
      // Meanwhile a light read every 2 s, as a service in use would get: the pool's idle
      // connections close after 10 s, and a reconnect is not what is being measured.
      for (const until = Date.now() + PROJECTION_TTL_MS; Date.now() < until;) {
        await S.expectJson(`${this.base}/rate-limits`, this.financeKey, 200);
        await S.sleep(Math.min(2000, until - Date.now()));
      }
      const a = await S.expectJson<Usage>(url, this.financeKey, 200);
      this.checkUsage(what, a.body, open, false);
      t.warm.push(a.ms);
      if (i === 0)
        this.notes.push(
          `${what}: ${a.body.projection?.uniqueHandles} (${a.body.projection?.low}..${a.body.projection?.high}) by ${a.body.projection?.method}`,
        );
    }
    this.timings.push(t);
  }

  /** CSV_RUNS full downloads (the first cold); the last one is parsed and checked. Returns its SHA-256. */
  private async csv(what: string, url: string, p: SeedPeriod): Promise<string> {
    S.log(`  ${what}`);
    const t: S.Timing = { what, cold: null, warm: [] };
    let hash = '';
    for (let i = 0; i < CSV_RUNS; i++) {
      const last = i === CSV_RUNS - 1;
      const d = await S.download(url, this.financeKey, last);
      if (i === 0) t.cold = d.ms;
      else t.warm.push(d.ms);
      this.check(`${what} has a header and ${p.handles} rows`, d.lines === p.handles + 1, `${d.lines - 1} rows`);
      if (last) {
        hash = crypto.createHash('sha256').update(d.text).digest('hex');
        const lines = d.text.split('\n').slice(1, -1);
        const ids = new Set<string>();
        let calls = 0;
        for (const l of lines) {
          const f = l.split(',');
          ids.add(f[0]);
          calls += Number(f[4]);
        }
        this.check(
          `${what}: distinct handles and their calls`,
          ids.size === p.handles && calls === userContextCalls(p),
          `${ids.size} distinct, ${calls} calls`,
        );
        t.note = `${(d.bytes / 1e6).toFixed(0)} MB; ${Math.round((p.handles * 1000) / S.median([t.cold!, ...t.warm])).toLocaleString('en-US')} rows/s (median)`;
      }
    }
    this.timings.push(t);
    return hash;
  }

  /** Every page of the roster through X-Next-Cursor: each page timed, the whole set checked (order, no gaps or duplicates). */
  private async walk(what: string, url: string, p: SeedPeriod): Promise<void> {
    S.log(`  ${what} (pages of ${PAGE})`);
    const times: number[] = [];
    const ids = new Set<string>();
    let calls = 0;
    let prev: RosterEntry | null = null;
    let ordered = true;
    let cursor: string | null = null;
    const t0 = performance.now();
    do {
      const a: { ms: number; body: RosterEntry[]; headers: Headers } = await S.expectJson<RosterEntry[]>(
        `${url}?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`,
        this.financeKey,
        200,
      );
      times.push(a.ms);
      for (const r of a.body) {
        if (
          prev &&
          !(prev.firstSeen < r.firstSeen || (prev.firstSeen === r.firstSeen && BigInt(prev.userId) < BigInt(r.userId)))
        )
          ordered = false;
        ids.add(r.userId);
        calls += r.calls;
        prev = r;
      }
      cursor = a.headers.get('x-next-cursor');
    } while (cursor);
    const total = performance.now() - t0;
    this.check(
      `${what}: every handle once, in order`,
      ordered && ids.size === p.handles && calls === userContextCalls(p),
      `${ids.size} handles, ${calls} calls, ordered ${ordered}`,
    );
    const deep = times.slice(Math.floor(times.length * 0.9));
    this.timings.push({
      what,
      cold: times[0],
      warm: times.slice(1),
      note: `${times.length} pages in ${S.ms(total)}; last tenth median ${S.ms(S.median(deep))}`,
    });
  }

  // ---------------------------------------------------------------- checks

  private checkUsage(what: string, u: Usage, p: SeedPeriod, closed: boolean): void {
    // Only an open period has a projection, and it never projects fewer handles than there are.
    const isOpen = p.upTo.getTime() < p.end.getTime();
    const projectionOk = isOpen
      ? u.projection !== null &&
        u.projection.uniqueHandles >= u.uniqueHandles &&
        u.projection.low <= u.projection.uniqueHandles
      : u.projection === null;
    const ok =
      u.uniqueHandles === p.handles &&
      u.confirmedHandles === p.confirmed &&
      u.calls === p.calls &&
      u.period.closed === closed &&
      projectionOk;
    this.check(
      `${what} has the seeded figures`,
      ok,
      `unique ${u.uniqueHandles}/${p.handles}, confirmed ${u.confirmedHandles}/${p.confirmed}, calls ${u.calls}/${p.calls}, closed ${u.period.closed}, projection ${JSON.stringify(u.projection)?.slice(0, 200)}`,
    );
  }

  private check(what: string, ok: boolean, detail = ''): void {
    if (!ok) {
      this.problems.push(`${what}: ${detail}`);
      S.log(`  MISMATCH ${what}: ${detail}`);
    }
  }
}
