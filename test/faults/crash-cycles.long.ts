import { XSimulator } from '../../src/dev/x-simulator';
import { createTestDatabase, withClient } from '../support/database';
import { seed } from '../support/fixtures';
import { duplicates, ledgerProblems, readLedger } from '../support/ledger-audit';
import { ServiceProcess } from '../support/service-process';
import { CallAnswer, drive, planCalls, receivedKeys, seededRandom, until } from '../support/traffic';

/**
 * Long (npm run test:long): the crash test of crash-restart.test.ts, over and over. The service
 * is killed while its first start runs the migrations, then killed with SIGKILL mid-traffic in
 * several cycles (each at another point, each with handles new to the period and handles seen
 * before); after every restart nothing X received is missing and the counts agree with the log.
 */
const CYCLES = Number(process.env.FAULT_CYCLES ?? 6);

describe('faults (long): kill -9 again and again', () => {
  let sim: XSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let svc: ServiceProcess;

  beforeAll(async () => {
    [sim, db] = await Promise.all([XSimulator.start(), createTestDatabase()]);
    // Killed as soon as it has connected to its empty database, so most likely while the migrations run.
    svc = await ServiceProcess.spawn({ databaseUrl: db.url, engagementApiBaseUrl: sim.url });
    const connected = () =>
      withClient(db.url, (c) =>
        c.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'handlemeter'`,
        ),
      ).then((r) => r.rowCount! > 0);
    await until(connected, 60_000, 'the service to connect to its database');
    await svc.kill('SIGKILL');
    await svc.restart();
  });
  afterAll(async () => {
    await svc?.close();
    await sim?.stop();
    await db?.drop();
  });

  it('comes up after a kill during its first start, and loses no call over many kill -9 cycles', async () => {
    const random = seededRandom(Number(process.env.FAULT_SEED ?? 17));
    const s = await seed({ http: () => svc.http(), sim }, { handles: 6 * CYCLES });
    const sent = new Set<string>();
    const statuses: Record<string, number> = {};
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Six more handles each cycle: each cycle's traffic mixes first calls and returning handles.
      const handles = s.handles.slice(0, 6 * (cycle + 1));
      const plan = planCalls(handles, 8, 1 + 8 * cycle, random);
      // Somewhere in the first two thirds of the cycle's calls, and X slow to a varying degree.
      const killAfter = sim.received.length + 10 + Math.floor(random() * (plan.length * 0.6));
      sim.behaviour = { mode: 'normal', delayMs: Math.floor(random() * 60) };
      let killed = false;
      const traffic = drive({ url: svc.url, clientKey: s.clientKey, calls: plan, concurrency: 16, stop: () => killed });
      await until(() => sim.received.length >= killAfter, 60_000, `X to receive ${killAfter} calls`);
      killed = true;
      await svc.kill('SIGKILL');
      const answers: CallAnswer[] = await traffic;
      for (const a of answers) {
        sent.add(a.call.key);
        const k = a.status ? String(a.status) : (a.error ?? '?');
        statuses[k] = (statuses[k] ?? 0) + 1;
      }
      expect(answers.filter((a) => a.status !== 0 && a.status !== 200)).toEqual([]);
      await svc.restart();
      process.stdout.write(
        `[crash cycles] cycle ${cycle + 1}: killed after X received ${killAfter}; ${answers.length} answers\n`,
      );

      const ledger = await readLedger(db.url, s.contractId);
      const logged = new Set(ledger.calls.map((c) => c.key));
      const atX = receivedKeys(sim, s.consumerKey);
      expect(duplicates(atX)).toEqual([]);
      expect(duplicates(ledger.calls.map((c) => c.key))).toEqual([]);
      expect(atX.filter((k) => !logged.has(k))).toEqual([]);
      expect([...logged].filter((k) => !sent.has(k))).toEqual([]);
      expect(ledgerProblems(ledger)).toEqual([]);
    }
    const final = await readLedger(db.url, s.contractId);
    const usage = await svc.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', svc.adminKey).expect(200);
    expect(usage.body).toMatchObject({
      uniqueHandles: new Set(final.calls.map((c) => c.userId)).size,
      calls: final.calls.length,
    });
    process.stdout.write(
      `[crash cycles] ${CYCLES} kills; answers ${JSON.stringify(statuses)}; logged ${final.calls.length}, X received ${receivedKeys(sim, s.consumerKey).length}, ` +
        `${final.calls.filter((c) => c.outcome === 'sent').length} left "sent"\n`,
    );
  }, 600_000);
});
