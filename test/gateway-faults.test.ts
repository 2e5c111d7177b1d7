import * as net from 'node:net';
import { XSimulator } from '../src/dev/x-simulator';
import { createTestDatabase, withClient } from './support/database';
import { seed, totalsBody } from './support/fixtures';
import { duplicates, ledgerProblems, readLedger } from './support/ledger-audit';
import { TcpProxy } from './support/tcp-proxy';
import { CallAnswer, drive, planCalls, receivedKeys, seededRandom } from './support/traffic';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

const calls = (t: TestApp, contractId: string) =>
  withClient(t.databaseUrl, (c) => c.query('SELECT outcome, status, user_id::text FROM calls WHERE contract_id = $1', [contractId])).then((r) => r.rows);

describe('gateway faults', () => {
  describe('database unreachable', () => {
    let t: TestApp;
    let proxy: TcpProxy;
    let directUrl: string;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const db = await createTestDatabase();
      directUrl = db.url;
      drop = db.drop;
      const u = new URL(db.url);
      proxy = await TcpProxy.start(u.hostname, Number(u.port));
      t = await startTestApp({ databaseUrl: proxy.urlFor(db.url) });
    });
    afterAll(async () => {
      await t.close();
      await proxy.stop();
      await drop();
    });

    it('refuses the call with 503 LEDGER_UNAVAILABLE and sends nothing to X; health says 503; both recover', async () => {
      const s = await seed(t);
      const send = () => t.http().post('/insights/engagement/totals').set('X-API-Key', s.clientKey).set('X-Handle', s.handles[0].userId).send(totalsBody());
      // Warm: key and credentials are cached, so the refusal below comes from the ledger's write itself.
      expect((await send()).status).toBe(200);
      await t.settle();
      t.sim.reset();
      proxy.cut();
      const res = await t.http().post('/insights/engagement/totals').set('X-API-Key', s.clientKey).set('X-Handle', s.handles[0].userId).send(totalsBody());
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503, code: 'LEDGER_UNAVAILABLE' });
      expect(t.sim.received).toHaveLength(0);
      await t.http().get('/health').expect(503);

      proxy.restore();
      await t.http().get('/health').expect(200);
      const ok = await t.http().post('/insights/engagement/totals').set('X-API-Key', s.clientKey).set('X-Handle', s.handles[0].userId).send(totalsBody());
      expect(ok.status).toBe(200);
      await t.settle();
      // Only the call that went out is in the ledger.
      const rows = await withClient(directUrl, (c) => c.query('SELECT count(*)::int AS n FROM calls'));
      expect(rows.rows[0].n).toBe(2);
      expect(t.sim.received).toHaveLength(1);
    });

    it('cut mid-traffic: every answer is X\'s or 503 LEDGER_UNAVAILABLE, nothing X received is missing from the ledger, calls succeed once it returns', async () => {
      const s = await seed(t, { handles: 12 });
      t.sim.reset();
      const plan = planCalls(s.handles, 40, 1, seededRandom(Number(process.env.FAULT_SEED ?? 5)));
      // before → cut (once X has some calls) → restored (after 30 answers without a database) → done (after 30 successes).
      let phase: 'before' | 'cut' | 'restored' | 'done' = 'before';
      let sincePhase = 0;
      const onAnswer = (a: CallAnswer) => {
        sincePhase++;
        if (phase === 'before' && t.sim.received.length >= 40) [phase, sincePhase] = ['cut', 0], proxy.cut();
        else if (phase === 'cut' && sincePhase >= 30) [phase, sincePhase] = ['restored', 0], proxy.restore();
        else if (phase === 'restored' && a.status === 200 && sincePhase >= 30) phase = 'done';
      };
      // The client waits longer than the pool's connect (5 s) and query (15 s) timeouts together: an answer later than that is a hang.
      const answers = await drive({ url: t.url, clientKey: s.clientKey, calls: plan, concurrency: 8, timeoutMs: 25_000, onAnswer, stop: () => phase === 'done' });
      proxy.restore();
      expect(phase).toBe('done');
      expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
      const refused = answers.filter((a) => a.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect(r.body).toEqual({ statusCode: 503, code: 'LEDGER_UNAVAILABLE', message: expect.any(String), details: {} });
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
      const res = await t.http().post('/insights/engagement/totals').set('X-API-Key', s.clientKey).set('X-Handle', s.handles[0].userId).send(totalsBody());
      expect(res.status).toBe(504);
      expect(res.body).toMatchObject({ statusCode: 504, code: 'UPSTREAM_TIMEOUT' });
      await t.settle();
      expect(await calls(t, s.contractId)).toEqual([{ outcome: 'timeout', status: null, user_id: s.handles[0].userId }]);
      const u = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
      expect(u.body).toMatchObject({ uniqueHandles: 1, confirmedHandles: 0 });
    });

    it('answers 502 UPSTREAM_FAILED when X drops the connection, and counts the call', async () => {
      const s = await seed(t);
      t.sim.behaviour = { mode: 'destroy', delayMs: 0 };
      const res = await t.http().post('/insights/engagement/totals').set('X-API-Key', s.clientKey).set('X-Handle', s.handles[0].userId).send(totalsBody());
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('UPSTREAM_FAILED');
      await t.settle();
      const u = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
      expect(u.body.uniqueHandles).toBe(1);
    });
  });

  describe('X unreachable', () => {
    let t: TestApp;
    let sim: XSimulator;
    beforeAll(async () => {
      sim = await XSimulator.start();
      // A port nobody listens on: the connection is refused before anything is sent.
      const closed = await new Promise<number>((r) => {
        const srv = net.createServer().listen(0, '127.0.0.1', () => {
          const { port } = srv.address() as net.AddressInfo;
          srv.close(() => r(port));
        });
      });
      t = await startTestApp({ sim, config: { engagementApiBaseUrl: `http://127.0.0.1:${closed}` } });
    });
    afterAll(async () => {
      await t.close();
      await sim.stop();
    });

    it('answers 502 UPSTREAM_UNREACHABLE, logs the call as unreachable and does not count the handle', async () => {
      const s = await seed(t, { contract: { enforcement: 'block', handleAllowance: 1 } });
      const res = await t.http().post('/insights/engagement/totals').set('X-API-Key', s.clientKey).set('X-Handle', s.handles[0].userId).send(totalsBody());
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ statusCode: 502, code: 'UPSTREAM_UNREACHABLE' });
      await t.settle();
      expect(await calls(t, s.contractId)).toEqual([{ outcome: 'unreachable', status: null, user_id: s.handles[0].userId }]);
      const u = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200);
      expect(u.body).toMatchObject({ uniqueHandles: 0, calls: 1 });
      const roster = await t.http().get(`/contracts/${s.contractId}/periods/${u.body.period.key}/handles`).set('X-API-Key', ADMIN_KEY).expect(200);
      expect(roster.body).toEqual([]);
    });
  });
});
