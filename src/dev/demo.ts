/**
 * The newcomer's start command (`npm run demo`): handlemeter on the embedded PostgreSQL in front
 * of the X simulator, with a contract that already has history (demo-seed.ts), and a trickle of
 * calls so the dashboard moves. It prints every key and credential the README's tour uses, and
 * writes them to DATA_DIR/demo.env for a second terminal (development only).
 */
import { INestApplication, Logger } from '@nestjs/common';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createApp, listenEverywhere } from '../app.factory';
import { describeStartupError, ensurePortFree } from '../startup-error';
import { loadConfig } from '../config/app-config';
import { DataDirLock, lockDataDir } from '../database/data-dir-lock';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../database/embedded-postgres';
import { AppLogger } from '../logging/app-logger';
import { CONNECT_OWNER, DEMO_APP, DEMO_HANDLES, SPARE_APP, SPARE_HANDLE } from './demo-credentials';
import { createContract, DemoApi, DemoState, gatewayCall, SEED_STEPS } from './demo-seed';
import { XSimulator } from './x-simulator';

/** One call every few seconds, across the demo's handles: enough to watch, too few to matter. */
const TRICKLE_MS = 10_000;

let sim: XSimulator | undefined;
let embedded: EmbeddedDatabase | null = null;
let app: INestApplication | undefined;
let lock: DataDirLock | undefined;

async function main(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const env = loadConfig();
  const appLogger = new AppLogger({ format: env.logFormat, level: env.logLevel });
  Logger.overrideLogger(appLogger);
  const log = new Logger('demo');
  // The lock first: a second demo on this DATA_DIR stops here, before anything else starts. With
  // DATABASE_URL the directory still holds the demo's keys, so it is still locked.
  if (env.databaseUrl) lock = lockDataDir(env.dataDir);
  else embedded = await startEmbeddedPostgres(env.dataDir);
  await ensurePortFree(env.port);
  sim = await XSimulator.start({
    apps: [DEMO_APP, SPARE_APP],
    tokens: [...DEMO_HANDLES, SPARE_HANDLE],
    perMinuteLimit: 600,
  });
  sim.oauth.account = { ...CONNECT_OWNER };
  const stateFile = path.join(env.dataDir, 'demo-keys.json');
  const saved = fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as DemoState) : null;
  const adminKey = env.adminApiKey ?? saved?.admin ?? `hm_demo_admin_${crypto.randomBytes(16).toString('hex')}`;
  // A demo's webhook receiver is on this machine.
  app = await createApp(
    {
      ...env,
      databaseUrl: env.databaseUrl ?? embedded!.url,
      engagementApiBaseUrl: sim.url,
      xOauthBaseUrl: sim.url,
      adminApiKey: adminKey,
      webhookAllowPrivate: true,
    },
    appLogger,
  );
  await listenEverywhere(app, env.port);
  const base = `http://localhost:${env.port}`;
  const api = new DemoApi(base);
  let state = saved && (await stillValid(api, saved)) ? saved : null;
  if (saved && !state) log.warn(`${stateFile} does not match this database: seeding a new demo contract`);
  if (!state) {
    state = await createContract(api, adminKey);
    for (const step of SEED_STEPS) await step(api, state);
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  }
  const envFile = writeEnvFile(env.dataDir, base, state);
  const trickle = startTrickle(api, state, log);
  process.once('SIGINT', () => void shutdown(trickle).then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown(trickle).then(() => process.exit(0)));
  log.log(banner(base, state, envFile));
}

/** Keys saved by an earlier run work only on the database that run seeded. */
async function stillValid(api: DemoApi, s: DemoState): Promise<boolean> {
  return api.call(s.admin, 'GET', `/contracts/${s.contractId}`).then(
    () => true,
    () => false,
  );
}

/** The tour's variables, for `. ./.data/demo.env` in another terminal. */
function writeEnvFile(dataDir: string, base: string, s: DemoState): string {
  const file = path.join(dataDir, 'demo.env');
  const vars = {
    HM: base,
    ADMIN_KEY: s.admin,
    FINANCE_KEY: s.finance,
    CLIENT_KEY: s.client,
    CONTRACT: s.contractId,
    APP: s.appId,
  };
  const lines = Object.entries(vars).map(([k, v]) => `export ${k}=${v}`);
  fs.writeFileSync(
    file,
    `# Written by npm run demo (development only). In another terminal: . ./.data/demo.env\n${lines.join('\n')}\n`,
    { mode: 0o600 },
  );
  return file;
}

function startTrickle(api: DemoApi, s: DemoState, log: Logger): NodeJS.Timeout {
  let n = 0;
  const timer = setInterval(() => {
    const handle = DEMO_HANDLES[n++ % DEMO_HANDLES.length].screenName;
    gatewayCall(api, s, handle).catch((e: Error) => log.warn(`trickle call for @${handle} failed: ${e.message}`));
  }, TRICKLE_MS);
  timer.unref();
  return timer;
}

function banner(base: string, s: DemoState, envFile: string): string {
  return `
  handlemeter is running on ${base}, in front of a simulated X at ${sim!.url}.
  "Demo Co" has three closed months (the last one over its allowance), a reconciliation with X's
  invoice that does not match, and this month past its 80 % alert; a call every ${TRICKLE_MS / 1000} s keeps it moving.

  Keys (also in ${envFile}; in another terminal: . ./.data/demo.env)
    ADMIN_KEY=${s.admin}
    FINANCE_KEY=${s.finance}
    CLIENT_KEY=${s.client}
    CONTRACT=${s.contractId}
    APP=${s.appId}

  X credentials the simulator accepts, not yet registered (the README's "Set up your own contract"):
    consumer key ${SPARE_APP.consumerKey}, consumer secret ${SPARE_APP.consumerSecret}
    @${SPARE_HANDLE.screenName} (user ID ${SPARE_HANDLE.userId}): access token ${SPARE_HANDLE.accessToken}, secret ${SPARE_HANDLE.accessTokenSecret}

  Dashboard: ${base}/dashboard (sign in with the finance key)    API docs: ${base}/docs
  The tour: README.md, "A five-minute tour".    Stop with Ctrl-C.
`;
}

async function shutdown(trickle?: NodeJS.Timeout): Promise<void> {
  clearInterval(trickle);
  await app?.close().catch(() => undefined);
  await sim?.stop().catch(() => undefined);
  await embedded?.stop().catch(() => undefined);
  lock?.release();
}

main().catch(async (e: Error) => {
  const { sentence, expected } = describeStartupError(e, { port: Number(process.env.PORT ?? 3000) });
  const logger = new Logger('demo');
  logger.fatal(sentence);
  if (!expected) logger.debug(e.stack ?? String(e));
  await shutdown();
  process.exit(1);
});
