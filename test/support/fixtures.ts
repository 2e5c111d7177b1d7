import * as crypto from 'node:crypto';
import { ADMIN_KEY, TestApp } from './test-app';

export interface SeededHandle {
  userId: string;
  screenName: string;
  accessToken: string;
  accessTokenSecret: string;
}

export interface Seeded {
  contractId: string;
  appId: string;
  consumerKey: string;
  consumerSecret: string;
  bearerToken: string;
  clientKey: string;
  handles: SeededHandle[];
}

let nextUser = 1000;

/** What seeding needs: an in-process TestApp, or a ServiceProcess paired with its simulator. */
export type SeedTarget = Pick<TestApp, 'http' | 'sim'>;

/** A contract, an app, N handles and a client key, created through the API and known to the simulator. */
export async function seed(
  t: SeedTarget,
  opts: { handles?: number; contract?: Record<string, unknown> } = {},
): Promise<Seeded> {
  const admin = (r: ReturnType<ReturnType<SeedTarget['http']>['post']>) => r.set('X-API-Key', ADMIN_KEY);
  const contract = await admin(t.http().post('/contracts')).send({
    name: 'Acme',
    handleAllowance: 500,
    overagePrice: { amount: '12.50', currency: 'USD' },
    timezone: 'UTC',
    billingDay: 1,
    ...opts.contract,
  });
  expectStatus(contract, 201);
  const app = await addApp(t, contract.body.id, 'analytics');
  const handles: SeededHandle[] = [];
  for (let i = 0; i < (opts.handles ?? 1); i++) handles.push(await addHandle(t, app.appId));
  return { contractId: contract.body.id, ...app, handles };
}

/** An app of the contract with its client key, created through the API and known to the simulator. */
export async function addApp(
  t: SeedTarget,
  contractId: string,
  name: string,
): Promise<Omit<Seeded, 'contractId' | 'handles'>> {
  const admin = (r: ReturnType<ReturnType<SeedTarget['http']>['post']>) => r.set('X-API-Key', ADMIN_KEY);
  const consumerKey = `ck_${crypto.randomBytes(6).toString('hex')}`;
  const consumerSecret = `cs_${crypto.randomBytes(16).toString('hex')}`;
  const bearerToken = `AAAA${crypto.randomBytes(24).toString('hex')}`;
  const app = await admin(t.http().post(`/contracts/${contractId}/apps`)).send({
    name,
    consumerKey,
    consumerSecret,
    bearerToken,
  });
  expectStatus(app, 201);
  t.sim.addApp({ consumerKey, consumerSecret, bearerToken });
  const key = await admin(t.http().post('/api-keys')).send({
    name: `client of ${name}`,
    role: 'client',
    appId: app.body.id,
  });
  expectStatus(key, 201);
  return { appId: app.body.id, consumerKey, consumerSecret, bearerToken, clientKey: key.body.key };
}

export async function addHandle(t: SeedTarget, appId: string): Promise<SeededHandle> {
  const userId = String(++nextUser * 1000 + Math.floor(Math.random() * 1000));
  const h = {
    userId,
    screenName: `user_${userId}`,
    accessToken: `${userId}-${crypto.randomBytes(12).toString('hex')}`,
    accessTokenSecret: `ats_${crypto.randomBytes(16).toString('hex')}`,
  };
  const res = await t
    .http()
    .post(`/apps/${appId}/handles`)
    .set('X-API-Key', ADMIN_KEY)
    .send({ screenName: `@${h.screenName}`, accessToken: h.accessToken, accessTokenSecret: h.accessTokenSecret });
  expectStatus(res, 201);
  t.sim.addToken({
    accessToken: h.accessToken,
    accessTokenSecret: h.accessTokenSecret,
    userId,
    screenName: h.screenName,
  });
  return h;
}

/** A /totals body for recent Tweets (snowflake IDs of a minute ago), valid for every metric. */
export function totalsBody(metrics = ['impressions', 'favorites'], count = 1) {
  const base = BigInt(Date.now() - 60_000 - 1288834974657) << 22n;
  return {
    tweet_ids: Array.from({ length: count }, (_, i) => String(base + BigInt(i))),
    engagement_types: metrics,
    groupings: { perTweetMetricsOwned: { group_by: ['tweet.id', 'engagement.type'] } },
  };
}

/** A /totals call through the gateway with the seeded app's client key, as one of its handles (default: the first). */
export function callTotals(
  t: SeedTarget,
  s: Seeded,
  handle: string = s.handles[0].userId,
  body: object = totalsBody(),
) {
  return t.http().post('/insights/engagement/totals').set('X-API-Key', s.clientKey).set('X-Handle', handle).send(body);
}

export function expectStatus(res: { status: number; body: unknown }, status: number): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
}
