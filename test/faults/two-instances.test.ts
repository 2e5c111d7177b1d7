import * as crypto from 'node:crypto';
import { XSimulator } from '../../src/dev/x-simulator';
import { createTestDatabase, withClient } from '../support/database';
import { seed } from '../support/fixtures';
import { duplicates, ledgerProblems, readLedger } from '../support/ledger-audit';
import { ServiceProcess } from '../support/service-process';
import { drive, planCalls, receivedKeys, seededRandom, until } from '../support/traffic';

/**
 * Two service processes on one database (as behind a load balancer): the count is exact when
 * both take the first calls of the same new handles at once, and a close run on both at once
 * writes one statement per period.
 */
describe('faults: two instances on one database', () => {
  let sim: XSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let a: ServiceProcess;
  let b: ServiceProcess;
  const admin = { 'X-API-Key': '' };

  beforeAll(async () => {
    [sim, db] = await Promise.all([XSimulator.start(), createTestDatabase()]);
    const shared = { databaseUrl: db.url, engagementApiBaseUrl: sim.url, credentialsKey: crypto.randomBytes(32) };
    // Started together: both run the migrations at once on the empty database (an advisory lock serialises them).
    [a, b] = await Promise.all([ServiceProcess.start(shared), ServiceProcess.start(shared)]);
    admin['X-API-Key'] = a.adminKey;
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await sim?.stop();
    await db?.drop();
  });

  it('counts the same new handles exactly once when both instances take their first calls at once', async () => {
    const random = seededRandom(Number(process.env.FAULT_SEED ?? 11));
    const s = await seed({ http: () => a.http(), sim }, { handles: 20 });
    const plan = planCalls(s.handles, 12, 1, random);
    // Every handle's calls are split between the instances, all of them first calls of the period.
    const [viaA, viaB] = [plan.filter((c) => c.tweets % 2 === 0), plan.filter((c) => c.tweets % 2 === 1)];
    const answers = (
      await Promise.all([
        drive({ url: a.url, clientKey: s.clientKey, calls: viaA, concurrency: 12 }),
        drive({ url: b.url, clientKey: s.clientKey, calls: viaB, concurrency: 12 }),
      ])
    ).flat();
    expect(answers.filter((x) => x.status !== 200)).toEqual([]);

    await until(
      async () => (await readLedger(db.url, s.contractId)).calls.every((c) => c.outcome === 'answered'),
      30_000,
      'every outcome to be written',
    );
    const ledger = await readLedger(db.url, s.contractId);
    expect(duplicates(ledger.calls.map((c) => c.key))).toEqual([]);
    expect(ledger.calls).toHaveLength(plan.length);
    expect(receivedKeys(sim, s.consumerKey).sort()).toEqual(plan.map((c) => c.key).sort());
    expect(ledgerProblems(ledger)).toEqual([]);
    for (const svc of [a, b]) {
      const usage = await svc.http().get(`/contracts/${s.contractId}/usage`).set(admin).expect(200);
      expect(usage.body).toMatchObject({
        uniqueHandles: 20,
        attemptedHandles: 20,
        confirmedHandles: 20,
        calls: plan.length,
      });
    }
  });

  it('under enforcement block, admits exactly the allowance of new handles across both instances', async () => {
    const s = await seed(
      { http: () => a.http(), sim },
      { handles: 16, contract: { enforcement: 'block', handleAllowance: 5 } },
    );
    const plan = planCalls(s.handles, 4, 1, seededRandom(3));
    const answers = (
      await Promise.all([
        drive({ url: a.url, clientKey: s.clientKey, calls: plan.filter((c) => c.tweets <= 2), concurrency: 12 }),
        drive({ url: b.url, clientKey: s.clientKey, calls: plan.filter((c) => c.tweets > 2), concurrency: 12 }),
      ])
    ).flat();
    const admitted = new Set(answers.filter((x) => x.status === 200).map((x) => x.call.userId));
    const refused = answers.filter((x) => x.status === 403);
    expect(answers.filter((x) => x.status !== 200 && x.status !== 403)).toEqual([]);
    expect(admitted.size).toBe(5);
    // A refusal only ever hits a handle that was not admitted: an admitted handle goes on.
    for (const r of refused) {
      expect(r.body).toMatchObject({ statusCode: 403, code: 'HANDLE_ALLOWANCE_EXHAUSTED' });
      expect(admitted.has(r.call.userId)).toBe(false);
    }
    await until(
      async () => (await readLedger(db.url, s.contractId)).calls.every((c) => c.outcome === 'answered'),
      30_000,
      'every outcome to be written',
    );
    const ledger = await readLedger(db.url, s.contractId);
    expect(ledgerProblems(ledger)).toEqual([]);
    expect(new Set(ledger.calls.map((c) => c.userId))).toEqual(admitted);
    const usage = await b.http().get(`/contracts/${s.contractId}/usage`).set(admin).expect(200);
    expect(usage.body).toMatchObject({ uniqueHandles: 5, remaining: 0, overageHandles: 0 });
  });

  it('writes one statement per ended period when both instances run the close at once', async () => {
    const s = await seed(
      { http: () => a.http(), sim },
      { handles: 1, contract: { handleAllowance: 3, overagePrice: { amount: '10.25', currency: 'USD' } } },
    );
    // Six past months of imported calls: month i has 2 + i distinct handles, one of them refused by X (attempted, not confirmed).
    const months = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
    const calls = months.flatMap((m, i) =>
      Array.from({ length: 2 + i }, (_, u) => [
        {
          id: `${m}-${u}-a`,
          at: `${m}-10T12:00:00Z`,
          userId: String(5000 + u),
          endpoint: 'totals',
          status: u === 0 ? 403 : 200,
        },
        {
          id: `${m}-${u}-b`,
          at: `${m}-11T12:00:00Z`,
          userId: String(5000 + u),
          endpoint: '28hr',
          status: u === 0 ? 403 : 200,
        },
      ]).flat(),
    );
    await a
      .http()
      .post(`/contracts/${s.contractId}/usage/import`)
      .set(admin)
      .send({ calls })
      .expect(200, { imported: calls.length, duplicates: 0 });

    // Both warm (keys cached, code paths compiled), so neither has finished before the other starts.
    await Promise.all([a, b].map((svc) => svc.http().get(`/contracts/${s.contractId}/periods`).set(admin).expect(200)));
    const [fromA, fromB] = await Promise.all(
      [a, b].map((svc) => svc.http().post('/jobs/close-periods').set(admin).expect(200)),
    );
    const mine = [...fromA.body.closed, ...fromB.body.closed]
      .filter((c: { contractId: string }) => c.contractId === s.contractId)
      .map((c: { period: string }) => c.period);
    // Every period from the first import up to the last one that has ended, each closed by exactly one of them.
    const ended: string[] = [];
    for (let m = 0; Date.UTC(2026, m + 1, 1) + 60_000 <= Date.now(); m++)
      ended.push(new Date(Date.UTC(2026, m, 1)).toISOString().slice(0, 7));
    expect(mine.sort()).toEqual(ended);
    const rows = await withClient(db.url, (c) =>
      c.query('SELECT period_key, count(*)::int AS n FROM statements WHERE contract_id = $1 GROUP BY 1 ORDER BY 1', [
        s.contractId,
      ]),
    );
    expect(rows.rows).toEqual(ended.map((k) => ({ period_key: k, n: 1 })));

    const overageCosts = ['0.00', '0.00', '10.25', '20.50', '30.75', '41.00'];
    for (const [i, m] of months.entries()) {
      const handles = 2 + i;
      const st = await b.http().get(`/contracts/${s.contractId}/statements/${m}`).set(admin).expect(200);
      expect(st.body).toMatchObject({
        uniqueHandles: handles,
        attemptedHandles: handles,
        confirmedHandles: handles - 1,
        calls: 2 * handles,
        allowance: 3,
        overageHandles: Math.max(0, handles - 3),
        overageCost: { amount: overageCosts[i], currency: 'USD' },
        restatement: null,
      });
      const roster = await a.http().get(`/contracts/${s.contractId}/periods/${m}/handles`).set(admin).expect(200);
      expect(roster.body).toHaveLength(handles);
    }
    // A second close on both changes nothing.
    const again = await Promise.all([a, b].map((svc) => svc.http().post('/jobs/close-periods').set(admin).expect(200)));
    expect(
      again.flatMap((r) => r.body.closed).filter((c: { contractId: string }) => c.contractId === s.contractId),
    ).toEqual([]);
  });
});
