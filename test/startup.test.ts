/**
 * One owner per DATA_DIR, and start-up errors a person can act on (docs/operations.md
 * "Starting"). The service runs as a child process (`node dist/src/main.js`) on the embedded
 * PostgreSQL, the way `npm start` and `npm run demo` run it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XSimulator } from '../src/dev/x-simulator';
import { createTestDatabase } from './support/database';
import { ServiceProcess } from './support/service-process';

jest.setTimeout(180_000);

describe('start-up', () => {
  let sim: XSimulator;
  let dataDir: string;
  const started: ServiceProcess[] = [];

  beforeAll(async () => {
    sim = await XSimulator.start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-owner-'));
    // PostgreSQL runs as the `postgres` user when we are root: it must be able to reach its directory.
    fs.chmodSync(dataDir, 0o755);
  });

  afterAll(async () => {
    for (const svc of started) await svc.close();
    await sim?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** The service on the embedded PostgreSQL under the shared DATA_DIR (an empty DATABASE_URL is unset). */
  async function spawnOnDataDir(): Promise<ServiceProcess> {
    const svc = await ServiceProcess.spawn({
      databaseUrl: '',
      engagementApiBaseUrl: sim.url,
      env: { DATA_DIR: dataDir },
    });
    started.push(svc);
    return svc;
  }

  const lockOwner = () =>
    (JSON.parse(fs.readFileSync(path.join(dataDir, 'handlemeter.pid'), 'utf8')) as { pid: number }).pid;
  const postmasterPid = () => fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0];
  const stackLines = (svc: ServiceProcess) => svc.output.filter((l) => /^\w+: +at /.test(l));

  it('a second process on a running one’s DATA_DIR exits non-zero naming its PID, and the first stays healthy', async () => {
    const first = await spawnOnDataDir();
    await first.waitForHealth(120_000);
    const contract = await first
      .http()
      .post('/contracts')
      .set('X-API-Key', first.adminKey)
      .send({ name: 'Owner Co', handleAllowance: 5, overagePrice: { amount: '1.00', currency: 'USD' } });
    expect(contract.status).toBe(201);
    const postgresBefore = postmasterPid();

    const second = await spawnOnDataDir();
    const exit = await second.exited;

    expect(exit.code).not.toBe(0);
    expect(second.output.join('\n')).toContain(`already running as PID ${first.pid}`);
    expect(stackLines(second)).toEqual([]);
    // Nothing of the first's was touched: its lock, its PostgreSQL, its answers.
    expect(lockOwner()).toBe(first.pid);
    expect(postmasterPid()).toBe(postgresBefore);
    await expect(first.http().get('/health')).resolves.toMatchObject({ status: 200 });
    const read = await first.http().get(`/contracts/${contract.body.id}`).set('X-API-Key', first.adminKey);
    expect(read.status).toBe(200);
    expect(read.body.name).toBe('Owner Co');

    // A crash (kill -9) leaves the lock file and an orphaned PostgreSQL: the next start takes both over.
    await first.kill('SIGKILL');
    expect(lockOwner()).toBe(first.pid);
    const third = await spawnOnDataDir();
    await third.waitForHealth(120_000);
    expect(lockOwner()).toBe(third.pid);
    const after = await third.http().get(`/contracts/${contract.body.id}`).set('X-API-Key', third.adminKey);
    expect(after.status).toBe(200);

    // A clean stop gives the directory up.
    expect((await third.stop()).code).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'handlemeter.pid'))).toBe(false);
  });

  it('a port already in use is one sentence naming it, not a stack trace', async () => {
    const db = await createTestDatabase();
    try {
      const holder = await ServiceProcess.start({ databaseUrl: db.url, engagementApiBaseUrl: sim.url });
      started.push(holder);
      const clash = await ServiceProcess.spawn({
        databaseUrl: db.url,
        engagementApiBaseUrl: sim.url,
        port: holder.port,
      });
      started.push(clash);
      const exit = await clash.exited;

      expect(exit.code).toBe(1);
      const fatal = clash.output.filter((l) => /port \d+ is already in use/.test(l));
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toContain(
        `port ${holder.port} is already in use by another program: stop it, or set PORT to a free port`,
      );
      expect(stackLines(clash)).toEqual([]);
      await expect(holder.http().get('/health')).resolves.toMatchObject({ status: 200 });
      await holder.stop();
    } finally {
      await db.drop();
    }
  });
});
