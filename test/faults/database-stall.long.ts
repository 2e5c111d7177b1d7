import { seed } from '../support/fixtures';
import { duplicates, ledgerProblems, readLedger } from '../support/ledger-audit';
import { TcpProxy } from '../support/tcp-proxy';
import { ADMIN_KEY, startTestAppBehindProxy, TestApp } from '../support/test-app';
import { CallAnswer, drive, planCalls, receivedKeys, seededRandom } from '../support/traffic';

/**
 * Long (npm run test:long): the database is not refused or reset but silent, as across a network
 * partition, so only the service's own timeouts (pool connect 5 s, query 15 s) end a wait. Every
 * call must still get an answer, 503 LEDGER_UNAVAILABLE, and none may reach X; once the database
 * is back, calls succeed and the ledger agrees with what X received.
 */
describe('faults (long): the database stalls mid-traffic', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let directUrl: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ t, proxy, directUrl, close } = await startTestAppBehindProxy());
  });
  afterAll(() => close());

  it("answers every call with X's answer or 503 within its timeouts, sends no refused one to X, and recovers", async () => {
    const s = await seed(t, { handles: 6 });
    const random = seededRandom(Number(process.env.FAULT_SEED ?? 13));
    const warm = await drive({
      url: t.url,
      clientKey: s.clientKey,
      calls: planCalls(s.handles, 1, 1, random),
      concurrency: 6,
    });
    expect(warm.filter((a) => a.status !== 200)).toEqual([]);
    await t.settle();

    // before → stalled (after 10 answers) → restored (after 12 answers without a database) → done (after 10 successes).
    let phase: 'before' | 'stalled' | 'restored' | 'done' = 'before';
    let since = 0;
    const onAnswer = (a: CallAnswer) => {
      since++;
      if (phase === 'before' && since >= 10) {
        [phase, since] = ['stalled', 0];
        proxy.stall();
      } else if (phase === 'stalled' && since >= 12) {
        [phase, since] = ['restored', 0];
        void proxy.restore();
      } else if (phase === 'restored' && a.status === 200 && since >= 10) phase = 'done';
    };
    // A generous bound, not a measurement: three times the pool's connect and query timeouts together.
    const answers = await drive({
      url: t.url,
      clientKey: s.clientKey,
      calls: planCalls(s.handles, 60, 2, random),
      concurrency: 6,
      timeoutMs: 60_000,
      onAnswer,
      stop: () => phase === 'done',
    });
    expect(phase).toBe('done');
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) expect(a.body).toMatchObject({ statusCode: 503, code: 'LEDGER_UNAVAILABLE' });
    await t.http().get('/health').expect(200);
    await t.settle();

    const ledger = await readLedger(directUrl, s.contractId);
    const atX = receivedKeys(t.sim, s.consumerKey);
    expect(duplicates(atX)).toEqual([]);
    expect(refused.filter((a) => atX.includes(a.call.key))).toEqual([]);
    expect(atX.filter((k) => !ledger.calls.some((c) => c.key === k))).toEqual([]);
    expect(ledgerProblems(ledger)).toEqual([]);
    const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
    expect(usage.body.uniqueHandles).toBe(s.handles.length);
    process.stdout.write(
      `[database stall] ${answers.length} calls, ${refused.length} refused 503, answered after ${refused.map((a) => a.ms).join(', ')} ms\n`,
    );
  });
});
