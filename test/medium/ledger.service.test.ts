import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../src/config/app-config';
import { LedgerRepository } from '../../src/ledger/ledger.repository';
import { LedgerService, OUTCOME_ATTEMPTS } from '../../src/ledger/ledger.service';
import { CallOutcome, PendingCall } from '../../src/ledger/ledger.types';
import { UnsettledConfirmations } from '../../src/ledger/unsettled-confirmations';
import { MetricsRepository } from '../../src/metrics/metrics.repository';
import { MetricsService } from '../../src/metrics/metrics.service';
import { Medium, startMedium } from '../support/medium';

/** The ledger's repository with a database that can be taken away: outcome writes fail while `down`. */
@Injectable()
class FlakyLedgerRepository extends LedgerRepository {
  down = false;
  /** Outcome writes refused while down. */
  outcomeWrites = 0;

  override async writeOutcomes(outcomes: CallOutcome[]): Promise<void> {
    if (this.down) {
      this.outcomeWrites++;
      throw new Error('connection terminated (the test took the database away)');
    }
    return super.writeOutcomes(outcomes);
  }
}

/**
 * "No confirmation lost" (docs/security.md), with the ledger's real SQL on PostgreSQL: under
 * countPolicy `confirmed` a handle's 2xx is the count X bills, so its outcome is not given up with
 * the others after five attempts; if the service stops first, the call is still "sent" and a sweep
 * confirms its handle; and a running instance sweeps for calls another instance left "sent".
 */
describe('Ledger outcomes that change a count', () => {
  let m: Medium;
  let ledger: LedgerService;
  let repo: FlakyLedgerRepository;

  beforeAll(async () => {
    m = await startMedium([
      LedgerService,
      { provide: LedgerRepository, useClass: FlakyLedgerRepository },
      MetricsService,
      MetricsRepository,
      UnsettledConfirmations,
      { provide: APP_CONFIG, useValue: { upstreamTimeoutMs: 30_000, schedulersEnabled: true } },
    ]);
    ledger = m.get(LedgerService);
    repo = m.get(LedgerRepository) as FlakyLedgerRepository;
  });
  afterAll(() => m.close());

  /** The UTC month holding `at`, as the contracts below (UTC, billing day 1) have it. */
  function periodOf(at: Date): PendingCall['period'] {
    const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
    const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
    return { key: start.toISOString().slice(0, 7), start, end };
  }

  async function contract(countPolicy: 'attempted' | 'confirmed'): Promise<string> {
    const [c] = await m.sql<{ id: string }>(
      `INSERT INTO contracts (name, handle_allowance, overage_price_minor, currency, timezone, billing_day, count_policy)
       VALUES ('medium', 10, 100, 'USD', 'UTC', 1, $1) RETURNING id`,
      [countPolicy],
    );
    return c.id;
  }

  async function call(contractId: string, userId: string, at = new Date()): Promise<PendingCall> {
    await repo.ensureCallPartitions([at]);
    const [{ count_policy }] = await m.sql<{ count_policy: string }>(
      'SELECT count_policy FROM contracts WHERE id = $1',
      [contractId],
    );
    return {
      id: randomUUID(),
      at,
      contractId,
      appId: null,
      period: periodOf(at),
      endpoint: 'totals',
      userId,
      screenName: `h${userId}`,
      tweetCount: 1,
      block: false,
      billsConfirmed: count_policy === 'confirmed',
    };
  }

  function answer(c: PendingCall, status: number): CallOutcome {
    return {
      call: c,
      outcome: 'answered',
      status,
      latencyMs: 5,
      rateLimit: { limit: null, remaining: null },
      answeredAt: new Date(),
    };
  }

  async function confirmed(contractId: string): Promise<number> {
    const [r] = await m.sql<{ n: number }>(
      'SELECT coalesce(sum(confirmed_handles), 0)::int AS n FROM period_counters WHERE contract_id = $1',
      [contractId],
    );
    return r.n;
  }

  async function outcomes(contractId: string): Promise<Record<string, string>> {
    const rows = await m.sql<{ user_id: string; outcome: string; status: number | null }>(
      'SELECT user_id::text, outcome, status FROM calls WHERE contract_id = $1',
      [contractId],
    );
    return Object.fromEntries(rows.map((r) => [r.user_id, `${r.outcome} ${r.status ?? '-'}`]));
  }

  it('keeps a 2xx that confirms a handle (and a 4xx that must not) past the five attempts, and writes them once the database is back', async () => {
    const id = await contract('confirmed');
    const other = await contract('attempted');
    const [ok, refused, plain] = [await call(id, '1'), await call(id, '2'), await call(other, '3')];
    for (const c of [ok, refused, plain]) await ledger.begin(c);

    repo.down = true;
    // The first 2xx of a handle under `confirmed` is written before its answer goes back: the
    // client waits for the five attempts, then gets X's answer though nothing was written.
    const waited = ledger.complete(answer(ok, 200));
    expect(waited).toBeInstanceOf(Promise);
    // Written behind their answers: nothing waits for them.
    expect(ledger.complete(answer(refused, 404))).toBeUndefined();
    expect(ledger.complete(answer(plain, 200))).toBeUndefined();
    await waited;
    expect(repo.outcomeWrites).toBe(OUTCOME_ATTEMPTS);
    expect(await confirmed(id)).toBe(0);

    repo.down = false;
    await ledger.flush();
    // The confirmation is counted and the 404 written (so no sweep takes it for an unknown answer);
    // the plain outcome under `attempted` was only detail, given up with its batch.
    expect(await confirmed(id)).toBe(1);
    expect(await outcomes(id)).toEqual({ '1': 'answered 200', '2': 'answered 404' });
    expect(await outcomes(other)).toEqual({ '3': 'sent -' });
  });

  it('a running instance confirms the handles of calls another instance left "sent" (crashed mid-call); calls that may still be in flight, or older than its window, are left to others', async () => {
    const id = await contract('confirmed');
    const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
    // Written ahead by the instance that crashed: no outcome ever came.
    const [settled, inFlight, old] = [
      await call(id, '10', minutesAgo(10)),
      await call(id, '11', minutesAgo(0)),
      await call(id, '12', minutesAgo(120)),
    ];
    for (const c of [settled, inFlight, old]) await repo.writeAhead([c]);

    await m.get(UnsettledConfirmations).periodic();
    const rows = await m.sql<{ user_id: string; confirmed: boolean }>(
      'SELECT user_id::text, confirmed_at IS NOT NULL AS confirmed FROM period_handles WHERE contract_id = $1 ORDER BY user_id',
      [id],
    );
    expect(Object.fromEntries(rows.map((r) => [r.user_id, r.confirmed]))).toEqual({
      '10': true,
      '11': false,
      '12': false,
    });

    // The start-up sweep looks back over every open period; a second sweep confirms nothing twice.
    await m.get(UnsettledConfirmations).sweep(35 * 86_400_000);
    const after = await m.sql<{ user_id: string }>(
      'SELECT user_id::text FROM period_handles WHERE contract_id = $1 AND confirmed_at IS NOT NULL ORDER BY 1',
      [id],
    );
    expect(after.map((r) => r.user_id)).toEqual(['10', '12']);
    expect(await m.get(UnsettledConfirmations).sweep(35 * 86_400_000)).toBe(0);
    expect(await confirmed(id)).toBe(2);
  });

  it('a service stopped while a confirmation is still retried leaves its call "sent" for the sweep', async () => {
    const id = await contract('confirmed');
    const c = await call(id, '20', new Date(Date.now() - 10 * 60_000));
    await ledger.begin(c);
    repo.down = true;
    const waited = ledger.complete(answer(c, 200));
    // Stopping cuts the backoff short: one last attempt, then the call is left to the sweep.
    await ledger.onApplicationShutdown();
    await waited;
    repo.down = false;
    expect(await outcomes(id)).toEqual({ '20': 'sent -' });
    expect(await m.get(UnsettledConfirmations).sweep(35 * 86_400_000)).toBe(1);
    expect(await confirmed(id)).toBe(1);
  });
});
