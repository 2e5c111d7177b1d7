import * as fs from 'node:fs';
import * as path from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { periodContaining, previousPeriod } from '../src/periods/billing-period';
import { launchChromium, signInWithKey } from './support/browser';
import { expectStatus, seed, Seeded, callTotals } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

const TZ = 'America/New_York';
const ARTIFACTS = path.join(__dirname, 'artifacts');
const SCREENSHOTS = path.join(__dirname, 'screenshots');

/** "USD 6,250.00": the amount's digits grouped by threes, as finance reads money. */
function usd(m: { amount: string; currency: string }): string {
  const [units, cents] = m.amount.split('.');
  return `${m.currency} ${units.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/** The dashboard in Debian's Chromium: what finance sees, with the figures the API gives. */
describe('dashboard in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let financeKey: string;
  let s: BusyContract;
  let hooks: WebhookReceiver;

  const admin = { 'X-API-Key': ADMIN_KEY };
  const api = (p: string, key = financeKey) => t.http().get(p).set('X-API-Key', key);

  beforeAll(async () => {
    hooks = await WebhookReceiver.start();
    // The webhook refuses every delivery: the alerts' delivery errors are there to see.
    hooks.failNext = 1_000_000;
    t = await startTestApp({ config: { outboxRetryBaseMs: 60_000 } });
    browser = await launchChromium();
    financeKey = (await t.http().post('/api-keys').set(admin).send({ name: 'Dana', role: 'finance' }).expect(201)).body
      .key;
    s = await seedBusyContract(t, hooks.url);
  });
  afterAll(async () => {
    await browser?.close();
    await t.close();
    await hooks?.stop();
  });

  /** A fresh browser profile, recording every request it makes and every CSP complaint. */
  async function openBrowser(): Promise<{
    context: BrowserContext;
    page: Page;
    requests: string[];
    problems: string[];
  }> {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    return { context, page, requests, problems };
  }

  const signIn = (page: Page, key: string) => signInWithKey(page, t.url, key);

  const figure = (page: Page, name: string) => page.locator(`[data-figure="${name}"]`).innerText();

  it('signs in with a finance key, shows the chart and the figures, downloads a CSV, signs out', async () => {
    const { context, page, requests, problems } = await openBrowser();
    try {
      // A wrong key: the form again, with the reason, and no session.
      expect(await signIn(page, 'hm_not_a_key_at_all')).toBe(401);
      expect(await page.locator('[role="alert"]').innerText()).toMatch(/not a valid API key/);
      expect(await context.cookies()).toEqual([]);

      expect(await signIn(page, financeKey)).toBe(303);
      expect(page.url()).toBe(`${t.url}/dashboard`);
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'hm_dashboard', path: '/dashboard', httpOnly: true, sameSite: 'Strict' });
      expect(cookie.value).not.toContain(financeKey);
      expect(requests.join(' ')).not.toContain(financeKey);

      // Choose the contract from the list.
      await page.click(`text=Northwind Analytics`);
      await page.waitForURL(`${t.url}/dashboard/contracts/${s.contractId}`);
      const before = (await api(`/contracts/${s.contractId}/usage`).expect(200)).body;
      await page.reload();
      const after = (await api(`/contracts/${s.contractId}/usage`).expect(200)).body;
      expect(await page.locator('h1').innerText()).toBe('Northwind Analytics');

      // The chart: the allowance line, a point per local day so far ending at today's count, the projection and its band.
      const svg = page.locator('svg.chart');
      expect(await svg.count()).toBe(1);
      expect(await svg.locator('line.allowance').getAttribute('data-allowance')).toBe(String(before.allowance));
      const points = await svg
        .locator('circle.point')
        .evaluateAll((els) =>
          els.map((e) => ({ date: e.getAttribute('data-date'), count: Number(e.getAttribute('data-count')) })),
        );
      const open = periodContaining(new Date(), { timezone: TZ, billingDay: s.billingDay });
      const today = DateTime.now().setZone(TZ).toISODate();
      expect(points[0].date).toBe(DateTime.fromJSDate(open.start, { zone: TZ }).toISODate());
      expect(points[points.length - 1]).toEqual({ date: today, count: before.uniqueHandles });
      expect(points.length).toBe(s.elapsedDays + 1);
      expect(points.map((p) => p.count)).toEqual([...points.map((p) => p.count)].sort((a, b) => a - b)); // cumulative
      expect(await svg.locator('polyline.projection').count()).toBe(1);
      expect(await svg.locator('polygon.band').count()).toBe(1);

      // The figures are the API's (the page was drawn between the two reads, and a projection is kept for 15 s).
      const shown = {
        uniqueHandles: await figure(page, 'uniqueHandles'),
        remaining: await figure(page, 'remaining'),
        projectedHandles: await figure(page, 'projectedHandles'),
        projectedOverageCost: await figure(page, 'projectedOverageCost'),
        crossingDate: await figure(page, 'crossingDate'),
        calls: await figure(page, 'calls'),
      };
      const expected = (u: typeof before) => ({
        uniqueHandles: String(u.uniqueHandles),
        remaining: String(u.remaining),
        projectedHandles: String(u.projection.uniqueHandles),
        projectedOverageCost:
          u.projection.overageCostRange.low.amount === u.projection.overageCostRange.high.amount
            ? usd(u.projection.overageCostRange.low)
            : `${usd(u.projection.overageCostRange.low)} – ${usd(u.projection.overageCostRange.high)}`,
        crossingDate: u.projection.exceedsAllowanceOn ?? 'not projected',
        calls: String(u.calls),
      });
      expect([expected(before), expected(after)]).toContainEqual(shown);
      expect(before.projection.exceedsAllowanceOn).not.toBeNull(); // the seeded curve crosses its allowance

      // Which app used the handles: the chargeback table is the API's, row for row.
      const chargeback = (await api(`/contracts/${s.contractId}/apps/usage`).expect(200)).body as {
        appId: string | null;
        name: string;
        calls: number;
        firstCountedHandles: number;
        overageCost: { amount: string; currency: string };
      }[];
      expect(chargeback.length).toBeGreaterThanOrEqual(1);
      for (const a of chargeback) {
        const cells = (await page.locator(`table.apps tr[data-app="${a.appId ?? 'imported'}"] td`).allInnerTexts()).map(
          (c) => c.trim(),
        );
        expect(cells[0]).toBe(a.name);
        expect(cells[3]).toBe(a.firstCountedHandles.toLocaleString('en-US'));
        expect(cells[5]).toBe(usd(a.overageCost));
      }

      // Top handles (the gateway's three, busiest first), the alerts raised, and the closed period's statement.
      const topRows = await page.locator('table.top-handles tbody tr').allInnerTexts();
      expect(topRows[0]).toContain(`@${s.handles[0].screenName}`);
      expect(topRows[0]).toMatch(/\t3\t/);
      expect(await page.locator('table.alerts tbody tr').count()).toBeGreaterThanOrEqual(1);
      const last = previousPeriod(open, { timezone: TZ, billingDay: s.billingDay });
      const statement = (await api(`/contracts/${s.contractId}/statements/${last.key}`).expect(200)).body;
      const row = page.locator(`table.periods tr[data-period="${last.key}"]`);
      expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('closed');
      expect(await row.innerText()).toContain(usd(statement.overageCost));
      expect(usd(statement.overageCost)).toMatch(/^USD \d{1,3}(,\d{3})+\.\d{2}$/); // big enough to need a separator
      expect(await row.innerText()).toContain(String(statement.uniqueHandles));

      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

      // The closed period's handles as CSV: the same file as the API's, row for row.
      const [download] = await Promise.all([page.waitForEvent('download'), row.locator('a[data-csv]').click()]);
      expect(download.suggestedFilename()).toBe(`handles-${s.contractId}-${last.key}.csv`);
      const file = fs.readFileSync(await download.path(), 'utf8');
      const csv = (await api(`/contracts/${s.contractId}/periods/${last.key}/handles?format=csv`).expect(200)).text;
      expect(file).toBe(csv);
      expect(file.trim().split('\n')).toHaveLength(1 + statement.uniqueHandles);

      // Everything the page loaded came from handlemeter, and the CSP refused nothing.
      expect(requests.filter((u) => !u.startsWith(`${t.url}/`))).toEqual([]);
      expect(problems).toEqual([]);

      // Sign out: the session ends, and the contract page asks to sign in again.
      await Promise.all([page.waitForURL(`${t.url}/dashboard`), page.click('button[data-action="sign-out"]')]);
      expect(await page.locator('input[name="key"]').count()).toBe(1);
      expect(await context.cookies()).toEqual([]);
      const res = await page.goto(`${t.url}/dashboard/contracts/${s.contractId}`);
      expect(res!.status()).toBe(401);
      expect(await page.locator('input[name="key"]').count()).toBe(1);
      expect(await page.locator('svg.chart').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('shows an empty contract as an empty state, not an error', async () => {
    const empty = await seed(t, { contract: { name: 'Quiet Co', handleAllowance: 50 } });
    const { context, page, problems } = await openBrowser();
    try {
      expect(await signIn(page, financeKey)).toBe(303);
      const res = await page.goto(`${t.url}/dashboard/contracts/${empty.contractId}`);
      expect(res!.status()).toBe(200);
      expect(await page.locator('[data-empty="period"]').innerText()).toMatch(/No handles counted in \d{4}-\d{2} yet/);
      expect(await page.locator('svg.chart').count()).toBe(0);
      expect(await figure(page, 'uniqueHandles')).toBe('0');
      expect(await figure(page, 'remaining')).toBe('50');
      expect(await page.locator('[data-empty="handles"]').count()).toBe(1);
      expect(await page.locator('[data-empty="alerts"]').count()).toBe(1);
      // Its apps are listed, each with nothing used yet.
      for (const row of await page.locator('table.apps tbody tr').allInnerTexts())
        expect(row.split('\t').slice(1, 4)).toEqual(['0', '0', '0']);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it.each([390, 1280])(
    'fits a %i px wide screen: no sideways scrolling, formatted figures, zones named, chart labelled (screenshots)',
    async (width) => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      const overflow = () =>
        page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      try {
        // An admin: sees the delivery errors too.
        expect(await signIn(page, ADMIN_KEY)).toBe(303);
        expect(await overflow()).toBe(0);
        await page.goto(`${t.url}/dashboard/contracts/${s.contractId}`);
        const u = (await api(`/contracts/${s.contractId}/usage`).expect(200)).body;
        expect(await overflow()).toBe(0);

        // Money per currency with separators, the projected overage as a range, counts with separators.
        const range = await figure(page, 'projectedOverageCost');
        expect(range).toMatch(/^USD \d{1,3}(,\d{3})*\.\d{2}( – USD \d{1,3}(,\d{3})*\.\d{2})?$/);
        expect(range).toContain(usd(u.projection.overageCostRange.high));
        expect(u.projection.overageCostRange.high.amount.length).toBeGreaterThan(7); // ≥ 1,000.00: the separator is tested
        expect(await page.locator('[data-figure="projectedBand"]').innerText()).toBe(
          `${u.projection.low.toLocaleString('en-US')}–${u.projection.high.toLocaleString('en-US')}`,
        );
        expect(u.projection.low).toBeGreaterThanOrEqual(u.uniqueHandles);
        // Time zones: the contract's named, and every time carries its zone.
        expect(await page.locator('[data-timezone]').innerText()).toBe(TZ);
        expect(await page.locator('p.sub').first().innerText()).toMatch(/as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} E[SD]T/);
        // The chart: the today line labelled, its text readable (at least 9 px tall on screen).
        expect(await page.locator('svg.chart [data-label="today"]').textContent()).toMatch(/^today /);
        const labelHeight = await page
          .locator('svg.chart text.label')
          .first()
          .evaluate((e) => e.getBoundingClientRect().height);
        expect(labelHeight).toBeGreaterThanOrEqual(9);
        // Delivery errors: the failing webhook's last error, for an admin.
        expect(await page.locator('[data-delivery-error="webhook"]').first().innerText()).toMatch(/500|not now/);
        fs.mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({
          path: path.join(SCREENSHOTS, width === 1280 ? 'dashboard.png' : `dashboard-${width}.png`),
          fullPage: true,
        });

        // The reconciliation page and the audit log fit too; the audit names keys.
        await page.goto(`${t.url}/dashboard/contracts/${s.contractId}/reconciliations`);
        expect(await page.locator('[data-figure="utcCutoff"]').count()).toBe(1);
        expect(await overflow()).toBe(0);
        await page.screenshot({ path: path.join(SCREENSHOTS, `reconciliation-${width}.png`), fullPage: true });
        await page.goto(`${t.url}/dashboard/audit`);
        expect(await overflow()).toBe(0);
        const who = await page.locator('table.audit tbody tr td:nth-child(2)').allInnerTexts();
        expect(who).toContain('bootstrap (ADMIN_API_KEY)');
        expect(who.join(' ')).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      } finally {
        await context.close();
      }
    },
  );

  it('renders the page once for people reading it at the same moment, each with their own header and what their role may see', async () => {
    const login = async (key: string) =>
      String(
        (await t.http().post('/dashboard/login').type('form').send({ key }).expect(303)).headers['set-cookie'][0],
      ).split(';')[0];
    const finance = await login(financeKey);
    const admin = await login(ADMIN_KEY);
    const read = (cookie: string) =>
      t.http().get(`/dashboard/contracts/${s.contractId}`).set('Cookie', cookie).expect(200);
    // At once, so they share one read of the figures and its rendering (DashboardService, contract.view.ts).
    const pages = await Promise.all([read(finance), read(admin), read(admin), read(finance)]);
    expect(
      pages.map((p) => ({
        who: /Signed in with <strong>([^<]*)<\/strong> \((\w+)\)/.exec(p.text)?.slice(1),
        errors: p.text.includes('data-delivery-error='),
      })),
    ).toEqual([
      { who: ['Dana', 'finance'], errors: false },
      { who: [expect.any(String), 'admin'], errors: true },
      { who: [expect.any(String), 'admin'], errors: true },
      { who: ['Dana', 'finance'], errors: false },
    ]);
  });

  it('shows finance that a delivery is failing, without its error text', async () => {
    const { context, page } = await openBrowser();
    try {
      expect(await signIn(page, financeKey)).toBe(303);
      await page.goto(`${t.url}/dashboard/contracts/${s.contractId}`);
      expect(await page.locator('table.alerts .delivery .tag').first().innerText()).toMatch(
        /^webhook: (pending|failed) after \d+ attempts?$/,
      );
      expect(await page.locator('[data-delivery-error]').count()).toBe(0);
      expect((await page.goto(`${t.url}/dashboard/audit`))!.status()).toBe(403);
    } finally {
      await context.close();
    }
  });
});

/** The dashboard's rules over plain HTTP: sessions, cookies, headers, refusals. */
describe('dashboard sessions and headers', () => {
  let t: TestApp;
  let s: Seeded;
  beforeAll(async () => {
    t = await startTestApp();
    s = await seed(t);
  });
  afterAll(() => t.close());

  const newKey = async (role: string, appId?: string) =>
    (
      await t
        .http()
        .post('/api-keys')
        .set('X-API-Key', ADMIN_KEY)
        .send({ name: role, role, ...(appId ? { appId } : {}) })
        .expect(201)
    ).body as { id: string; key: string };
  const signIn = (key: string, headers: Record<string, string> = {}) =>
    t.http().post('/dashboard/login').set(headers).type('form').send({ key });
  const cookieOf = (res: { headers: Record<string, unknown> }) =>
    String((res.headers['set-cookie'] as string[])[0]).split(';')[0];
  const contractPage = (cookie?: string) => {
    const req = t.http().get(`/dashboard/contracts/${s.contractId}`);
    return cookie ? req.set('Cookie', cookie) : req;
  };

  it('gives an HttpOnly, SameSite=Strict cookie scoped to /dashboard that holds a session token, not the key', async () => {
    const { key } = await newKey('finance');
    const res = await signIn(key);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard');
    const setCookie = (res.headers['set-cookie'] as unknown as string[])[0];
    expect(setCookie).toMatch(
      /^hm_dashboard=[A-Za-z0-9_-]{43}; Path=\/dashboard; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    expect(setCookie).not.toContain(key);
    expect((await contractPage(cookieOf(res))).status).toBe(200);
    // Behind a TLS-terminating proxy the cookie is Secure too.
    expect(
      ((await signIn(key, { 'X-Forwarded-Proto': 'https' })).headers['set-cookie'] as unknown as string[])[0],
    ).toMatch(/; Secure$/);
  });

  it('admits admin keys too, but not client keys, unknown keys or an empty form', async () => {
    expect((await signIn(ADMIN_KEY)).status).toBe(303);
    const client = await signIn(s.clientKey);
    expect(client.status).toBe(403);
    expect(client.text).toContain('a client key only calls the gateway');
    expect(client.headers['set-cookie']).toBeUndefined();
    expect((await signIn(`hm_${'x'.repeat(43)}`)).status).toBe(401);
    expect((await signIn('')).status).toBe(401);
  });

  it('ends every session of a key when the key is revoked', async () => {
    const k = await newKey('finance');
    const cookie = cookieOf(await signIn(k.key));
    expect((await contractPage(cookie)).status).toBe(200);
    await t.http().delete(`/api-keys/${k.id}`).set('X-API-Key', ADMIN_KEY).expect(204);
    const res = await contractPage(cookie);
    expect(res.status).toBe(401);
    expect(res.text).toContain('name="key"');
  });

  it('ends a session at sign-out: its cookie, kept by someone else, no longer opens a page', async () => {
    const { key } = await newKey('finance');
    const cookie = cookieOf(await signIn(key));
    expect((await contractPage(cookie)).status).toBe(200);
    await t.http().post('/dashboard/logout').set('Cookie', cookie).set('Origin', t.url).expect(303);
    expect((await contractPage(cookie)).status).toBe(401);
  });

  it('asks to sign in for every page and download without a session, and keeps the page to return to', async () => {
    for (const p of [
      `/dashboard/contracts/${s.contractId}`,
      `/dashboard/contracts/${s.contractId}/periods/2026-01/handles.csv`,
    ]) {
      const res = await t.http().get(p).set('Cookie', 'hm_dashboard=forgedforgedforgedforgedforgedforgedforged123');
      expect({ status: res.status, type: res.type }).toEqual({ status: 401, type: 'text/html' });
      expect(res.text).toContain(`name="next" value="${p}"`);
    }
    const { key } = await newKey('finance');
    const back = await t
      .http()
      .post('/dashboard/login')
      .type('form')
      .send({ key, next: `/dashboard/contracts/${s.contractId}` });
    expect(back.headers.location).toBe(`/dashboard/contracts/${s.contractId}`);
    // ...but never to another site.
    for (const next of ['https://evil.example/dashboard', '//evil.example/x', '/dashboard//evil.example', '/docs']) {
      expect((await t.http().post('/dashboard/login').type('form').send({ key, next })).headers.location).toBe(
        '/dashboard',
      );
    }
  });

  it('refuses a sign-in form posted from another site', async () => {
    const { key } = await newKey('finance');
    const res = await signIn(key, { Origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('sends a Content-Security-Policy allowing only itself, and never lets pages be cached', async () => {
    const cookie = cookieOf(await signIn(ADMIN_KEY));
    for (const res of [
      await t.http().get('/dashboard'),
      await contractPage(cookie),
      await t.http().get('/dashboard/assets/dashboard.css'),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toMatch(
        /^default-src 'self'; script-src 'self'; style-src 'self';/,
      );
      expect(res.headers['content-security-policy']).not.toMatch(/unsafe|https?:|\*/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    expect((await t.http().get('/dashboard/assets/dashboard.css')).type).toBe('text/css');
  });

  it('answers a bad contract id or period with a page and the API’s status, never a 500', async () => {
    const cookie = cookieOf(await signIn(ADMIN_KEY));
    const get = (p: string) => t.http().get(p).set('Cookie', cookie);
    expect((await get('/dashboard/contracts/not-a-uuid')).status).toBe(404);
    expect((await get('/dashboard/contracts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get(`/dashboard/contracts/${s.contractId}/periods/2026-13/handles.csv`)).status).toBe(400);
    expect((await get(`/dashboard/contracts/${s.contractId}/periods/2999-01/handles.csv`)).status).toBe(404);
    const bad = await t.http().post('/dashboard/login').type('form').send({ key: 'x', extra: 'field' });
    expect({ status: bad.status, type: bad.type }).toEqual({ status: 400, type: 'text/html' });
  });

  it('answers every dashboard route sensibly without a session, also to an X-API-Key (which is no session)', async () => {
    // HEAD is Fastify's own twin of each GET.
    const routes = t.routes
      .filter((r) => r.path.startsWith('/dashboard') && r.method !== 'head')
      .map((r) => [r.method, r.path] as const);
    expect(routes.length).toBeGreaterThanOrEqual(6);
    const answers: Record<string, number> = {};
    for (const [method, route] of routes) {
      const p = route.replace(':id', s.contractId).replace(':period', '2026-01');
      const res = await (t.http() as any)[method](p).set('X-API-Key', ADMIN_KEY).send({});
      answers[`${method.toUpperCase()} ${route}`] = res.status;
    }
    expect(answers).toEqual({
      'GET /dashboard': 200, // the sign-in form
      'POST /dashboard/login': 401,
      'POST /dashboard/logout': 303,
      'GET /dashboard/contracts/:id': 401,
      'GET /dashboard/contracts/:id/periods/:period/handles.csv': 401,
      'GET /dashboard/contracts/:id/reconciliations': 401,
      'POST /dashboard/contracts/:id/reconciliations': 401,
      'GET /dashboard/contracts/:id/reconciliations/:reconciliationId/handles.csv': 401,
      'GET /dashboard/audit': 401,
      'GET /dashboard/assets/dashboard.css': 200,
      'GET /dashboard/contracts/:id/plan': 401, // src/planning
      'GET /dashboard/connections': 401, // src/connect
    });
  });

  it('escapes what it shows: a contract named like markup stays text', async () => {
    const evil = await seed(t, { contract: { name: '<img src=x onerror=alert(1)>' } });
    const cookie = cookieOf(await signIn(ADMIN_KEY));
    for (const p of ['/dashboard', `/dashboard/contracts/${evil.contractId}`]) {
      const res = await t.http().get(p).set('Cookie', cookie);
      expect(res.text).not.toContain('<img src=x');
      expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });
});

/**
 * A contract whose open period began 12 days ago (in New York) with a decaying curve of new
 * handles a day, a closed previous period, three gateway handles today and the alerts that raised.
 */
type BusyContract = Seeded & { billingDay: number; elapsedDays: number };

async function seedBusyContract(t: TestApp, webhookUrl: string): Promise<BusyContract> {
  const now = DateTime.now().setZone(TZ);
  let start = now.minus({ days: 12 }).startOf('day');
  if (start.day > 28) start = now.minus({ days: 9 }).startOf('day');
  const elapsedDays = Math.round(now.startOf('day').diff(start, 'days').days);
  const s = await seed(t, {
    handles: 3,
    contract: {
      name: 'Northwind Analytics',
      handleAllowance: 90,
      overagePrice: { amount: '1250.00', currency: 'USD' },
      timezone: TZ,
      billingDay: start.day,
      alertThresholds: [0.5, 0.8],
      notify: { emails: [], webhookUrl },
    },
  });
  const cycle = { timezone: TZ, billingDay: start.day };
  const last = previousPeriod(periodContaining(new Date(), cycle), cycle);
  const calls: object[] = [];
  // Last period: 95 handles over its first three weeks, 5 over the allowance.
  for (let i = 0; i < 95; i++)
    calls.push({
      id: `p-${i}`,
      at: new Date(last.start.getTime() + (i % 21) * 86_400_000 + 50_400_000).toISOString(),
      userId: String(700_000 + i),
      endpoint: 'totals',
    });
  // This period: fewer new handles each day, each seen again the day after.
  let user = 800_000;
  for (let d = 0; d < elapsedDays; d++) {
    const at = start.plus({ days: d, hours: 14 });
    for (let i = 0; i < Math.max(2, Math.round(14 * 0.82 ** d)); i++) {
      const userId = String(user++);
      calls.push({ id: `c-${userId}`, at: at.toISO(), userId, screenName: `reader_${userId}`, endpoint: 'totals' });
      if (d + 1 < elapsedDays)
        calls.push({
          id: `r-${userId}`,
          at: at.plus({ days: 1 }).toISO(),
          userId,
          screenName: `reader_${userId}`,
          endpoint: '28hr',
        });
    }
  }
  expectStatus(
    await t.http().post(`/contracts/${s.contractId}/usage/import`).set('X-API-Key', ADMIN_KEY).send({ calls }),
    200,
  );
  for (const i of [0, 0, 0, 1, 1, 2]) {
    expectStatus(await callTotals(t, s, s.handles[i].userId), 200);
  }
  await t.settle();
  await t.http().post('/jobs/close-periods').set('X-API-Key', ADMIN_KEY).expect(200);
  await t.http().post('/jobs/check-alerts').set('X-API-Key', ADMIN_KEY).expect(200);
  // Its statement reconciled (the page's figures), and the alerts' first webhook attempts made (and refused).
  expectStatus(
    await t
      .http()
      .post(`/contracts/${s.contractId}/reconciliations`)
      .set('X-API-Key', ADMIN_KEY)
      .send({ period: last.key, invoicedHandles: 96 }),
    201,
  );
  for (let i = 0; i < 100; i++) {
    const alerts = (await t.http().get(`/contracts/${s.contractId}/alerts`).set('X-API-Key', ADMIN_KEY)).body as {
      channels: { attempts: number; lastError: string | null }[];
    }[];
    if (alerts.length && alerts.every((a) => a.channels.every((c) => c.attempts > 0 && c.lastError))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...s, billingDay: start.day, elapsedDays };
}
