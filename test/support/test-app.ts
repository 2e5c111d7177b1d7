import { INestApplication } from '@nestjs/common';
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { LedgerService } from '../../src/ledger/ledger.service';
import { XSimulator } from '../../src/dev/x-simulator';
import { createTestDatabase } from './database';
import { TcpProxy } from './tcp-proxy';

export const ADMIN_KEY = 'hm_test_admin_key_0123456789abcdef';

export interface TestApp {
  app: INestApplication;
  /** http://127.0.0.1:PORT of the running service */
  url: string;
  databaseUrl: string;
  sim: XSimulator;
  http: () => ReturnType<typeof request>;
  /** Every route the app serves (method in lower case, path with its :params), as Fastify registered them. */
  routes: Array<{ method: string; path: string }>;
  /** Waits until every outcome the ledger has been handed is written. */
  settle: () => Promise<void>;
  /** Shuts the service down (as a deploy or crash would), keeping its database. */
  stop: () => Promise<void>;
  /** stop(), then drops the database and the simulator it made. */
  close: () => Promise<void>;
}

export interface TestAppOptions {
  sim?: XSimulator;
  databaseUrl?: string;
  config?: Partial<AppConfig>;
}

/** The real application on a fresh database (unless one is given), listening on a real port, in front of a simulator. */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const sim = opts.sim ?? (await XSimulator.start());
  const db = opts.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = opts.databaseUrl ?? db!.url;
  const config: AppConfig = {
    ...loadConfig({ NODE_ENV: 'test', SCHEDULERS: 'off' }),
    databaseUrl,
    engagementApiBaseUrl: sim.url,
    xOauthBaseUrl: sim.url,
    upstreamTimeoutMs: 3000,
    adminApiKey: ADMIN_KEY,
    credentialsKey: crypto.randomBytes(32),
    // The suites' webhook receivers listen on loopback; test/security.test.ts turns this off.
    webhookAllowPrivate: true,
    // Suites send wrong keys on purpose, all from 127.0.0.1; test/security.test.ts tests the limit.
    authFailureLimit: 0,
    ...opts.config,
  };
  const app = await createApp(config, false);
  const routes: TestApp['routes'] = [];
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (r: { method: string | string[]; url: string }) => {
      for (const m of [r.method].flat()) routes.push({ method: m.toLowerCase(), path: r.url });
    });
  /** What this helper made for the app: the simulator unless given, the database unless given. */
  const dropOwn = async (): Promise<void> => {
    if (!opts.sim) await sim.stop();
    await db?.drop();
  };
  await app.listen(0, '127.0.0.1').catch(async (e: unknown) => {
    // A start that fails half-way (a bootstrap hook threw) must not leave its pools and timers
    // open, or the suite fails and then never exits.
    await app.close().catch(() => undefined);
    await dropOwn();
    throw e;
  });
  const { port } = app.getHttpServer().address() as net.AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const ledger = app.get(LedgerService);
  let stopped: Promise<void> | null = null;
  const stop = () => (stopped ??= app.close());
  return {
    app,
    url,
    databaseUrl,
    sim,
    http: () => request(url),
    routes,
    settle: () => ledger.flush(),
    stop,
    close: async () => {
      await stop();
      await dropOwn();
    },
  };
}

export interface ProxiedTestApp {
  t: TestApp;
  /** Between the service and its database: cut, stall or lose answers with it. */
  proxy: TcpProxy;
  /** The database itself, around the proxy: what a test reads the ledger with. */
  directUrl: string;
  /** Restores the proxy, closes the service, drops the database. */
  close: () => Promise<void>;
}

/** The real application on a fresh database reached through a TCP proxy a test controls. */
export async function startTestAppBehindProxy(): Promise<ProxiedTestApp> {
  const db = await createTestDatabase();
  const u = new URL(db.url);
  const proxy = await TcpProxy.start(u.hostname, Number(u.port));
  const t = await startTestApp({ databaseUrl: proxy.urlFor(db.url) });
  return {
    t,
    proxy,
    directUrl: db.url,
    close: async () => {
      await proxy.restore();
      await t.close();
      await proxy.stop();
      await db.drop();
    },
  };
}

/**
 * The real application whose X is a port nobody listens on: every connection is refused before
 * anything is sent. `sim` is a simulator the seed registers credentials with (it never hears a call).
 */
export async function startTestAppWithUnreachableX(): Promise<{
  t: TestApp;
  sim: XSimulator;
  close: () => Promise<void>;
}> {
  const sim = await XSimulator.start();
  const closed = await new Promise<number>((r) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => r(port));
    });
  });
  const t = await startTestApp({ sim, config: { engagementApiBaseUrl: `http://127.0.0.1:${closed}` } });
  return {
    t,
    sim,
    close: async () => {
      await t.close();
      await sim.stop();
    },
  };
}
