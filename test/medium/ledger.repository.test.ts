import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DatabaseLock } from '../../src/database/database-lock';
import { IMPORT_SLICE, LedgerRepository } from '../../src/ledger/ledger.repository';
import { CallOutcome, ImportedCall, PendingCall } from '../../src/ledger/ledger.types';
import { Medium, startMedium } from '../support/medium';

/**
 * The ledger's SQL paths called directly, on real PostgreSQL: block's admission under the
 * allowance, the uncount of calls that never reached X, and the take-back of write-aheads
 * refused after their commit's answer was lost. The HTTP suites reach these only through
 * injected faults; here each path is one call and its rows.
 */
describe('LedgerRepository on PostgreSQL', () => {
  let m: Medium;
  let ledger: LedgerRepository;
  const period = { key: '2026-11', start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z') };

  beforeAll(async () => {
    m = await startMedium([LedgerRepository]);
    ledger = m.get(LedgerRepository);
    // The call log is partitioned by month, and a fresh database has partitions from the current
    // month on (the scheduler keeps them ahead): this suite's fixed month needs its own.
    await ledger.ensureCallPartitions([period.start]);
  });
  afterAll(() => m.close());

  async function contract(allowance: number): Promise<string> {
    const [c] = await m.sql<{ id: string }>(
      `INSERT INTO contracts (name, handle_allowance, overage_price_minor, currency, timezone, billing_day)
       VALUES ('medium', $1, 100, 'USD', 'UTC', 1) RETURNING id`,
      [allowance],
    );
    return c.id;
  }

  function call(contractId: string, userId: string | null, opts: Partial<PendingCall> = {}): PendingCall {
    return {
      id: randomUUID(),
      at: new Date('2026-11-10T12:00:00Z'),
      contractId,
      appId: null,
      period,
      endpoint: 'totals',
      userId,
      screenName: userId && `h${userId}`,
      tweetCount: 1,
      block: false,
      billsConfirmed: false,
      ...opts,
    };
  }

  function outcome(c: PendingCall, o: Partial<CallOutcome>): CallOutcome {
    return {
      call: c,
      outcome: 'answered',
      status: 200,
      latencyMs: 5,
      rateLimit: { limit: null, remaining: null },
      answeredAt: new Date('2026-11-10T12:00:01Z'),
      ...o,
    };
  }

  async function counters(contractId: string) {
    const [r] = await m.sql<{ attempted: number; confirmed: number; calls: string }>(
      'SELECT attempted_handles AS attempted, confirmed_handles AS confirmed, calls::text AS calls FROM period_counters WHERE contract_id = $1',
      [contractId],
    );
    return r && { attempted: r.attempted, confirmed: r.confirmed, calls: Number(r.calls) };
  }

  async function handles(contractId: string) {
    const rows = await m.sql<{ user_id: string; calls: number; confirmed: boolean }>(
      'SELECT user_id::text AS user_id, calls, confirmed_at IS NOT NULL AS confirmed FROM period_handles WHERE contract_id = $1 ORDER BY user_id',
      [contractId],
    );
    return rows;
  }

  const loggedCalls = (contractId: string) =>
    m.sql<{ id: string; outcome: string }>('SELECT id::text AS id, outcome FROM calls WHERE contract_id = $1', [
      contractId,
    ]);

  describe('write-ahead', () => {
    it('logs every call and counts each handle once per period, app-only calls in the log only', async () => {
      const id = await contract(10);
      const batch = [call(id, '1'), call(id, '1'), call(id, '2'), call(id, null)];
      // Each user-context call says what it cost: new to the period or not (the first of a batch to
      // name a handle is), and the period's counts after the write.
      const after = { wasConfirmed: false, attempted: 2, confirmed: 0, allowance: 10 };
      expect(await ledger.writeAhead(batch)).toEqual([
        { ok: true, metering: { handleNew: true, ...after } },
        { ok: true, metering: { handleNew: false, ...after } },
        { ok: true, metering: { handleNew: true, ...after } },
        { ok: true, metering: null },
      ]);
      expect(await counters(id)).toEqual({ attempted: 2, confirmed: 0, calls: 4 });
      expect(await handles(id)).toEqual([
        { user_id: '1', calls: 2, confirmed: false },
        { user_id: '2', calls: 1, confirmed: false },
      ]);
      expect(await loggedCalls(id)).toHaveLength(4);
    });

    it('under block, admits new handles only while the count is under the allowance, and known ones always', async () => {
      const id = await contract(2);
      const block = { block: true };
      const first = await ledger.writeAhead([
        call(id, '1', block),
        call(id, '2', block),
        call(id, '3', block),
        call(id, '1', block),
      ]);
      const full = { wasConfirmed: false, attempted: 2, confirmed: 0, allowance: 2 };
      expect(first).toEqual([
        { ok: true, metering: { handleNew: true, ...full } },
        { ok: true, metering: { handleNew: true, ...full } },
        { ok: false, allowance: 2 },
        { ok: true, metering: { handleNew: false, ...full } },
      ]);
      // A later batch: the period is full, a handle already in it still gets through.
      expect(await ledger.writeAhead([call(id, '4', block), call(id, '2', block), call(id, null, block)])).toEqual([
        { ok: false, allowance: 2 },
        { ok: true, metering: { handleNew: false, ...full } },
        { ok: true, metering: null },
      ]);
      expect(await counters(id)).toEqual({ attempted: 2, confirmed: 0, calls: 5 });
      expect((await handles(id)).map((h) => [h.user_id, h.calls])).toEqual([
        ['1', 2],
        ['2', 2],
      ]);
      expect(await loggedCalls(id)).toHaveLength(5);
    });
  });

  describe('the call log partitions', () => {
    it('records a call into a month whose partition was never made ahead: the month is made and the call written', async () => {
      const id = await contract(10);
      const far = { key: '2031-05', start: new Date('2031-05-01T00:00:00Z'), end: new Date('2031-06-01T00:00:00Z') };
      const partition = () =>
        m.sql<{ name: string | null }>(`SELECT to_regclass('calls_2031_05')::text AS name`).then((r) => r[0].name);
      expect(await partition()).toBeNull();
      const c = call(id, '1', { at: new Date('2031-05-10T12:00:00Z'), period: far });
      expect(await ledger.writeAhead([c, call(id, '2', { at: c.at, period: far })])).toEqual([
        { ok: true, metering: expect.objectContaining({ handleNew: true, attempted: 2 }) },
        { ok: true, metering: expect.objectContaining({ handleNew: true, attempted: 2 }) },
      ]);
      expect(await partition()).toBe('calls_2031_05');
      expect(await loggedCalls(id)).toHaveLength(2);
      expect(await counters(id)).toEqual({ attempted: 2, confirmed: 0, calls: 2 });
    });
  });

  describe('handles active per local day (the projection reads them, never the call log)', () => {
    it("counts each handle once on each day of the contract's zone it is called, whatever the order the calls are written in", async () => {
      // Tokyo (UTC+9): a period from 2026-11-01 00:00 local, which is 2026-10-31 15:00 UTC.
      const [k] = await m.sql<{ id: string }>(
        `INSERT INTO contracts (name, handle_allowance, overage_price_minor, currency, timezone, billing_day)
         VALUES ('tokyo', 10, 100, 'USD', 'Asia/Tokyo', 1) RETURNING id`,
      );
      const tokyo = {
        key: '2026-11',
        start: new Date('2026-10-31T15:00:00Z'),
        end: new Date('2026-11-30T15:00:00Z'),
      };
      await ledger.ensureCallPartitions([tokyo.start]);
      const at = (iso: string, userId: string) => call(k.id, userId, { at: new Date(iso), period: tokyo });
      // One UTC day, two local days: 14:00 UTC is 23:00 on the 10th in Tokyo, 15:30 UTC 00:30 on the 11th.
      await ledger.writeAhead([at('2026-11-10T14:00:00Z', '1'), at('2026-11-10T14:30:00Z', '2')]);
      await ledger.writeAhead([at('2026-11-10T16:00:00Z', '1'), at('2026-11-10T16:05:00Z', '1')]);
      // Late writes of earlier calls on days the handles already have: nothing more.
      await ledger.writeAhead([at('2026-11-10T15:30:00Z', '1'), at('2026-11-10T10:00:00Z', '1')]);
      await ledger.writeAhead([at('2026-11-10T03:00:00Z', '2')]);

      const perDay = await m.sql<{ day: string; n: number }>(
        `SELECT to_char(slot AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD') AS day, sum(active)::int AS n
           FROM period_activity WHERE contract_id = $1 GROUP BY 1 HAVING sum(active) > 0 ORDER BY 1`,
        [k.id],
      );
      expect(perDay).toEqual([
        { day: '2026-11-10', n: 2 },
        { day: '2026-11-11', n: 1 },
      ]);
      const days = await m.sql<{ user_id: string; days: string }>(
        `SELECT user_id::text, days::text FROM period_handles WHERE contract_id = $1 ORDER BY 1`,
        [k.id],
      );
      // Local day 9 (the 10th) and day 10 (the 11th) of the period.
      expect(days).toEqual([
        { user_id: '1', days: String(2 ** 9 + 2 ** 10) },
        { user_id: '2', days: String(2 ** 9) },
      ]);
    });
  });

  describe('outcomes', () => {
    it('confirms a handle on its first 2xx, once', async () => {
      const id = await contract(10);
      const [a, b] = [call(id, '1'), call(id, '1')];
      await ledger.writeAhead([a, b]);
      await ledger.writeOutcomes([outcome(a, {})]);
      await ledger.writeOutcomes([outcome(b, {})]);
      expect(await counters(id)).toEqual({ attempted: 1, confirmed: 1, calls: 2 });
      expect(await loggedCalls(id)).toEqual(
        expect.arrayContaining([
          { id: a.id, outcome: 'answered' },
          { id: b.id, outcome: 'answered' },
        ]),
      );
    });

    it('uncounts calls that never reached X: a handle left with none leaves the period, a retried batch uncounts nothing twice', async () => {
      const id = await contract(10);
      const [a1, a2, b] = [call(id, '1'), call(id, '1'), call(id, '2')];
      await ledger.writeAhead([a1, a2, b]);
      const unreachable = [
        outcome(a1, { outcome: 'unreachable', status: null }),
        outcome(b, { outcome: 'unreachable', status: null }),
      ];
      await ledger.writeOutcomes(unreachable);
      await ledger.writeOutcomes(unreachable);
      expect(await handles(id)).toEqual([{ user_id: '1', calls: 1, confirmed: false }]);
      // The calls stay in the log with their outcome; the handle count drops, the call count does not (they were made).
      expect(await counters(id)).toEqual({ attempted: 1, confirmed: 0, calls: 3 });
      expect((await loggedCalls(id)).filter((c) => c.outcome === 'unreachable')).toHaveLength(2);
    });

    it('keeps a confirmed handle whose later call never reached X', async () => {
      const id = await contract(10);
      const [a, b] = [call(id, '1'), call(id, '1')];
      await ledger.writeAhead([a, b]);
      await ledger.writeOutcomes([outcome(a, {})]);
      await ledger.writeOutcomes([outcome(b, { outcome: 'unreachable', status: null })]);
      expect(await handles(id)).toEqual([{ user_id: '1', calls: 1, confirmed: true }]);
      expect(await counters(id)).toEqual({ attempted: 1, confirmed: 1, calls: 2 });
    });
  });

  describe('imports', () => {
    /** `n` calls of an onboarding import, over `handles` handles; every third one answered 4xx. */
    function imported(contractId: string, n: number, handles: number): ImportedCall[] {
      return Array.from({ length: n }, (_, i) => ({
        ...call(contractId, String(100 + (i % handles)), { tweetCount: 0 }),
        at: new Date(Date.UTC(2026, 10, 10, 12, 0, i)),
        externalId: `log-${i}`,
        status: i % 3 === 2 ? 404 : 200,
      }));
    }
    /** The same calls in another request: new ids, the same external ids. */
    const again = (calls: ImportedCall[]): ImportedCall[] => calls.map((c) => ({ ...c, id: randomUUID() }));

    it('counts calls of several slices once each, and changes nothing when posted again', async () => {
      const id = await contract(100);
      // 3 handles: 100 and 101 have 2xx calls, 102 only 404s (every third call), so it is attempted, not confirmed.
      const calls = imported(id, 3 * IMPORT_SLICE + 7, 3);
      expect(await ledger.importCalls(id, calls)).toBe(calls.length);
      const after = { attempted: 3, confirmed: 2, calls: calls.length };
      expect(await counters(id)).toEqual(after);
      expect((await handles(id)).map((h) => [h.user_id, h.confirmed])).toEqual([
        ['100', true],
        ['101', true],
        ['102', false],
      ]);
      expect(await ledger.importCalls(id, again(calls))).toBe(0);
      expect(await counters(id)).toEqual(after);
      expect(await loggedCalls(id)).toHaveLength(calls.length);
    });

    it('takes two imports of the same calls at once in turns: neither fails, each call is counted once', async () => {
      const id = await contract(100);
      const calls = imported(id, 4 * IMPORT_SLICE, 7);
      // The second in the opposite order, so that their slices overlap differently all the way.
      const added = await Promise.all([ledger.importCalls(id, calls), ledger.importCalls(id, again(calls).reverse())]);
      expect(added[0] + added[1]).toBe(calls.length);
      expect(await counters(id)).toMatchObject({ attempted: 7, calls: calls.length });
      expect(await loggedCalls(id)).toHaveLength(calls.length);
    });

    it("holds no counter lock while it waits for its turn: the gateway's write-ahead in the period goes through", async () => {
      const id = await contract(100);
      // Another import's slice of this contract, in progress.
      const other = new Client({ connectionString: m.databaseUrl });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [DatabaseLock.UsageImport, id]);
        const calls = imported(id, 2 * IMPORT_SLICE, 5);
        const pending = ledger.importCalls(id, calls);
        while ((await m.sql('SELECT 1 FROM pg_locks WHERE locktype = $1 AND NOT granted', ['advisory'])).length === 0)
          await new Promise((r) => setTimeout(r, 10));
        const gateway = ledger.writeAhead([call(id, '77')]);
        const waited = await Promise.race([
          gateway.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), 5000)),
        ]);
        await other.query('COMMIT');
        expect(waited).toBe(false);
        expect(await pending).toBe(calls.length);
        await gateway;
        expect(await counters(id)).toEqual({ attempted: 6, confirmed: 5, calls: calls.length + 1 });
      } finally {
        await other.end();
      }
    });
  });

  describe('take-back', () => {
    it('removes committed write-aheads with their counts, as if never written', async () => {
      const id = await contract(10);
      const [a1, a2, b, app] = [call(id, '1'), call(id, '1'), call(id, '2'), call(id, null)];
      await ledger.writeAhead([a1, a2, b, app]);
      expect(await ledger.forget([a1, b, app], [])).toBe(3);
      expect(await loggedCalls(id)).toEqual([{ id: a2.id, outcome: 'sent' }]);
      expect(await handles(id)).toEqual([{ user_id: '1', calls: 1, confirmed: false }]);
      expect(await counters(id)).toEqual({ attempted: 1, confirmed: 0, calls: 1 });
    });

    it('finds nothing to take back for a write-ahead that never committed, and never takes back an answered call', async () => {
      const id = await contract(10);
      const answered = call(id, '1');
      await ledger.writeAhead([answered]);
      await ledger.writeOutcomes([outcome(answered, {})]);
      expect(await ledger.forget([call(id, '2'), answered], [])).toBe(0);
      expect(await counters(id)).toEqual({ attempted: 1, confirmed: 1, calls: 1 });
      expect(await handles(id)).toEqual([{ user_id: '1', calls: 1, confirmed: true }]);
    });

    it('ends the server process of a failed write-ahead before looking for its record', async () => {
      const id = await contract(10);
      const c = call(id, '1');
      await ledger.writeAhead([c]);
      // A session standing in for the broken write-ahead's connection: forget waits until it is gone.
      const stuck = new Client({ connectionString: m.databaseUrl });
      stuck.on('error', () => undefined);
      await stuck.connect();
      const [{ pid }] = (await stuck.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      expect(await ledger.forget([c], [pid])).toBe(1);
      const alive = await m.sql<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid]);
      expect(alive[0].n).toBe(0);
      await stuck.end().catch(() => undefined);
      expect(await counters(id)).toEqual({ attempted: 0, confirmed: 0, calls: 0 });
    });
  });
});
