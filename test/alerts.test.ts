import * as crypto from 'node:crypto';
import { DateTime } from 'luxon';
import { seed, Seeded, callTotals } from './support/fixtures';
import { MailCatcher } from './support/mail-catcher';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

/** Alerts through a real SMTP server and a real webhook receiver, delivered from the durable outbox. */
describe('alerts', () => {
  let t: TestApp;
  let mail: MailCatcher;
  let hooks: WebhookReceiver;

  beforeAll(async () => {
    mail = await MailCatcher.start();
    hooks = await WebhookReceiver.start();
    t = await startTestApp({ config: { smtpUrl: mail.url, outboxRetryBaseMs: 100, schedulersEnabled: true } });
  });
  afterAll(async () => {
    await t.close();
    await mail.stop();
    await hooks.stop();
  });
  beforeEach(() => {
    mail.messages.length = 0;
    hooks.received.length = 0;
    hooks.failNext = 0;
  });

  const notify = () => ({ notify: { emails: ['finance@example.com', 'cfo@example.com'], webhookUrl: hooks.url } });
  const call = (s: Seeded, i: number) => callTotals(t, s, s.handles[i].userId);
  const checkAlerts = () => t.http().post('/jobs/check-alerts').set('X-API-Key', ADMIN_KEY).expect(200);
  const alertsOf = async (s: Seeded) =>
    (await t.http().get(`/contracts/${s.contractId}/alerts`).set('X-API-Key', ADMIN_KEY).expect(200)).body;

  it('fires each threshold once, by email and webhook, and never twice', async () => {
    const s = await seed(t, {
      handles: 10,
      contract: { handleAllowance: 10, alertThresholds: [0.5, 1.0], ...notify() },
    });
    for (let i = 0; i < 5; i++) expect((await call(s, i)).status).toBe(200);
    await checkAlerts();
    await Promise.all([checkAlerts(), checkAlerts(), checkAlerts()]);
    await mail.waitFor(1);
    await hooks.waitFor(1);
    let alerts = await alertsOf(s);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: 'threshold',
      threshold: 0.5,
      figures: { uniqueHandles: 5, allowance: 10 },
    });
    expect(mail.messages).toHaveLength(1);
    expect(mail.messages[0].subject).toContain('Acme');
    expect(mail.messages[0].text).toContain('5 of 10 unique handles');
    expect((mail.messages[0].to as { value: { address: string }[] }).value.map((v) => v.address)).toEqual([
      'finance@example.com',
      'cfo@example.com',
    ]);
    expect(hooks.received).toHaveLength(1);
    expect(hooks.received[0].body.text).toContain('5 of 10 unique handles');
    expect(hooks.received[0].headers['idempotency-key']).toBeTruthy();

    for (let i = 5; i < 10; i++) expect((await call(s, i)).status).toBe(200);
    await checkAlerts();
    // 10 of 10 used early in the month: the projection (from this count, never an older one) may exceed the allowance too.
    alerts = await alertsOf(s);
    await mail.waitFor(alerts.length);
    await hooks.waitFor(alerts.length);
    alerts = await alertsOf(s);
    const thresholds = alerts.filter((a: { kind: string }) => a.kind === 'threshold');
    expect(thresholds.map((a: { threshold: number }) => a.threshold)).toEqual([1, 0.5]);
    expect(alerts.length - thresholds.length).toBeLessThanOrEqual(1);
    expect(thresholds[0].channels).toEqual([
      expect.objectContaining({ channel: 'email', status: 'sent', attempts: 1 }),
      expect.objectContaining({
        channel: 'webhook',
        status: 'sent',
        attempts: 1,
        target: expect.not.stringContaining('/hooks/handlemeter'),
      }),
    ]);
    await checkAlerts();
    await new Promise((r) => setTimeout(r, 300));
    expect(mail.messages).toHaveLength(alerts.length);
    expect(hooks.received).toHaveLength(alerts.length);
  });

  it('is raised when the count changes, without waiting for the scheduled check', async () => {
    const s = await seed(t, { handles: 2, contract: { handleAllowance: 2, alertThresholds: [0.5], ...notify() } });
    expect((await call(s, 0)).status).toBe(200);
    const got = await hooks.waitFor(1, 5_000);
    expect(got[0]?.body.text).toContain('1 of 2 unique handles');
  });

  it('retries a delivery that fails at first until it is delivered', async () => {
    // A receiver of its own: the other contracts' alerts must not use up its failures.
    const flaky = await WebhookReceiver.start();
    try {
      const s = await seed(t, {
        handles: 1,
        contract: { handleAllowance: 1, alertThresholds: [1.0], notify: { emails: [], webhookUrl: flaky.url } },
      });
      flaky.failNext = 2;
      expect((await call(s, 0)).status).toBe(200);
      await checkAlerts();
      await flaky.waitFor(1, 20_000);
      expect(flaky.received).toHaveLength(1);
      expect(flaky.attempts).toBe(3);
      const alerts = await alertsOf(s);
      expect(alerts[0].channels.find((c: { channel: string }) => c.channel === 'webhook')).toMatchObject({
        status: 'sent',
        attempts: 3,
      });
    } finally {
      await flaky.stop();
    }
  });

  it('raises the projection alert before the actual count crosses the allowance', async () => {
    // A period that started 15 days ago (billing day chosen for that), with 20 new handles a day so far.
    const now = DateTime.utc();
    let start = now.minus({ days: 15 }).startOf('day');
    if (start.day > 28) start = now.minus({ days: 12 }).startOf('day');
    const s = await seed(t, {
      handles: 1,
      contract: { handleAllowance: 0, billingDay: start.day, alertThresholds: [], ...notify() },
    });
    const elapsed = Math.floor(now.diff(start, 'days').days);
    const calls = [];
    for (let d = 0; d < elapsed; d++) {
      for (let i = 0; i < 20; i++)
        calls.push({
          id: `p-${d}-${i}`,
          at: start.plus({ days: d, hours: 12 }).toISO(),
          userId: String(500000 + d * 100 + i),
          endpoint: 'totals',
        });
    }
    await t
      .http()
      .post(`/contracts/${s.contractId}/usage/import`)
      .set('X-API-Key', ADMIN_KEY)
      .send({ calls })
      .expect(200);
    const count = calls.length;
    // The allowance sits above today's count but below what the curve reaches by period end.
    await t
      .http()
      .patch(`/contracts/${s.contractId}`)
      .set('X-API-Key', ADMIN_KEY)
      .send({ handleAllowance: count + 20 })
      .expect(200);
    const usage = (await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY).expect(200)).body;
    expect(usage.uniqueHandles).toBe(count);
    expect(usage.projection.uniqueHandles).toBeGreaterThan(count + 20);
    await checkAlerts();
    const alerts = await alertsOf(s);
    expect(alerts).toEqual([
      expect.objectContaining({ kind: 'projection', figures: expect.objectContaining({ uniqueHandles: count }) }),
    ]);
    expect(alerts[0].message).toMatch(/projected to exceed its allowance/);
    await hooks.waitFor(1);
    expect(hooks.received[0].body.text).toMatch(/projected to exceed/);
    await checkAlerts();
    expect(await alertsOf(s)).toHaveLength(1);
  });
});

describe('alerts across a restart', () => {
  it('delivers an alert that was pending at shutdown after the service starts again', async () => {
    const hooks = await WebhookReceiver.start();
    const port = hooks.port;
    await hooks.stop();
    // The same service restarted: the same CREDENTIALS_KEY opens the webhook URL it sealed.
    const credentialsKey = crypto.randomBytes(32);
    const first = await startTestApp({ config: { outboxRetryBaseMs: 100, credentialsKey } });
    const s = await seed(first, {
      handles: 1,
      contract: {
        handleAllowance: 1,
        alertThresholds: [1.0],
        notify: { emails: [], webhookUrl: `http://127.0.0.1:${port}/hook` },
      },
    });
    await callTotals(first, s).expect(200);
    await first.http().post('/jobs/check-alerts').set('X-API-Key', ADMIN_KEY).expect(200);
    const pending = (await first.http().get(`/contracts/${s.contractId}/alerts`).set('X-API-Key', ADMIN_KEY)).body;
    expect(pending[0].channels[0].status).toMatch(/pending|sending/);
    await first.stop();

    const back = await WebhookReceiver.start(port);
    const second = await startTestApp({
      databaseUrl: first.databaseUrl,
      sim: first.sim,
      config: { outboxRetryBaseMs: 100, schedulersEnabled: true, credentialsKey },
    });
    try {
      const got = await back.waitFor(1, 15_000);
      expect(got).toHaveLength(1);
      expect(got[0].body.text).toContain('1 of 1 unique handles');
    } finally {
      await second.close();
      await first.close();
      await back.stop();
    }
  });
});
