import { XSimulator } from '../src/dev/x-simulator';
import { withClient } from './support/database';
import { callTotals, seed } from './support/fixtures';
import { duplicates, ledgerProblems, readLedger } from './support/ledger-audit';
import { TcpProxy } from './support/tcp-proxy';
import { CallAnswer, drive, planCalls, receivedKeys, seededRandom } from './support/traffic';
import {
  ADMIN_KEY,
  startTestApp,
  startTestAppBehindProxy,
  startTestAppWithUnreachableX,
  TestApp,
} from './support/test-app';

const calls = (t: TestApp, contractId: string) =>
  withClient(t.databaseUrl, (c) =>
    c.query('SELECT outcome, status, user_id::text FROM calls WHERE contract_id = $1', [contractId]),
  ).then((r) => r.rows);

describe('gateway faults', () => {
  describe('database unreachable', () => {
    let t: TestApp;
    let proxy: TcpProxy;
    let directUrl: string;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ t, proxy, directUrl, close } = await startTestAppBehindProxy());
    });
    afterAll(() => close());

    it('refuses the call with 503 LEDGER_UNAVAILABLE and sends nothing to X; health says 503; both recover', async () => {
      const s = await seed(t);
      const send = () => callTotals(t, s);
      // Warm: key and credentials are cached, so the refusal below comes from the ledger's write itself.
      expect((await send()).status).toBe(200);
      await t.settle();
      t.sim.reset();
      proxy.cut();
      const res = await callTotals(t, s);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503, code: 'LEDGER_UNAVAILABLE' });
      expect(t.sim.received).toHaveLength(0);
      await t.http().get('/health').expect(503);

      await proxy.restore();
      await t.http().get('/health').expect(200);
      const ok = await callTotals(t, s);
      expect(ok.status).toBe(200);
      await t.settle();
      // Only the call that went out is in the ledger.
      const rows = await withClient(directUrl, (c) => c.query('SELECT count(*)::int AS n FROM calls'));
      expect(rows.rows[0].n).toBe(2);
      expect(t.sim.received).toHaveLength(1);
    });

    it('a write-ahead whose commit answer is lost is refused with 503 and taken back: not sent, not logged, not counted', async () => {
      const s = await seed(t, { handles: 2 });
      const send = (h: number) => callTotals(t, s, s.handles[h].userId);
      expect((await send(0)).status).toBe(200);
      // The second handle's credentials are looked up before the body is checked: a bad body caches them, and is no call.
      await t
        .http()
        .post('/insights/engagement/totals')
        .set('X-API-Key', s.clientKey)
        .set('X-Handle', s.handles[1].userId)
        .send({})
        .expect(400);
      await t.settle();
      // Past the alerts' debounced check of the first call, so the next answer lost is the write-ahead's.
      await new Promise((r) => setTimeout(r, 1_500));
      t.sim.reset();
      proxy.loseNextReply();
      const res = await send(1);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503, code: 'LEDGER_UNAVAILABLE' });
      expect(t.sim.received).toHaveLength(0);
      await t.settle();
      const ledger = await withClient(directUrl, async (c) => ({
        calls: (await c.query('SELECT user_id::text FROM calls WHERE contract_id = $1', [s.contractId])).rows.map(
          (r) => r.user_id,
        ),
        handles: (
          await c.query('SELECT user_id::text, calls FROM period_handles WHERE contract_id = $1', [s.contractId])
        ).rows,
        counters: (
          await c.query('SELECT attempted_handles, calls::int FROM period_counters WHERE contract_id = $1', [
            s.contractId,
          ])
        ).rows,
      }));
      expect(ledger).toEqual({
        calls: [s.handles[0].userId],
        handles: [{ user_id: s.handles[0].userId, calls: 1 }],
        counters: [{ attempted_handles: 1, calls: 1 }],
      });
    });

    it("cut mid-traffic: every answer is X's or 503 LEDGER_UNAVAILABLE, nothing X received is missing from the ledger, calls succeed once it returns", async () => {
      const s = await seed(t, { handles: 12 });
      t.sim.reset();
      const plan = planCalls(s.handles, 40, 1, seededRandom(Number(process.env.FAULT_SEED ?? 5)));
      // before → cut (once X has some calls) → restored (after 30 answers without a database) → done (after 30 successes).
      let phase: 'before' | 'cut' | 'restored' | 'done' = 'before';
      let sincePhase = 0;
      const onAnswer = (a: CallAnswer) => {
        sincePhase++;
        if (phase === 'before' && t.sim.received.length >= 40) {
          [phase, sincePhase] = ['cut', 0];
          proxy.cut();
        } else if (phase === 'cut' && sincePhase >= 30) {
          [phase, sincePhase] = ['restored', 0];
          void proxy.restore();
        } else if (phase === 'restored' && a.status === 200 && sincePhase >= 30) phase = 'done';
      };
      // The client waits longer than the pool's connect (5 s) and query (15 s) timeouts together: an answer later than that is a hang.
      const answers = await drive({
        url: t.url,
        clientKey: s.clientKey,
        calls: plan,
        concurrency: 8,
        timeoutMs: 25_000,
        onAnswer,
        stop: () => phase === 'done',
      });
      await proxy.restore();
      expect(phase).toBe('done');
      expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
      const refused = answers.filter((a) => a.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused)
        expect(r.body).toEqual({
          statusCode: 503,
          code: 'LEDGER_UNAVAILABLE',
          message: expect.any(String),
          details: {},
        });
      await t.http().get('/health').expect(200);
      await t.settle();

      const ledger = await readLedger(directUrl, s.contractId);
      const logged = ledger.calls.map((c) => c.key);
      const atX = receivedKeys(t.sim, s.consumerKey);
      expect(duplicates(atX)).toEqual([]);
      expect(duplicates(logged)).toEqual([]);
      expect(atX.filter((k) => !logged.includes(k))).toEqual([]);
      // A refused call never left for X.
      expect(refused.filter((r) => atX.includes(r.call.key))).toEqual([]);
      const sent = new Set(answers.map((a) => a.call.key));
      expect(logged.filter((k) => !sent.has(k))).toEqual([]);
      expect(ledgerProblems(ledger)).toEqual([]);
      process.stdout.write(
        `[database cut] ${answers.length} calls: ${answers.filter((a) => a.status === 200).length} answered by X, ${refused.length} refused 503; ` +
          `logged ${logged.length}, X received ${atX.length}, ${ledger.calls.filter((c) => c.outcome === 'sent').length} left "sent"\n`,
      );
    });
  });

  describe('upstream', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ config: { upstreamTimeoutMs: 300 } });
    });
    afterAll(() => t.close());
    beforeEach(() => t.sim.reset());

    it('answers 504 UPSTREAM_TIMEOUT when X hangs, and counts the call (it may have reached X)', async () => {
      const s = await seed(t);
      t.sim.behaviour = { mode: 'hang', delayMs: 0 };
      const res = await callTotals(t, s);
      expect(res.status).toBe(504);
      expect(res.body).toMatchObject({ statusCode: 504, code: 'UPSTREAM_TIMEOUT' });
      await t.settle();
      expect(await calls(t, s.contractId)).toEqual([
        { outcome: 'timeout', status: null, user_id: s.handles[0].userId },
      ]);
      const u = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
      expect(u.body).toMatchObject({ uniqueHandles: 1, confirmedHandles: 0 });
    });

    it('a call still at X when the service stops, whose client hung up, still gets its outcome written', async () => {
      const own = await startTestApp({ config: { upstreamTimeoutMs: 5_000 } });
      try {
        const s = await seed(own);
        own.sim.behaviour = { mode: 'normal', delayMs: 800 };
        // The client gives up once its call is at X: the HTTP server has no connection left to drain.
        // (A client that hangs up before its call has left is another story: not sent at all, see gateway-limits.)
        const req = callTotals(own, s);
        const gone = req.then(
          () => undefined,
          () => undefined,
        );
        for (let i = 0; i < 200 && own.sim.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        expect(own.sim.received).toHaveLength(1);
        req.abort();
        await gone;
        await own.stop();
        expect(await calls(own, s.contractId)).toEqual([
          { outcome: 'answered', status: 200, user_id: s.handles[0].userId },
        ]);
      } finally {
        await own.close();
      }
    });

    it('answers 502 UPSTREAM_FAILED when X drops the connection, and counts the call', async () => {
      const s = await seed(t);
      t.sim.behaviour = { mode: 'destroy', delayMs: 0 };
      const res = await callTotals(t, s);
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('UPSTREAM_FAILED');
      await t.settle();
      const u = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
      expect(u.body.uniqueHandles).toBe(1);
    });
  });

  describe('X unreachable', () => {
    let t: TestApp;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ t, close } = await startTestAppWithUnreachableX());
    });
    afterAll(() => close());

    it('answers 502 UPSTREAM_UNREACHABLE, logs the call as unreachable and does not count the handle', async () => {
      const s = await seed(t, { contract: { enforcement: 'block', handleAllowance: 1 } });
      const res = await callTotals(t, s);
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ statusCode: 502, code: 'UPSTREAM_UNREACHABLE' });
      await t.settle();
      expect(await calls(t, s.contractId)).toEqual([
        { outcome: 'unreachable', status: null, user_id: s.handles[0].userId },
      ]);
      const u = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
      expect(u.body).toMatchObject({ uniqueHandles: 0, calls: 1 });
      const roster = await t
        .http()
        .get(`/contracts/${s.contractId}/periods/${u.body.period.key}/handles`)
        .set('X-API-Key', ADMIN_KEY)
        .expect(200);
      expect(roster.body).toEqual([]);
    });
  });

  describe('X fails mid-traffic', () => {
    let t: TestApp;
    let proxy: TcpProxy;
    beforeAll(async () => {
      const sim = await XSimulator.start();
      // X behind a proxy, so that it can also stop listening (connections refused) and come back on the same port.
      proxy = await TcpProxy.start('127.0.0.1', Number(new URL(sim.url).port));
      t = await startTestApp({
        sim,
        config: { engagementApiBaseUrl: `http://127.0.0.1:${proxy.port}`, upstreamTimeoutMs: 300 },
      });
    });
    afterAll(async () => {
      await t.close();
      await t.sim.stop();
      await proxy.stop();
    });

    it('hangs, drops connections, then refuses them: each call is answered and recorded as what X could have seen', async () => {
      const s = await seed(t, { handles: 16 });
      const [main, refusedOnly] = [s.handles.slice(0, 12), s.handles.slice(12)];
      const random = seededRandom(Number(process.env.FAULT_SEED ?? 9));
      // normal → hang (504) → destroy (502 UPSTREAM_FAILED) → refuse (502 UPSTREAM_UNREACHABLE; meanwhile
      // four handles make all their calls) → normal again. Each phase lasts a number of answers, never a time.
      let phase: 'normal' | 'hang' | 'destroy' | 'refuse' | 'recovered' | 'done' = 'normal';
      let sincePhase = 0;
      let refusedOnlyAnswers: CallAnswer[] | null = null;
      const next = (p: typeof phase) => ([phase, sincePhase] = [p, 0]);
      const onAnswer = (a: CallAnswer) => {
        sincePhase++;
        if (phase === 'normal' && sincePhase >= 20) {
          next('hang');
          t.sim.behaviour = { mode: 'hang', delayMs: 0 };
        } else if (phase === 'hang' && sincePhase >= 16) {
          next('destroy');
          t.sim.behaviour = { mode: 'destroy', delayMs: 0 };
        } else if (phase === 'destroy' && sincePhase >= 20) {
          next('refuse');
          t.sim.behaviour = { mode: 'normal', delayMs: 0 };
          void proxy
            .refuse()
            .then(() =>
              drive({
                url: t.url,
                clientKey: s.clientKey,
                calls: planCalls(refusedOnly, 3, 1, random),
                concurrency: 4,
              }),
            )
            .then((r) => (refusedOnlyAnswers = r));
        } else if (phase === 'refuse' && refusedOnlyAnswers && sincePhase >= 20) {
          next('recovered');
          void proxy.restore();
        } else if (phase === 'recovered' && a.status === 200 && sincePhase >= 20) next('done');
      };
      const mainAnswers = await drive({
        url: t.url,
        clientKey: s.clientKey,
        calls: planCalls(main, 100, 1, random),
        concurrency: 8,
        onAnswer,
        stop: () => phase === 'done',
      });
      await proxy.restore();
      expect(phase).toBe('done');
      const answers = [...mainAnswers, ...refusedOnlyAnswers!];
      expect(refusedOnlyAnswers!.map((a) => a.body)).toEqual(
        refusedOnlyAnswers!.map(() => expect.objectContaining({ statusCode: 502, code: 'UPSTREAM_UNREACHABLE' })),
      );
      const codeOf = (a: CallAnswer) =>
        a.status === 200 ? 'OK' : ((a.body as { code?: string })?.code ?? `status ${a.status}`);
      expect(new Set(answers.map(codeOf))).toEqual(
        new Set(['OK', 'UPSTREAM_TIMEOUT', 'UPSTREAM_FAILED', 'UPSTREAM_UNREACHABLE']),
      );
      for (const a of answers.filter((x) => x.status !== 200)) {
        expect(a.body).toEqual({
          statusCode: a.status,
          code: expect.any(String),
          message: expect.any(String),
          details: {},
        });
      }
      await t.settle();

      const ledger = await readLedger(t.databaseUrl, s.contractId);
      const byKey = new Map(ledger.calls.map((c) => [c.key, c]));
      const atX = new Set(receivedKeys(t.sim, s.consumerKey));
      expect(ledger.calls).toHaveLength(answers.length);
      const expected: Record<string, string> = {
        OK: 'answered',
        UPSTREAM_TIMEOUT: 'timeout',
        UPSTREAM_FAILED: 'failed',
        UPSTREAM_UNREACHABLE: 'unreachable',
      };
      expect(answers.filter((a) => byKey.get(a.call.key)?.outcome !== expected[codeOf(a)])).toEqual([]);
      // What X never saw is recorded as never sent; everything X saw is in the ledger.
      expect(answers.filter((a) => codeOf(a) === 'UPSTREAM_UNREACHABLE' && atX.has(a.call.key))).toEqual([]);
      expect([...atX].filter((k) => !byKey.has(k))).toEqual([]);
      expect(ledgerProblems(ledger)).toEqual([]);
      // The count is of handles X could have seen: every call of the four refused-only handles was unreachable.
      const counted = new Set(answers.filter((a) => codeOf(a) !== 'UPSTREAM_UNREACHABLE').map((a) => a.call.userId));
      const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
      expect(usage.body).toMatchObject({ uniqueHandles: counted.size, calls: answers.length });
      for (const h of refusedOnly) expect(counted.has(h.userId)).toBe(false);
    });
  });
});
