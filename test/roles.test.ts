/**
 * Roles on every endpoint (docs/api.md "Authentication and roles"): missing, unknown or revoked key
 * 401 UNAUTHENTICATED; a known key of the wrong role 403 FORBIDDEN; admin everything, finance the
 * finance reads, client the gateway for its own app only. A refused write must not have happened.
 */
import { LoggerService } from '@nestjs/common';
import * as crypto from 'node:crypto';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Response } from 'supertest';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { createTestDatabase, withClient } from './support/database';
import { addHandle, expectStatus, seed, Seeded, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

type Method = 'get' | 'post' | 'patch' | 'delete';
type Role = 'admin' | 'finance' | 'client';

interface Req {
  method: Method;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Route {
  /** The route as the app declares it, e.g. `GET /contracts/:id`. */
  route: string;
  /** Builds a concrete request; called afresh for every attempt, so writes have fresh targets. */
  build: () => Promise<Req>;
  /** Which roles may call it. */
  roles: Role[];
  /** The status an allowed admin call answers. */
  ok: number;
  gateway?: boolean;
}

const uuid = () => crypto.randomUUID();
const rnd = (n = 6) => crypto.randomBytes(n).toString('hex');
const period = () => new Date().toISOString().slice(0, 7);
const lastWeek = () => ({
  start: new Date(Date.now() - 8 * 86_400_000).toISOString(),
  end: new Date(Date.now() - 86_400_000).toISOString(),
});

describe('roles', () => {
  let t: TestApp;
  let s: Seeded; // contract A: app, handle, client key
  let other: Seeded; // contract B: another app, for cross-app checks
  let financeKey: string;
  let revokedAdminKey: string;
  let revokedFinanceKey: string;
  let revokedClientKey: string;

  const admin = (method: Method, path: string) => t.http()[method](path).set('X-API-Key', ADMIN_KEY);

  async function newKey(role: Role, appId?: string): Promise<{ id: string; key: string }> {
    const res = await admin('post', '/api-keys').send({ name: `${role}-${rnd(3)}`, role, ...(appId ? { appId } : {}) });
    expectStatus(res, 201);
    return res.body;
  }

  async function revoke(id: string): Promise<void> {
    expectStatus(await admin('delete', `/api-keys/${id}`), 204);
  }

  /** The newest audit entry's id: a refused write must leave it unchanged. */
  async function lastAuditId(): Promise<string | null> {
    const res = await admin('get', '/audit-log?limit=1');
    expectStatus(res, 200);
    return res.body.entries[0]?.id ?? null;
  }

  function send(r: Req, key: string | undefined, extraHeaders: Record<string, string> = {}): Promise<Response> {
    let req = t.http()[r.method](r.path);
    if (key !== undefined) req = req.set('X-API-Key', key);
    for (const [k, v] of Object.entries({ ...r.headers, ...extraHeaders })) req = req.set(k, v);
    return r.body === undefined ? req : req.send(r.body as object);
  }

  const ROUTES: Route[] = [
    {
      route: 'GET /contracts',
      roles: ['admin', 'finance'],
      ok: 200,
      build: async () => ({ method: 'get', path: '/contracts' }),
    },
    {
      route: 'POST /contracts',
      roles: ['admin'],
      ok: 201,
      build: async () => ({
        method: 'post',
        path: '/contracts',
        body: { name: `C-${rnd()}`, handleAllowance: 10, overagePrice: { amount: '1.00', currency: 'USD' } },
      }),
    },
    {
      route: 'GET /contracts/:id',
      roles: ['admin', 'finance'],
      ok: 200,
      build: async () => ({ method: 'get', path: `/contracts/${s.contractId}` }),
    },
    {
      route: 'PATCH /contracts/:id',
      roles: ['admin'],
      ok: 200,
      build: async () => ({ method: 'patch', path: `/contracts/${s.contractId}`, body: { name: `Acme ${rnd(2)}` } }),
    },
    {
      route: 'POST /contracts/:id/apps',
      roles: ['admin'],
      ok: 201,
      build: async () => ({
        method: 'post',
        path: `/contracts/${s.contractId}/apps`,
        body: { name: 'extra', consumerKey: `ck_${rnd()}`, consumerSecret: `cs_${rnd(16)}` },
      }),
    },
    {
      route: 'GET /contracts/:id/apps',
      roles: ['admin', 'finance'],
      ok: 200,
      build: async () => ({ method: 'get', path: `/contracts/${s.contractId}/apps` }),
    },
    {
      route: 'GET /apps/:appId',
      roles: ['admin'],
      ok: 200,
      build: async () => ({ method: 'get', path: `/apps/${s.appId}` }),
    },
    {
      route: 'PATCH /apps/:appId',
      roles: ['admin'],
      ok: 200,
      build: async () => ({ method: 'patch', path: `/apps/${s.appId}`, body: { name: `analytics ${rnd(2)}` } }),
    },
    {
      route: 'DELETE /apps/:appId',
      roles: ['admin'],
      ok: 204,
      build: async () => {
        const extra = await admin('post', `/contracts/${s.contractId}/apps`).send({
          name: 'doomed',
          consumerKey: `ck_${rnd()}`,
          consumerSecret: `cs_${rnd(16)}`,
        });
        return { method: 'delete', path: `/apps/${extra.body.id}` };
      },
    },
    {
      route: 'POST /apps/:appId/handles',
      roles: ['admin'],
      ok: 201,
      build: async () => {
        const userId = String(7_000_000 + crypto.randomInt(1_000_000));
        return {
          method: 'post',
          path: `/apps/${s.appId}/handles`,
          body: { screenName: `@h${userId}`, accessToken: `${userId}-${rnd(12)}`, accessTokenSecret: `ats_${rnd(16)}` },
        };
      },
    },
    {
      route: 'GET /apps/:appId/handles',
      roles: ['admin'],
      ok: 200,
      build: async () => ({ method: 'get', path: `/apps/${s.appId}/handles` }),
    },
    {
      route: 'DELETE /apps/:appId/handles/:handleId',
      roles: ['admin'],
      ok: 204,
      build: async () => {
        const h = await addHandle(t, s.appId);
        const list = await admin('get', `/apps/${s.appId}/handles`);
        const id = list.body.find((x: { userId: string }) => x.userId === h.userId).id;
        return { method: 'delete', path: `/apps/${s.appId}/handles/${id}` };
      },
    },
    {
      route: 'POST /api-keys',
      roles: ['admin'],
      ok: 201,
      build: async () => ({ method: 'post', path: '/api-keys', body: { name: 'k', role: 'finance' } }),
    },
    { route: 'GET /api-keys', roles: ['admin'], ok: 200, build: async () => ({ method: 'get', path: '/api-keys' }) },
    {
      route: 'DELETE /api-keys/:id',
      roles: ['admin'],
      ok: 204,
      build: async () => ({ method: 'delete', path: `/api-keys/${(await newKey('finance')).id}` }),
    },
    { route: 'GET /audit-log', roles: ['admin'], ok: 200, build: async () => ({ method: 'get', path: '/audit-log' }) },
    {
      route: 'GET /contracts/:id/usage',
      roles: ['admin', 'finance'],
      ok: 200,
      build: async () => ({ method: 'get', path: `/contracts/${s.contractId}/usage` }),
    },
    {
      route: 'GET /contracts/:id/periods/:period/handles',
      roles: ['admin', 'finance'],
      ok: 200,
      build: async () => ({ method: 'get', path: `/contracts/${s.contractId}/periods/${period()}/handles` }),
    },
    {
      route: 'GET /contracts/:id/periods/:period/handles?format=csv',
      roles: ['admin', 'finance'],
      ok: 200,
      build: async () => ({ method: 'get', path: `/contracts/${s.contractId}/periods/${period()}/handles?format=csv` }),
    },
    {
      route: 'GET /rate-limits',
      roles: ['admin', 'finance'],
      ok: 200,
      build: async () => ({ method: 'get', path: '/rate-limits' }),
    },
    {
      route: 'GET /contracts/:id/plan',
      roles: ['admin', 'finance'],
      ok: 200,
      build: async () => ({ method: 'get', path: `/contracts/${s.contractId}/plan` }),
    },
    {
      route: 'GET /apps/:appId/handles/connect',
      roles: ['admin'],
      ok: 200,
      build: async () => ({ method: 'get', path: `/apps/${s.appId}/handles/connect` }),
    },
    ...(['totals', '28hr', 'historical'] as const).map((endpoint): Route => ({
      route: `POST /insights/engagement/${endpoint}`,
      roles: ['admin', 'client'],
      ok: 200,
      gateway: true,
      build: async () => ({
        method: 'post',
        path: `/insights/engagement/${endpoint}`,
        body:
          endpoint === 'totals'
            ? totalsBody()
            : { ...totalsBody(['impressions', 'url_clicks']), ...(endpoint === 'historical' ? lastWeek() : {}) },
        headers: { 'X-Handle': `@${s.handles[0].screenName}` },
      }),
    })),
  ];

  beforeAll(async () => {
    t = await startTestApp();
    s = await seed(t);
    other = await seed(t);
    financeKey = (await newKey('finance')).key;
    const ra = await newKey('admin');
    const rf = await newKey('finance');
    const rc = await newKey('client', s.appId);
    // Used once before revocation, so a cached authentication would show.
    for (const k of [ra.key, rf.key]) expectStatus(await t.http().get('/contracts').set('X-API-Key', k), 200);
    await revoke(ra.id);
    await revoke(rf.id);
    await revoke(rc.id);
    revokedAdminKey = ra.key;
    revokedFinanceKey = rf.key;
    revokedClientKey = rc.key;
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  function expectError(res: Response, status: number, code: string): void {
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: status, code, message: expect.any(String), details: expect.any(Object) }),
    );
  }

  /** Refused: the error body, nothing sent to X, and no write happened. */
  async function expectRefused(
    route: Route,
    key: string | undefined,
    status: number,
    code: string,
    headers: Record<string, string> = {},
  ) {
    const req = await route.build();
    const auditBefore = await lastAuditId();
    const res = await send(req, key, headers);
    expectError(res, status, code);
    await t.settle();
    expect(t.sim.received).toEqual([]);
    expect(await lastAuditId()).toBe(auditBefore);
  }

  describe('no key, unknown key, revoked key: 401 UNAUTHENTICATED on every route', () => {
    it.each(ROUTES.map((r) => [r.route, r] as const))('%s', async (_name, route) => {
      await expectRefused(route, undefined, 401, 'UNAUTHENTICATED');
      await expectRefused(route, '', 401, 'UNAUTHENTICATED');
      await expectRefused(route, `hm_${crypto.randomBytes(32).toString('base64url')}`, 401, 'UNAUTHENTICATED');
      await expectRefused(route, ADMIN_KEY.toUpperCase(), 401, 'UNAUTHENTICATED');
      await expectRefused(route, `${ADMIN_KEY} `.repeat(2).trim(), 401, 'UNAUTHENTICATED');
      await expectRefused(route, revokedAdminKey, 401, 'UNAUTHENTICATED', route.gateway ? { 'X-App-Id': s.appId } : {});
      await expectRefused(route, revokedFinanceKey, 401, 'UNAUTHENTICATED');
      await expectRefused(route, revokedClientKey, 401, 'UNAUTHENTICATED');
    });
  });

  describe('admin', () => {
    it.each(ROUTES.map((r) => [r.route, r] as const))('may call %s', async (_name, route) => {
      const res = await send(await route.build(), ADMIN_KEY, route.gateway ? { 'X-App-Id': s.appId } : {});
      expectStatus(res, route.ok);
      if (route.gateway) {
        await t.settle();
        expect(t.sim.received.map((c) => ({ auth: c.auth, consumerKey: c.consumerKey }))).toEqual([
          { auth: 'oauth1', consumerKey: s.consumerKey },
        ]);
      }
    });

    it('must name the app in X-App-Id on the gateway: missing is 400, nothing sent', async () => {
      for (const route of ROUTES.filter((r) => r.gateway)) {
        const res = await send(await route.build(), ADMIN_KEY);
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(t.sim.received).toEqual([]);
      }
    });

    it('calls for whichever app X-App-Id names', async () => {
      const res = await send(
        {
          method: 'post',
          path: '/insights/engagement/totals',
          body: totalsBody(),
          headers: { 'X-Handle': other.handles[0].userId },
        },
        ADMIN_KEY,
        { 'X-App-Id': other.appId },
      );
      expectStatus(res, 200);
      expect(t.sim.received.map((c) => c.consumerKey)).toEqual([other.consumerKey]);
    });

    it('gets 404 for an X-App-Id that names no app', async () => {
      for (const appId of [uuid(), 'not-a-uuid']) {
        const res = await send(
          { method: 'post', path: '/insights/engagement/totals', body: totalsBody(['favorites']) },
          ADMIN_KEY,
          { 'X-App-Id': appId },
        );
        expectError(res, 404, 'NOT_FOUND');
      }
      expect(t.sim.received).toEqual([]);
    });
  });

  describe('finance', () => {
    it.each(ROUTES.filter((r) => r.roles.includes('finance')).map((r) => [r.route, r] as const))(
      'may read %s',
      async (_name, route) => {
        expectStatus(await send(await route.build(), financeKey), route.ok);
      },
    );

    it.each(ROUTES.filter((r) => !r.roles.includes('finance')).map((r) => [r.route, r] as const))(
      'is refused %s with 403 FORBIDDEN',
      async (_name, route) => {
        await expectRefused(route, financeKey, 403, 'FORBIDDEN', route.gateway ? { 'X-App-Id': s.appId } : {});
      },
    );

    it('sees the figures the admin sees', async () => {
      const a = await admin('get', `/contracts/${s.contractId}/usage`);
      const f = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', financeKey);
      expect({ ...f.body, asOf: null }).toEqual({ ...a.body, asOf: null });
    });
  });

  describe('client', () => {
    it.each(ROUTES.filter((r) => !r.gateway).map((r) => [r.route, r] as const))(
      'is refused %s with 403 FORBIDDEN',
      async (_name, route) => {
        await expectRefused(route, s.clientKey, 403, 'FORBIDDEN');
      },
    );

    it.each(ROUTES.filter((r) => r.gateway).map((r) => [r.route, r] as const))(
      'may call %s for its own app (X-App-Id optional)',
      async (_name, route) => {
        expectStatus(await send(await route.build(), s.clientKey), 200);
        expectStatus(await send(await route.build(), s.clientKey, { 'X-App-Id': s.appId }), 200);
        await t.settle();
        expect(t.sim.received.map((c) => ({ auth: c.auth, consumerKey: c.consumerKey, userId: c.userId }))).toEqual(
          Array(2).fill({ auth: 'oauth1', consumerKey: s.consumerKey, userId: s.handles[0].userId }),
        );
      },
    );

    it.each(ROUTES.filter((r) => r.gateway).map((r) => [r.route, r] as const))(
      'is refused %s with 403 FORBIDDEN for another app’s X-App-Id',
      async (_name, route) => {
        await expectRefused(route, s.clientKey, 403, 'FORBIDDEN', { 'X-App-Id': other.appId });
        // ...also when it names a handle of that other app, which it must not be able to use.
        await expectRefused(route, s.clientKey, 403, 'FORBIDDEN', {
          'X-App-Id': other.appId,
          'X-Handle': other.handles[0].userId,
        });
      },
    );

    it('refused calls for another app are neither logged nor counted for either contract', async () => {
      const route = ROUTES.find((r) => r.route === 'POST /insights/engagement/totals')!;
      const counts = async () => {
        const rows = await withClient(t.databaseUrl, (c) =>
          c.query(
            'SELECT contract_id, count(*)::int AS n FROM calls WHERE contract_id = ANY($1) GROUP BY contract_id',
            [[s.contractId, other.contractId]],
          ),
        );
        const handles = await withClient(t.databaseUrl, (c) =>
          c.query('SELECT count(*)::int AS n FROM period_handles WHERE contract_id = ANY($1)', [
            [s.contractId, other.contractId],
          ]),
        );
        return { calls: Object.fromEntries(rows.rows.map((r) => [r.contract_id, r.n])), handles: handles.rows[0].n };
      };
      const before = await counts();
      expect(
        (await send(await route.build(), s.clientKey, { 'X-App-Id': other.appId, 'X-Handle': other.handles[0].userId }))
          .status,
      ).toBe(403);
      await t.settle();
      expect(await counts()).toEqual(before);
    });
  });

  describe('every route the app serves', () => {
    /** Read from the routes Fastify registered, so a route added later is covered without editing this file. */
    function servedRoutes(): Array<{ method: Method; path: string }> {
      return t.routes
        .filter((r) => ['get', 'post', 'patch', 'delete', 'put'].includes(r.method))
        .map((r) => ({ method: r.method as Method, path: r.path }));
    }
    /**
     * Left out here: the health check (public), the API docs (served to browsers, which cannot send
     * X-API-Key), the dashboard, which signs people in with a session cookie and has a public login page,
     * X's OAuth callback, whose credential is the single-use request token (test/connect.test.ts), and
     * a monthly report's download link, whose signature is its credential (test/report.test.ts).
     */
    const isPublic = (path: string) =>
      path === '/health' ||
      path === '/docs' ||
      path.startsWith('/docs/') ||
      path.startsWith('/docs-') ||
      path === '/dashboard' ||
      path.startsWith('/dashboard/') ||
      path === '/oauth/callback' ||
      path.startsWith('/reports/');

    function concrete(method: Method, path: string): string {
      // Deleting the shared app would leave the rest of the suite without one.
      if (method === 'delete' && path === '/apps/:appId') return `/apps/${uuid()}`;
      return path
        .replace(':endpoint', 'totals')
        .replace(':period', period())
        .replace(':appId', s.appId)
        .replace(/^\/contracts\/:id/, `/contracts/${s.contractId}`)
        .replace(/:[A-Za-z]+/g, () => uuid());
    }

    it('finds the routes (the router is read correctly)', () => {
      const served = servedRoutes().map((r) => `${r.method.toUpperCase()} ${r.path}`);
      for (const route of ROUTES) {
        const [m, p] = route.route.replace(/\?.*$/, '').split(' ');
        expect(served).toContain(`${m} ${p}`);
      }
    });

    /** Sends `{}` to every served route (public ones left out) with `key`; returns `route → "status CODE"` ("no answer" after 15 s). */
    async function sweep(
      key: string | undefined,
      skip: (path: string) => boolean = () => false,
    ): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      for (const r of servedRoutes()) {
        if (isPublic(r.path) || skip(r.path)) continue;
        const name = `${r.method.toUpperCase()} ${r.path}`;
        let req = (t.http() as any)[r.method](concrete(r.method, r.path)).timeout(15_000);
        if (key !== undefined) req = req.set('X-API-Key', key).set('X-App-Id', s.appId);
        try {
          const res = await req.send({});
          out[name] = `${res.status} ${res.body?.code ?? ''}`.trim();
        } catch {
          out[name] = 'no answer';
        }
      }
      expect(Object.keys(out).length).toBeGreaterThanOrEqual(ROUTES.length - 5);
      return out;
    }
    /** The routes whose answer breaks the rule. */
    const breaking = (results: Record<string, string>, ok: (answer: string) => boolean) =>
      Object.fromEntries(Object.entries(results).filter(([, a]) => !ok(a)));

    it('none but the public ones answers without a key (401 UNAUTHENTICATED)', async () => {
      expect(breaking(await sweep(undefined), (a) => a === '401 UNAUTHENTICATED')).toEqual({});
    }, 120_000);

    it('a client key is refused everywhere but the gateway and the preflight (403 FORBIDDEN)', async () => {
      // The preflight takes a client key of one of the contract's apps (test/planning.test.ts).
      const allowed = (p: string) => p.startsWith('/insights/engagement') || p === '/contracts/:id/preflight';
      expect(breaking(await sweep(s.clientKey, allowed), (a) => a === '403 FORBIDDEN')).toEqual({});
    }, 120_000);

    it('admin is refused nowhere, and every route answers it (no 5xx, no hang)', async () => {
      expect(breaking(await sweep(ADMIN_KEY), (a) => /^[234]\d\d/.test(a) && !/^40[13]/.test(a))).toEqual({});
    }, 120_000);

    it('GET /health needs no key', async () => {
      const res = await t.http().get('/health');
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { status: 'ok' } });
      expect((await t.http().get('/health').set('X-API-Key', 'nonsense')).status).toBe(200);
    });
  });

  describe('API keys', () => {
    it('POST /api-keys shows the key once; GET /api-keys never shows it, and the key works with its role', async () => {
      const created = await admin('post', '/api-keys').send({ name: 'finance-bot', role: 'finance' });
      expectStatus(created, 201);
      expect(created.body).toEqual(expect.objectContaining({ id: expect.any(String), key: expect.any(String) }));
      const { id, key } = created.body as { id: string; key: string };
      expect(key.length).toBeGreaterThanOrEqual(32);

      const list = await admin('get', '/api-keys');
      expectStatus(list, 200);
      const entry = list.body.find((k: { id: string }) => k.id === id);
      expect(entry).toEqual(expect.objectContaining({ id, name: 'finance-bot', role: 'finance' }));
      expect(entry).not.toHaveProperty('key');
      expect(JSON.stringify(list.body)).not.toContain(key);
      expect(JSON.stringify(list.body)).not.toContain(ADMIN_KEY);
      expect(JSON.stringify(list.body)).not.toContain(s.clientKey);

      expectStatus(await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', key), 200);
      expectError(await t.http().post('/contracts').set('X-API-Key', key).send({}), 403, 'FORBIDDEN');
    });

    it('every key is different and random', async () => {
      const keys = await Promise.all([1, 2, 3].map(() => newKey('finance')));
      expect(new Set(keys.map((k) => k.key)).size).toBe(3);
    });

    it('a client key needs an appId, and only a client key takes one', async () => {
      expectError(await admin('post', '/api-keys').send({ name: 'c', role: 'client' }), 400, 'VALIDATION_FAILED');
      expectError(
        await admin('post', '/api-keys').send({ name: 'f', role: 'finance', appId: s.appId }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(
        await admin('post', '/api-keys').send({ name: 'c', role: 'client', appId: uuid() }),
        404,
        'NOT_FOUND',
      );
      expectError(await admin('post', '/api-keys').send({ name: 'x', role: 'root' }), 400, 'VALIDATION_FAILED');
    });

    it('DELETE /api-keys/:id revokes at once, even a key just used', async () => {
      const c = await newKey('client', s.appId);
      const route = ROUTES.find((r) => r.route === 'POST /insights/engagement/totals')!;
      expectStatus(await send(await route.build(), c.key), 200);
      await revoke(c.id);
      t.sim.reset();
      await expectRefused(route, c.key, 401, 'UNAUTHENTICATED');
      const list = await admin('get', '/api-keys');
      expect(list.body.find((k: { id: string }) => k.id === c.id)).toEqual(
        expect.objectContaining({ revokedAt: expect.any(String) }),
      );
      expectError(await admin('delete', `/api-keys/${c.id}`), 404, 'NOT_FOUND');
      expectError(await admin('delete', `/api-keys/${uuid()}`), 404, 'NOT_FOUND');
    });

    it('revoking one key leaves the others working', async () => {
      const a = await newKey('finance');
      const b = await newKey('finance');
      await revoke(a.id);
      expectStatus(await t.http().get('/contracts').set('X-API-Key', b.key), 200);
      expectStatus(await t.http().get('/contracts').set('X-API-Key', ADMIN_KEY), 200);
    });
  });

  describe('bootstrap', () => {
    it('the ADMIN_API_KEY from the environment is an admin key', async () => {
      expectStatus(await admin('get', '/audit-log'), 200);
      const k = await newKey('finance');
      expect(k.key).not.toBe(ADMIN_KEY);
    });

    it('ADMIN_API_KEY exists after start-up; once revoked, a restart does not bring it back', async () => {
      const second = `hm_bootstrap_${rnd(16)}`;
      const start = () => startTestApp({ databaseUrl: t.databaseUrl, sim: t.sim, config: { adminApiKey: second } });
      const ids = async () => new Set<string>((await admin('get', '/api-keys')).body.map((k: { id: string }) => k.id));
      const before = await ids();
      let t2 = await start();
      try {
        expectStatus(await t2.http().get('/audit-log').set('X-API-Key', second), 200);
        // An instance accepts the bootstrap key it is configured with, not another's.
        expectError(await t.http().get('/audit-log').set('X-API-Key', second), 401, 'UNAUTHENTICATED');
        const added = [...(await ids())].filter((id) => !before.has(id));
        expect(added).toHaveLength(1);
        const entry = (await admin('get', '/api-keys')).body.find((k: { id: string }) => k.id === added[0]);
        expect(entry).toEqual(expect.objectContaining({ role: 'admin', revokedAt: null }));
        expect(JSON.stringify(entry)).not.toContain(second);
        // Revoked through the other instance (t2 may take its cache's 5 s to see it); then restarted.
        await revoke(entry.id);
        await t2.stop();
        t2 = await start();
        expectError(await t2.http().get('/audit-log').set('X-API-Key', second), 401, 'UNAUTHENTICATED');
        expect(
          (await admin('get', '/api-keys')).body.find((k: { id: string }) => k.id === entry.id).revokedAt,
        ).not.toBeNull();
      } finally {
        await t2.close();
      }
    });

    it('without ADMIN_API_KEY and no admin key, one is generated, printed once at start-up, and works', async () => {
      const db = await createTestDatabase();
      const lines: string[] = [];
      const logger: LoggerService = {
        log: (m: unknown) => void lines.push(String(m)),
        error: (m: unknown) => void lines.push(String(m)),
        warn: (m: unknown) => void lines.push(String(m)),
        debug: () => undefined,
        verbose: () => undefined,
        fatal: (m: unknown) => void lines.push(String(m)),
      };
      const config = {
        ...loadConfig({ NODE_ENV: 'test', SCHEDULERS: 'off' }),
        databaseUrl: db.url,
        engagementApiBaseUrl: t.sim.url,
        adminApiKey: undefined,
        credentialsKey: crypto.randomBytes(32),
      };
      const boot = async () => {
        const app = await createApp(config, logger);
        await app.listen(0, '127.0.0.1');
        return { app, http: () => request(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`) };
      };
      try {
        const first = await boot();
        const printed = lines.join('\n').match(/\bhm_[A-Za-z0-9_-]{20,}/g) ?? [];
        expect(printed).toHaveLength(1);
        const generated = printed[0]!;
        expectStatus(await first.http().get('/audit-log').set('X-API-Key', generated), 200);
        await first.app.close();

        lines.length = 0;
        const again = await boot();
        expect(lines.join('\n')).not.toMatch(/\bhm_[A-Za-z0-9_-]{20,}/);
        expectStatus(await again.http().get('/audit-log').set('X-API-Key', generated), 200);
        await again.app.close();
        const admins = await withClient(db.url, (c) =>
          c.query(`SELECT count(*)::int AS n FROM api_keys WHERE role = 'admin'`),
        );
        expect(admins.rows[0].n).toBe(1);
      } finally {
        await db.drop();
      }
    });
  });
});
