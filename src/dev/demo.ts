/**
 * The newcomer's start command (`npm run demo`): handlemeter on the embedded PostgreSQL in front
 * of the X simulator, with a demo contract, app, handles and keys, so the whole loop works
 * without X credentials. The credentials below are the simulator's, not X's.
 */
import { Logger } from '@nestjs/common';
import axios from 'axios';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createApp, listenEverywhere } from '../app.factory';
import { loadConfig } from '../config/app-config';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import { AppLogger } from '../logging/app-logger';
import { showDecisions } from './demo-decisions';
import { XSimulator } from './x-simulator';

const APP = { consumerKey: 'demo-consumer-key', consumerSecret: 'demo-consumer-secret', bearerToken: 'demo-bearer-token' };
const HANDLES = [
  { screenName: 'acme', userId: '1001', accessToken: '1001-demo-access-token', accessTokenSecret: 'demo-token-secret-1001' },
  { screenName: 'acme_support', userId: '1002', accessToken: '1002-demo-access-token', accessTokenSecret: 'demo-token-secret-1002' },
  { screenName: 'acme_jobs', userId: '1003', accessToken: '1003-demo-access-token', accessTokenSecret: 'demo-token-secret-1003' },
];

async function main(): Promise<void> {
  const env = loadConfig();
  const appLogger = new AppLogger({ format: env.logFormat, level: env.logLevel });
  Logger.overrideLogger(appLogger);
  const log = new Logger('demo');
  const sim = await XSimulator.start({ apps: [APP], tokens: HANDLES, perMinuteLimit: 600 });
  const embedded = env.databaseUrl ? null : await startEmbeddedPostgres(env.dataDir);
  const keysFile = path.join(env.dataDir, 'demo-keys.json');
  const saved = fs.existsSync(keysFile) ? (JSON.parse(fs.readFileSync(keysFile, 'utf8')) as DemoKeys) : null;
  const adminKey = env.adminApiKey ?? saved?.admin ?? `hm_demo_admin_${crypto.randomBytes(16).toString('hex')}`;
  // A demo's webhook receiver is on this machine.
  const app = await createApp({ ...env, databaseUrl: env.databaseUrl ?? embedded!.url, engagementApiBaseUrl: sim.url, xOauthBaseUrl: sim.url, adminApiKey: adminKey, webhookAllowPrivate: true }, appLogger);
  await listenEverywhere(app, env.port);
  const base = `http://localhost:${env.port}`;
  const keys = saved ?? (await seed(base, adminKey));
  fs.mkdirSync(env.dataDir, { recursive: true });
  fs.writeFileSync(keysFile, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });

  // Show the loop once: a call through the gateway, then what finance sees.
  const tweetId = String((BigInt(Date.now() - 3_600_000) - 1288834974657n) << 22n);
  const body = { tweet_ids: [tweetId], engagement_types: ['impressions', 'engagements', 'favorites'], groupings: { perTweet: { group_by: ['tweet.id', 'engagement.type'] } } };
  const answer = await axios.post(`${base}/insights/engagement/totals`, body, { headers: { 'X-API-Key': keys.client, 'X-Handle': '@acme' } });
  const usage = await axios.get<{ uniqueHandles: number; allowance: number; calls: number; period: { key: string } }>(`${base}/contracts/${keys.contractId}/usage`, { headers: { 'X-API-Key': keys.finance } });

  log.log(`
  handlemeter is running on ${base}, in front of a simulated X at ${sim.url}.
  The demo keys are in ${keysFile} (development only).

  One call went through the gateway:  ${JSON.stringify(answer.data)}
  Finance sees:  uniqueHandles ${usage.data.uniqueHandles} of ${usage.data.allowance}, calls ${usage.data.calls}

  Try it:
    curl -s ${base}/insights/engagement/totals -H 'X-API-Key: ${keys.client}' -H 'X-Handle: @acme_support' \\
      -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'
    curl -s ${base}/contracts/${keys.contractId}/usage -H 'X-API-Key: ${keys.finance}'
    curl -s ${base}/contracts/${keys.contractId}/periods/${usage.data.period.key}/handles?format=csv -H 'X-API-Key: ${keys.finance}'
  Dashboard: ${base}/dashboard (sign in with the finance key ${keys.finance})
  API docs: ${base}/docs        Stop with Ctrl-C.
`);
  await showDecisions(base, keys, sim);
  const shutdown = async () => {
    await app.close();
    await sim.stop();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

interface DemoKeys {
  admin: string;
  finance: string;
  client: string;
  contractId: string;
}

async function seed(base: string, admin: string): Promise<DemoKeys> {
  const h = { headers: { 'X-API-Key': admin } };
  const contract = await axios.post<{ id: string }>(
    `${base}/contracts`,
    { name: 'Demo Co', handleAllowance: 5, overagePrice: { amount: '12.50', currency: 'USD' }, timezone: 'UTC', billingDay: 1, alertThresholds: [0.8, 1.0] },
    h,
  );
  const app = await axios.post<{ id: string }>(`${base}/contracts/${contract.data.id}/apps`, { name: 'demo app', ...APP }, h);
  for (const handle of HANDLES) {
    await axios.post(`${base}/apps/${app.data.id}/handles`, { screenName: `@${handle.screenName}`, userId: handle.userId, accessToken: handle.accessToken, accessTokenSecret: handle.accessTokenSecret }, h);
  }
  const client = await axios.post<{ key: string }>(`${base}/api-keys`, { name: 'demo client', role: 'client', appId: app.data.id }, h);
  const finance = await axios.post<{ key: string }>(`${base}/api-keys`, { name: 'demo finance', role: 'finance' }, h);
  return { admin, finance: finance.data.key, client: client.data.key, contractId: contract.data.id };
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
