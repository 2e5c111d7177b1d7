/**
 * Graceful shutdown (issue #7, "Prove it"): a deploy sends SIGTERM while calls are in flight.
 * The service stops taking connections at once, lets each call in flight get X's answer and
 * records its outcome, then exits 0; and it never hangs: past SHUTDOWN_TIMEOUT_MS it exits anyway.
 *
 * The service runs as a child process (`node dist/src/main.js`). X is the simulator behind a
 * gate that holds its answers until the test opens it, so "in flight" lasts exactly as long
 * as the test needs, without guessing at delays.
 */
import * as net from 'node:net';
import { XSimulator } from '../src/dev/x-simulator';
import { createTestDatabase, withClient } from './support/database';
import { seed, totalsBody } from './support/fixtures';
import { ServiceProcess } from './support/service-process';

/** A TCP hop in front of the simulator: requests pass at once, answers wait until open(). */
class AnswerGate {
  private opened = false;
  private readonly held: Array<() => void> = [];
  private constructor(
    private readonly server: net.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<AnswerGate> {
    const { hostname, port } = new URL(target);
    let gate!: AnswerGate;
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(port), hostname);
      for (const s of [client, upstream]) s.on('error', () => undefined);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      // Until open(), nothing reads X's answer: it waits in the socket.
      const pass = () => void upstream.pipe(client);
      if (gate.opened) pass();
      else gate.held.push(pass);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    gate = new AnswerGate(server, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    return gate;
  }

  open(): void {
    this.opened = true;
    for (const pass of this.held.splice(0)) pass();
  }

  close(): Promise<void> {
    this.open();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Resolves with the error code of a fresh TCP connection to `port` (or 'connected'). */
function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('graceful shutdown', () => {
  let sim: XSimulator;
  let db: { url: string; drop: () => Promise<void> };
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    sim = await XSimulator.start();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
    await sim.stop();
    await db.drop();
  });
  beforeEach(() => sim.reset());

  /** The service on the suite's database, with X behind a gate of its own (shut). */
  async function startService(env: Record<string, string>): Promise<{ svc: ServiceProcess; gate: AnswerGate }> {
    const gate = await AnswerGate.start(sim.url);
    cleanup.push(() => gate.close());
    const svc = await ServiceProcess.start({ databaseUrl: db.url, engagementApiBaseUrl: gate.url, env });
    cleanup.push(() => svc.close());
    return { svc, gate };
  }

  /** A user-context /totals call, as a client sends it. */
  function call(svc: ServiceProcess, clientKey: string, userId: string) {
    return fetch(`${svc.url}/insights/engagement/totals`, {
      method: 'POST',
      headers: { 'X-API-Key': clientKey, 'X-Handle': userId, 'Content-Type': 'application/json' },
      body: JSON.stringify(totalsBody()),
    }).then(async (r) => ({ status: r.status, text: await r.text() }));
  }

  const callRows = (contractId: string) =>
    withClient(db.url, (c) =>
      c.query('SELECT outcome, status, user_id::text AS user_id FROM calls WHERE contract_id = $1', [contractId]),
    ).then((r) => r.rows);

  it("on SIGTERM refuses new connections, gives the call in flight X's answer, records its outcome and exits 0", async () => {
    const { svc, gate } = await startService({ UPSTREAM_TIMEOUT_MS: '60000' });
    const s = await seed({ http: () => svc.http(), sim }, { handles: 1 });
    let answered = false;
    const inFlight = call(svc, s.clientKey, s.handles[0].userId).then((r) => {
      answered = true;
      return r;
    });
    await until('the call reaches X', () => sim.received.length === 1);

    const exited = svc.kill('SIGTERM');
    await until('new connections are refused', async () => (await connect(svc.port)) === 'ECONNREFUSED');
    expect(answered).toBe(false); // X's answer is still held: the call is in flight

    gate.open();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toHaveProperty('perTweetMetricsOwned'); // X's own body
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(await callRows(s.contractId)).toEqual([{ outcome: 'answered', status: 200, user_id: s.handles[0].userId }]);
    expect(svc.output.join('\n')).toMatch(/shut down cleanly/);
  });

  it('exits anyway after SHUTDOWN_TIMEOUT_MS when a call is still in flight, and says so', async () => {
    const { svc } = await startService({ UPSTREAM_TIMEOUT_MS: '600000', SHUTDOWN_TIMEOUT_MS: '1000' });
    const s = await seed({ http: () => svc.http(), sim }, { handles: 1 });
    const inFlight = call(svc, s.clientKey, s.handles[0].userId).then(
      (r) => `answered ${r.status}`,
      () => 'connection lost',
    );
    await until('the call reaches X', () => sim.received.length === 1);

    // X never answers (the gate stays shut) and the upstream timeout is 10 minutes: only the deadline ends this.
    expect(await svc.kill('SIGTERM')).toEqual({ code: 1, signal: null });
    expect(await inFlight).toBe('connection lost');
    expect(svc.output.join('\n')).toMatch(
      /shutdown did not finish within 1000 ms \(SHUTDOWN_TIMEOUT_MS\): exiting anyway/,
    );
    // Written ahead, never completed: the call stays on the bill as sent.
    expect(await callRows(s.contractId)).toEqual([{ outcome: 'sent', status: null, user_id: s.handles[0].userId }]);
  });
});
