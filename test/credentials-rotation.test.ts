/**
 * Rotating CREDENTIALS_KEY (issue #7): secrets sealed under key A; every instance moves to
 * CREDENTIALS_KEY=B with CREDENTIALS_KEY_PREVIOUS=A; `npm run credentials:rotate` re-seals every
 * stored secret under B in one transaction; then the service runs on B alone and X still
 * accepts the calls it signs. The command runs as operators run it: `node dist/...` in a child process.
 */
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OAuth from 'oauth-1.0a';
import { SecretBox } from '../src/common/secret-box';
import { createTestDatabase, withClient } from './support/database';
import { expectStatus, seed, Seeded, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

const ROOT = path.resolve(__dirname, '..');
const SCRIPT = path.resolve(
  process.env.HANDLEMETER_DIST ?? path.join(ROOT, 'dist'),
  'src/config/rotate-credentials-key.main.js',
);
const TOTALS = '/insights/engagement/totals';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The rotation command with only the variables given (and a working directory with no .env). */
function rotate(env: Record<string, string>): Promise<Run> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-rotate-'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT],
      { cwd, env: { PATH: process.env.PATH, NODE_PATH: path.join(ROOT, 'node_modules'), ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        fs.rmSync(cwd, { recursive: true, force: true });
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Every sealed value in the database, by where it sits. */
async function sealedValues(url: string): Promise<Record<string, string>> {
  const rows = await withClient(url, (c) =>
    c.query(`SELECT 'app ' || id AS id, consumer_secret_enc AS a, bearer_token_enc AS b FROM apps
             UNION ALL SELECT 'handle ' || id, access_token_enc, access_token_secret_enc FROM handles
             UNION ALL SELECT 'contract ' || id, notify_webhook_url_enc, NULL FROM contracts
             UNION ALL SELECT 'outbox ' || id, target_enc, NULL FROM outbox`),
  );
  const out: Record<string, string> = {};
  for (const r of rows.rows) {
    if (r.a) out[`${r.id} 1`] = r.a;
    if (r.b) out[`${r.id} 2`] = r.b;
  }
  return out;
}

describe('rotating CREDENTIALS_KEY', () => {
  const keyA = crypto.randomBytes(32);
  const keyB = crypto.randomBytes(32);
  const b64 = (k: Buffer) => k.toString('base64');
  let db: { url: string; drop: () => Promise<void> };
  let onA: TestApp;
  let s: Seeded;

  beforeAll(async () => {
    db = await createTestDatabase();
    onA = await startTestApp({ databaseUrl: db.url, config: { credentialsKey: keyA } });
    // A webhook URL is a credential too: the contract's, and the outbox's copy of it once an alert is queued.
    s = await seed(onA, {
      handles: 3,
      contract: {
        handleAllowance: 1,
        alertThresholds: [1.0],
        notify: { emails: [], webhookUrl: 'http://127.0.0.1:9/hooks/rotate-me' },
      },
    });
    // A deleted handle's tokens are destroyed (NULL): nothing to re-seal there.
    const list = await onA.http().get(`/apps/${s.appId}/handles`).set('X-API-Key', ADMIN_KEY);
    const gone = list.body.find((h: { userId: string }) => h.userId === s.handles[2].userId);
    await onA.http().delete(`/apps/${s.appId}/handles/${gone.id}`).set('X-API-Key', ADMIN_KEY).expect(204);
    const res = await onA
      .http()
      .post(TOTALS)
      .set('X-API-Key', s.clientKey)
      .set('X-Handle', s.handles[0].userId)
      .send(totalsBody());
    expectStatus(res, 200);
    await onA.settle();
    await onA.http().post('/jobs/check-alerts').set('X-API-Key', ADMIN_KEY).expect(200);
    await onA.stop();
  });
  afterAll(async () => {
    await onA.close();
    await db.drop();
  });

  it('refuses, changing nothing, when a secret opens with none of the keys given', async () => {
    const before = await sealedValues(db.url);
    const run = await rotate({ DATABASE_URL: db.url, CREDENTIALS_KEY: b64(keyB) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/8 stored secret\(s\) open with none of the keys given, so nothing was changed/);
    expect(run.stderr).toContain(`apps.consumer_secret_enc id=`);
    expect(await sealedValues(db.url)).toEqual(before);
  });

  it('re-seals every secret under the new key; a second run finds nothing to do', async () => {
    const before = await sealedValues(db.url);
    const run = await rotate({ DATABASE_URL: db.url, CREDENTIALS_KEY: b64(keyB), CREDENTIALS_KEY_PREVIOUS: b64(keyA) });
    expect(run).toMatchObject({ code: 0 });
    expect(JSON.parse(run.stdout)).toEqual({
      resealed: 8,
      alreadyCurrent: 0,
      columns: {
        'apps.consumer_secret_enc': { resealed: 1, alreadyCurrent: 0 },
        'apps.bearer_token_enc': { resealed: 1, alreadyCurrent: 0 },
        'handles.access_token_enc': { resealed: 2, alreadyCurrent: 0 },
        'handles.access_token_secret_enc': { resealed: 2, alreadyCurrent: 0 },
        'contracts.notify_webhook_url_enc': { resealed: 1, alreadyCurrent: 0 },
        'outbox.target_enc': { resealed: 1, alreadyCurrent: 0 },
        'handle_connections.request_token_enc': { resealed: 0, alreadyCurrent: 0 },
        'handle_connections.request_token_secret_enc': { resealed: 0, alreadyCurrent: 0 },
      },
    });
    const after = await sealedValues(db.url);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    const onlyA = new SecretBox(keyA);
    const onlyB = new SecretBox(keyB);
    for (const [where, sealed] of Object.entries(after)) {
      expect(() => onlyA.open(sealed)).toThrow();
      expect(onlyB.open(sealed)).toBe(onlyA.open(before[where]));
    }

    const again = await rotate({
      DATABASE_URL: db.url,
      CREDENTIALS_KEY: b64(keyB),
      CREDENTIALS_KEY_PREVIOUS: b64(keyA),
    });
    expect(JSON.parse(again.stdout)).toMatchObject({ resealed: 0, alreadyCurrent: 8 });
    expect(await sealedValues(db.url)).toEqual(after);
  });

  it('then runs on the new key alone: X accepts the calls it signs, and drop-in clients still verify', async () => {
    const onB = await startTestApp({ databaseUrl: db.url, sim: onA.sim, config: { credentialsKey: keyB } });
    try {
      onB.sim.reset();
      const user = await onB
        .http()
        .post(TOTALS)
        .set('X-API-Key', s.clientKey)
        .set('X-Handle', s.handles[1].userId)
        .send(totalsBody());
      expect(user.status).toBe(200);
      const appOnly = await onB
        .http()
        .post(TOTALS)
        .set('X-API-Key', s.clientKey)
        .send(totalsBody(['favorites']));
      expect(appOnly.status).toBe(200);
      // A drop-in client signs with its own secrets; handlemeter verifies with the re-sealed copies.
      const oauth = new OAuth({
        consumer: { key: s.consumerKey, secret: s.consumerSecret },
        signature_method: 'HMAC-SHA1',
        hash_function: (base, key) => crypto.createHmac('sha1', key).update(base).digest('base64'),
      });
      const h = s.handles[0];
      const signed = oauth.toHeader(
        oauth.authorize(
          { url: `${onB.url}${TOTALS}`, method: 'POST' },
          { key: h.accessToken, secret: h.accessTokenSecret },
        ),
      );
      const dropIn = await onB.http().post(TOTALS).set('Authorization', signed.Authorization).send(totalsBody());
      expect(dropIn.status).toBe(200);
      expect(onB.sim.received.map((c) => [c.auth, c.userId, c.status])).toEqual([
        ['oauth1', s.handles[1].userId, 200],
        ['bearer', undefined, 200],
        ['oauth1', h.userId, 200],
      ]);
    } finally {
      await onB.stop();
    }
  });

  it('a service whose key opens none of the stored secrets refuses calls with a clear 503 and sends nothing', async () => {
    // The old key alone, as if CREDENTIALS_KEY were rolled back after the rotation.
    const onOld = await startTestApp({ databaseUrl: db.url, sim: onA.sim, config: { credentialsKey: keyA } });
    try {
      onOld.sim.reset();
      const res = await onOld
        .http()
        .post(TOTALS)
        .set('X-API-Key', s.clientKey)
        .set('X-Handle', s.handles[1].userId)
        .send(totalsBody());
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        statusCode: 503,
        code: 'CREDENTIALS_UNREADABLE',
        details: { owner: `app ${s.appId}` },
      });
      expect(res.body.message).toContain('CREDENTIALS_KEY');
      expect(onOld.sim.received).toEqual([]);
    } finally {
      await onOld.stop();
    }
  });
});
