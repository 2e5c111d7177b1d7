import Fastify, { FastifyInstance } from 'fastify';
import { AddressInfo } from 'node:net';
import { request } from 'undici';
import { installDashboardPageTurns, MAX_WAITING, PAGES_AT_ONCE } from './page-turns';

describe('dashboard page turns', () => {
  let app: FastifyInstance;
  let base: string;
  const entered: string[] = [];
  let release: (() => void)[] = [];
  const held = () =>
    new Promise<void>((resolve) => {
      release.push(resolve);
    });

  beforeAll(async () => {
    // Close ends every socket: a keep-alive connection the server still counts as busy (seen once
    // in a full run, after the 500-page queue) otherwise held afterAll past its timeout.
    app = Fastify({ forceCloseConnections: true });
    installDashboardPageTurns(app);
    app.get('/dashboard/contracts/:id', async (req) => {
      const id = (req.params as { id: string }).id;
      entered.push(id);
      // A page whose figures are kept: rendered at once, without a pause.
      if (id.startsWith('kept')) return 'page';
      await held();
      return 'page';
    });
    app.get('/dashboard/contracts/:id/handles.csv', async () => 'csv');
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(ok()).toBe(true);
  };
  /** `n` readers opening pages `<prefix>0`, `<prefix>1`, …: each page's body. */
  const open = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      request(`${base}/dashboard/contracts/${prefix}${i}`).then((r) => r.body.text()),
    );

  it('serves PAGES_AT_ONCE pages at a time, the others in arrival order; downloads take no turn', async () => {
    const pages = open('p', PAGES_AT_ONCE + 3);
    await until(() => entered.length === PAGES_AT_ONCE);
    await new Promise((r) => setTimeout(r, 50));
    expect(entered).toHaveLength(PAGES_AT_ONCE);
    expect(await (await request(`${base}/dashboard/contracts/x/handles.csv`)).body.text()).toBe('csv');

    release.shift()!();
    await until(() => entered.length === PAGES_AT_ONCE + 1);
    expect(entered[PAGES_AT_ONCE]).toBe(`p${PAGES_AT_ONCE}`);
    while (entered.length < PAGES_AT_ONCE + 3 || release.length) {
      release.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await Promise.all(pages)).toEqual(pages.map(() => 'page'));
    expect(entered.slice(PAGES_AT_ONCE)).toEqual([0, 1, 2].map((i) => `p${PAGES_AT_ONCE + i}`));
  });

  it('starts a waiting page on a later turn of the event loop, so other work runs between pages', async () => {
    entered.length = 0;
    release = [];
    const first = open('h', PAGES_AT_ONCE);
    await until(() => entered.length === PAGES_AT_ONCE);
    const kept = open('kept', 10);
    await new Promise((r) => setTimeout(r, 50));
    expect(entered).toHaveLength(PAGES_AT_ONCE);
    // The held pages end together (a shared read coming back); a gateway call's I/O, standing for
    // this immediate, is served before the ten waiting pages have all run.
    let startedBeforeOtherWork = -1;
    release.splice(0).forEach((r) => r());
    setImmediate(() => (startedBeforeOtherWork = entered.length - PAGES_AT_ONCE));
    expect(await Promise.all([...first, ...kept])).toEqual([...first, ...kept].map(() => 'page'));
    // -1: it had not run by the time every page was answered.
    expect(startedBeforeOtherWork).toBeGreaterThanOrEqual(0);
    expect(startedBeforeOtherWork).toBeLessThan(kept.length);
  });

  it('lets a reader who left while waiting give up its place, and answers 503 past the queue’s bound', async () => {
    entered.length = 0;
    release = [];
    const first = open('a', PAGES_AT_ONCE);
    await until(() => entered.length === PAGES_AT_ONCE);
    const gone = new AbortController();
    const leaving = request(`${base}/dashboard/contracts/gone`, { signal: gone.signal }).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 50));
    gone.abort();
    expect(await leaving).toBe('aborted');
    const queued = Array.from({ length: MAX_WAITING }, (_, i) =>
      request(`${base}/dashboard/contracts/q${i}`).then((r) => r.statusCode),
    );
    await new Promise((r) => setTimeout(r, 200));
    const refused = await request(`${base}/dashboard/contracts/over`);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.headers['content-security-policy']).toContain("default-src 'self'");
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(await refused.body.text()).toContain('Reload the page in a moment');
    while (release.length || entered.length < PAGES_AT_ONCE + MAX_WAITING) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(new Set(await Promise.all(queued))).toEqual(new Set([200]));
    await Promise.all(first);
    expect(entered).not.toContain('gone');
  }, 30_000);
});
