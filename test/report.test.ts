import { parse } from 'csv-parse/sync';
import type { ParsedMail } from 'mailparser';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { APP_CONFIG, AppConfig } from '../src/config/app-config';
import { OutboxRepository } from '../src/outbox/outbox.repository';
import { BillingPeriod, nextPeriod, periodContaining, previousPeriod } from '../src/periods/billing-period';
import { CloseService } from '../src/billing/close.service';
import { parseAmount } from '../src/common/money';
import { withClient } from './support/database';
import { addApp, addHandle, expectStatus, seed, Seeded, SeededHandle, totalsBody } from './support/fixtures';
import { MailCatcher } from './support/mail-catcher';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/** The monthly report: queued with the statement at the close, delivered from the outbox to a real SMTP server. */
describe('monthly report', () => {
  let t: TestApp;
  let mail: MailCatcher;
  const cycle = { timezone: 'America/New_York', billingDay: 1 };
  const emails = ['finance@example.com', 'cfo@example.com'];

  beforeAll(async () => {
    mail = await MailCatcher.start();
    t = await startTestApp({ config: { smtpUrl: mail.url, outboxRetryBaseMs: 100 } });
  });
  afterAll(async () => {
    await t.close();
    await mail.stop();
  });
  beforeEach(() => void (mail.messages.length = 0));

  const admin = { 'X-API-Key': ADMIN_KEY };
  const close = () => t.http().post('/jobs/close-periods').set(admin).expect(200);
  /** Runs one full delivery pass and waits for it (the alerts job ends with one). */
  const deliverAll = () => t.http().post('/jobs/check-alerts').set(admin).expect(200);
  const at = (p: BillingPeriod, days: number) =>
    new Date(p.start.getTime() + days * 86_400_000 + 3_600_000).toISOString();
  const importCalls = async (s: Seeded, calls: object[]) =>
    expectStatus(await t.http().post(`/contracts/${s.contractId}/usage/import`).set(admin).send({ calls }), 200);
  const reportRows = (contractId: string) =>
    withClient(t.databaseUrl, (c) =>
      c.query(`SELECT id, status, attempts, target FROM outbox WHERE contract_id = $1 AND kind = 'report'`, [
        contractId,
      ]),
    ).then((r) => r.rows);
  const addresses = (m: ParsedMail) =>
    (Array.isArray(m.to) ? m.to : [m.to!]).flatMap((a) => a.value.map((v) => v.address));

  it('sends the statement, the earlier periods and the handle roster as CSV, once', async () => {
    const s = await seed(t, {
      contract: {
        name: 'Acme & Co',
        handleAllowance: 2,
        overagePrice: { amount: '12.35', currency: 'USD' },
        ...cycle,
        notify: { emails, webhookUrl: null },
      },
    });
    const quiet = await seed(t, { contract: { ...cycle } });
    const last = previousPeriod(periodContaining(new Date(), cycle), cycle);
    const before = previousPeriod(last, cycle);
    // The month before: 3 handles. Last month: 5 handles in 6 calls, one of them refused by X.
    await importCalls(
      s,
      ['11', '12', '13'].map((u, i) => ({ id: `b${i}`, at: at(before, i), userId: `90${u}`, endpoint: 'totals' })),
    );
    await importCalls(s, [
      { id: 'l1', at: at(last, 1), userId: '9101', screenName: 'alpha', endpoint: 'totals' },
      { id: 'l2', at: at(last, 2), userId: '9101', screenName: 'alpha', endpoint: '28hr' },
      { id: 'l3', at: at(last, 3), userId: '9102', screenName: 'bravo', endpoint: 'totals' },
      { id: 'l4', at: at(last, 4), userId: '9103', endpoint: 'historical', status: 403 },
      { id: 'l5', at: at(last, 5), userId: '9104', screenName: 'delta', endpoint: 'totals' },
      { id: 'l6', at: at(last, 6), userId: '9105', screenName: 'echo', endpoint: 'totals' },
    ]);
    await importCalls(quiet, [{ id: 'q1', at: at(last, 1), userId: '9201', endpoint: 'totals' }]);

    const closed = (await close()).body.closed;
    expect(closed).toEqual(
      expect.arrayContaining([
        { contractId: s.contractId, period: before.key },
        { contractId: s.contractId, period: last.key },
      ]),
    );
    const [m] = await mail.waitFor(1);
    await deliverAll();

    // One report: the month that just ended. The month before is imported history, closed without an email.
    expect(mail.messages).toHaveLength(1);
    const rows = await reportRows(s.contractId);
    expect(rows).toEqual([expect.objectContaining({ status: 'sent', attempts: 1, target: emails.join(', ') })]);
    expect(m.messageId).toBe(`<${rows[0].id}@handlemeter>`);
    expect(await reportRows(quiet.contractId)).toEqual([]); // no notify.emails, no report

    expect(addresses(m)).toEqual(emails);
    expect(m.subject).toBe(`[handlemeter] Acme & Co: report for ${last.key}: 5 of 2 handles, overage USD 37.05`);
    const statement = (await t.http().get(`/contracts/${s.contractId}/statements/${last.key}`).set(admin).expect(200))
      .body;
    expect(statement).toMatchObject({ uniqueHandles: 5, overageHandles: 3, overageCost: { amount: '37.05' } });
    const text = m.text!;
    expect(text).toContain(`Acme & Co: monthly report for period ${last.key}`);
    for (const line of [
      /Unique handles +5 of 2 allowed\n/,
      /Remaining +0\n/,
      /Overage handles +3 × USD 12\.35\n/,
      /Overage cost +USD 37\.05\n/,
      /Calls +6\n/,
      /Counted +attempted \(attempted 5, confirmed by X 4\)\n/,
      // Imported calls came through no app: the chargeback's line for them (handles used are kept per app only).
      /\nimported \(no app\) +6 +0 +5 +3 +USD 37\.05\nanalytics +0 +0 +0 +0 +USD 0\.00\n/,
      /@alpha \(9101\) +2 calls\n/,
      /\n9103 +1 call \(never confirmed by X\)\n/,
    ]) {
      expect(text).toMatch(line);
    }
    // This period against the one before: 5 handles, +2 (+67%); then 3 handles, 1 over at 12.35.
    expect(text).toMatch(new RegExp(`${last.key}\\s+5\\s+\\+2 \\(\\+67%\\)\\s+2\\s+3\\s+USD 37\\.05`));
    expect(text).toMatch(new RegExp(`${before.key}\\s+3\\s+2\\s+1\\s+USD 12\\.35`));

    const html = String(m.html);
    expect(html).toContain('Acme &amp; Co: period');
    expect(html).toContain('USD 37.05');
    expect(html).toContain('USD 12.35');
    expect(html).not.toMatch(/<(img|script|link)\b|src=|url\(/i); // nothing to load from anywhere

    const csv = (
      await t.http().get(`/contracts/${s.contractId}/periods/${last.key}/handles?format=csv`).set(admin).expect(200)
    ).text;
    expect(m.attachments.map((a) => a.filename)).toEqual([
      `handles-${s.contractId}-${last.key}.csv.gz`,
      `apps-${s.contractId}-${last.key}.csv`,
    ]);
    const [file] = m.attachments;
    expect(file.filename).toBe(`handles-${s.contractId}-${last.key}.csv.gz`);
    expect(file.contentType).toBe('application/gzip');
    expect(zlib.gunzipSync(file.content).toString('utf8')).toBe(csv);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('userId,screenName,firstSeen,lastSeen,calls,confirmed,firstAppId,overage');
    // Imported calls have no app; the allowance of 2 was used up by the first two handles counted.
    expect(lines.slice(1).map((l) => l.split(',').slice(-2).join(','))).toEqual([
      ',false',
      ',false',
      ',true',
      ',true',
      ',true',
    ]);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(['9101', '9102', '9103', '9104', '9105']);

    // Closing again writes nothing and sends nothing.
    expect((await close()).body.closed.filter((c: { contractId: string }) => c.contractId === s.contractId)).toEqual(
      [],
    );
    await deliverAll();
    expect(mail.messages).toHaveLength(1);
    expect(await reportRows(s.contractId)).toHaveLength(1);
  });

  it('names the busiest apps and handles of calls made through the gateway', async () => {
    const s = await seed(t, {
      handles: 3,
      contract: { name: 'Gateway Co', ...cycle, notify: { emails: ['ops@example.com'], webhookUrl: null } },
    });
    const call = (i: number) =>
      t
        .http()
        .post('/insights/engagement/totals')
        .set('X-API-Key', s.clientKey)
        .set('X-Handle', s.handles[i].userId)
        .send(totalsBody());
    for (const i of [0, 0, 0, 1, 1, 2]) expectStatus(await call(i), 200);
    await t.settle();
    // The month ends: the close runs with a clock past the open period's end.
    const open = periodContaining(new Date(), cycle);
    const closed = await t.app
      .get(CloseService)
      .closeEndedPeriods(new Date(nextPeriod(open, cycle).start.getTime() + 120_000));
    expect(closed).toContainEqual({ contractId: s.contractId, period: open.key });
    // The clock closed the other contracts' open periods too: pick this contract's report.
    await mail.waitFor(1);
    await deliverAll();
    const m = mail.messages.find((x) => addresses(x).includes('ops@example.com'))!;
    expect(m.subject).toContain(`report for ${open.key}: 3 of 500 handles, overage USD 0.00`);
    expect(m.text).toMatch(/\nanalytics +6 +3 +3 +0 +USD 0\.00\nTotal +6 +3 +0 +USD 0\.00\n\nBUSIEST HANDLES\n/);
    const [first, second, third] = s.handles;
    expect(m.text).toMatch(
      new RegExp(
        `@${first.screenName} \\(${first.userId}\\)\\s+3 calls\\n@${second.screenName} \\(${second.userId}\\)\\s+2 calls\\n@${third.screenName} \\(${third.userId}\\)\\s+1 call\\n`,
      ),
    );
    expect(m.text).toContain('This is the first closed period.');
  });

  it('carries the chargeback: row for row the API answer, adding up to the statement to the cent, in the text, the HTML and a CSV', async () => {
    const to = 'chargeback@example.com';
    const s = await seed(t, {
      handles: 3,
      contract: {
        name: 'Chargeback Co',
        handleAllowance: 2,
        overagePrice: { amount: '12.35', currency: 'USD' },
        ...cycle,
        notify: { emails: [to], webhookUrl: null },
      },
    });
    const b = await addApp(t, s.contractId, 'billing');
    const [b0, b1] = [await addHandle(t, b.appId), await addHandle(t, b.appId)];
    const [a0, a1, a2] = s.handles;
    const call = async (key: string, h: SeededHandle) => {
      expectStatus(
        await t
          .http()
          .post('/insights/engagement/totals')
          .set('X-API-Key', key)
          .set('X-Handle', h.userId)
          .send(totalsBody()),
        200,
      );
      await t.settle();
    };
    // Counted in this order: a0, a1 (the allowance of 2), then b0, b1, a2 and an imported handle: 4 over at USD 12.35.
    for (const [key, h] of [
      [s.clientKey, a0],
      [s.clientKey, a1],
      [b.clientKey, b0],
      [b.clientKey, b1],
      [s.clientKey, a2],
      [b.clientKey, b0],
    ] as const)
      await call(key, h);
    await importCalls(s, [{ id: 'cb1', at: new Date().toISOString(), userId: '9301', endpoint: 'totals' }]);
    const open = periodContaining(new Date(), cycle);
    await t.app.get(CloseService).closeEndedPeriods(new Date(nextPeriod(open, cycle).start.getTime() + 120_000));
    await deliverAll();
    // The contract's alerts (2 handles allowed) go to the same address: pick the report.
    const isReport = (x: ParsedMail) => addresses(x).includes(to) && x.subject!.includes(`report for ${open.key}`);
    for (let n = 1; !mail.messages.some(isReport); n++) await mail.waitFor(n);
    const m = mail.messages.find(isReport)!;

    const statement = (await t.http().get(`/contracts/${s.contractId}/statements/${open.key}`).set(admin).expect(200))
      .body;
    expect(statement).toMatchObject({
      uniqueHandles: 6,
      overageHandles: 4,
      overageCost: { amount: '49.40', currency: 'USD' },
      calls: 7,
    });
    const api = (await t.http().get(`/contracts/${s.contractId}/apps/usage?period=${open.key}`).set(admin).expect(200))
      .body as {
      appId: string | null;
      name: string;
      calls: number;
      handles: number;
      firstCountedHandles: number;
      overageHandles: number;
      overageCost: { amount: string; currency: string };
    }[];
    const cost = (amount: string) => ({ amount, currency: 'USD' });
    expect(api).toEqual([
      {
        appId: s.appId,
        name: 'analytics',
        calls: 3,
        handles: 3,
        firstCountedHandles: 3,
        overageHandles: 1,
        overageCost: cost('12.35'),
      },
      {
        appId: b.appId,
        name: 'billing',
        calls: 3,
        handles: 2,
        firstCountedHandles: 2,
        overageHandles: 2,
        overageCost: cost('24.70'),
      },
      {
        appId: null,
        name: 'imported (no app)',
        calls: 1,
        handles: 0,
        firstCountedHandles: 1,
        overageHandles: 1,
        overageCost: cost('12.35'),
      },
    ]);

    // The CSV attachment is the API's answer, line for line, the cost as the exact decimal string.
    const file = m.attachments.find((a) => a.filename === `apps-${s.contractId}-${open.key}.csv`)!;
    expect(file.contentType).toBe('text/csv');
    const rows = parse<Record<string, string>>(file.content.toString('utf8'), { columns: true });
    expect(rows).toEqual(
      api.map((a) => ({
        appId: a.appId ?? '',
        name: a.name,
        calls: String(a.calls),
        handles: String(a.handles),
        firstCountedHandles: String(a.firstCountedHandles),
        overageHandles: String(a.overageHandles),
        overageCost: a.overageCost.amount,
        currency: a.overageCost.currency,
      })),
    );
    // Its lines add up to the statement: calls, handles counted first, overage handles, and cost to the cent.
    const sum = (f: (r: Record<string, string>) => bigint) => rows.reduce((n, r) => n + f(r), 0n);
    expect(sum((r) => BigInt(r.calls))).toBe(BigInt(statement.calls));
    expect(sum((r) => BigInt(r.firstCountedHandles))).toBe(BigInt(statement.uniqueHandles));
    expect(sum((r) => BigInt(r.overageHandles))).toBe(BigInt(statement.overageHandles));
    expect(sum((r) => parseAmount(r.overageCost))).toBe(parseAmount(statement.overageCost.amount));

    // The text and the HTML show the same lines, then the statement's total.
    for (const a of api) {
      const figures = [a.calls, a.handles, a.firstCountedHandles, a.overageHandles];
      expect(m.text).toMatch(
        new RegExp(`\n${literal(a.name)} +${figures.join(' +')} +USD ${literal(a.overageCost.amount)}\n`),
      );
      expect(m.html).toMatch(
        new RegExp(
          `>${literal(a.name)}</td>${[...figures, `USD ${a.overageCost.amount}`].map((f) => `<td[^>]*>${literal(String(f))}</td>`).join('')}`,
        ),
      );
    }
    expect(m.text).toMatch(/\nTotal +7 +6 +4 +USD 49\.40\n/);
  });
});

describe('monthly report of a large roster', () => {
  it('links a signed, expiring download instead of attaching a roster over the size limit', async () => {
    const mail = await MailCatcher.start();
    const cycle = { timezone: 'UTC', billingDay: 1 };
    // A limit below this roster's gzipped size: the path a roster of a million handles takes.
    const t = await startTestApp({
      config: {
        smtpUrl: mail.url,
        outboxRetryBaseMs: 100,
        reportAttachMaxBytes: 100,
        publicBaseUrl: 'https://meter.example',
      },
    });
    try {
      const s = await seed(t, {
        contract: { ...cycle, notify: { emails: ['finance@example.com'], webhookUrl: null } },
      });
      const last = previousPeriod(periodContaining(new Date(), cycle), cycle);
      const calls = Array.from({ length: 40 }, (_, i) => ({
        id: `big${i}`,
        at: new Date(last.start.getTime() + 86_400_000 + i * 60_000).toISOString(),
        userId: `${5000 + i}`,
        endpoint: 'totals',
      }));
      await t
        .http()
        .post(`/contracts/${s.contractId}/usage/import`)
        .set('X-API-Key', ADMIN_KEY)
        .send({ calls })
        .expect(200);
      await t.http().post('/jobs/close-periods').set('X-API-Key', ADMIN_KEY).expect(200);
      const [m] = await mail.waitFor(1);
      // The roster is linked; only the chargeback, a few lines, is attached.
      expect(m.attachments.map((a) => a.filename)).toEqual([`apps-${s.contractId}-${last.key}.csv`]);
      const link = /https:\/\/meter\.example(\/reports\/\S+\/handles\.csv\.gz\?expires=\d+&signature=[\w-]+)/.exec(
        m.text!,
      );
      expect(link).not.toBeNull();
      expect(m.html).toContain('https://meter.example/reports/');

      // The link needs no key; what it serves is the period's roster, gzipped.
      const csv = (
        await t
          .http()
          .get(`/contracts/${s.contractId}/periods/${last.key}/handles?format=csv`)
          .set('X-API-Key', ADMIN_KEY)
          .expect(200)
      ).text;
      const got = await t
        .http()
        .get(link![1])
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        })
        .expect(200);
      expect(got.headers['content-type']).toMatch(/application\/gzip/);
      expect(zlib.gunzipSync(got.body as Buffer).toString('utf8')).toBe(csv);
      expect(csv.trim().split('\n')).toHaveLength(41);

      // A changed signature, period or expiry is refused, and so is an expired link.
      const url = new URL(`https://x${link![1]}`);
      const sig = url.searchParams.get('signature')!;
      const expires = Number(url.searchParams.get('expires'));
      const base = `/reports/${s.contractId}/${last.key}/handles.csv.gz`;
      const refused = async (path: string) =>
        expect((await t.http().get(path).expect(401)).body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      await refused(`${base}?expires=${expires}&signature=${sig.slice(0, -2)}xx`);
      await refused(`${base}?expires=${expires + 1}&signature=${sig}`);
      await refused(
        `/reports/${s.contractId}/${previousPeriod(last, cycle).key}/handles.csv.gz?expires=${expires}&signature=${sig}`,
      );
      await refused(`${base}?signature=${sig}`);
      const config = t.app.get<AppConfig>(APP_CONFIG);
      const ttl = config.reportLinkTtlDays;
      config.reportLinkTtlDays = -1; // a link made now that expired a day ago
      try {
        const { ReportLinks } = await import('../src/reports/report-links');
        const stale = t.app.get(ReportLinks).link(s.contractId, last.key).replace('https://meter.example', '');
        await refused(stale);
      } finally {
        config.reportLinkTtlDays = ttl;
      }
    } finally {
      await t.close();
      await mail.stop();
    }
  });
});

describe('monthly report to a slow relay', () => {
  it('keeps its lease while the send runs longer than the lease, so no other pass sends it again', async () => {
    const mail = await MailCatcher.start({ delayMs: 3_500 });
    const cycle = { timezone: 'UTC', billingDay: 1 };
    const t = await startTestApp({ config: { smtpUrl: mail.url, outboxRetryBaseMs: 100, outboxLeaseMs: 1_000 } });
    try {
      const s = await seed(t, {
        contract: { ...cycle, notify: { emails: ['finance@example.com'], webhookUrl: null } },
      });
      const last = previousPeriod(periodContaining(new Date(), cycle), cycle);
      await t
        .http()
        .post(`/contracts/${s.contractId}/usage/import`)
        .set('X-API-Key', ADMIN_KEY)
        .send({
          calls: [
            {
              id: 's1',
              at: new Date(last.start.getTime() + 86_400_000).toISOString(),
              userId: '888',
              endpoint: 'totals',
            },
          ],
        })
        .expect(200);
      await t.http().post('/jobs/close-periods').set('X-API-Key', ADMIN_KEY).expect(200);
      // Another instance's delivery pass, twice while the relay is still taking the message (past the 1 s lease).
      const repo = t.app.get(OutboxRepository);
      for (const wait of [1_500, 1_000]) {
        await new Promise((r) => setTimeout(r, wait));
        expect(await repo.claim(20, 1_000)).toEqual([]);
      }
      await mail.waitFor(1, 10_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(mail.messages).toHaveLength(1);
      const rows = (
        await withClient(t.databaseUrl, (c) =>
          c.query(`SELECT status, attempts FROM outbox WHERE contract_id = $1 AND kind = 'report'`, [s.contractId]),
        )
      ).rows;
      expect(rows).toEqual([{ status: 'sent', attempts: 1 }]);
    } finally {
      await t.close();
      await mail.stop();
    }
  });
});

describe('monthly report across a restart', () => {
  it('is delivered after the service starts again when SMTP was down at the close', async () => {
    const mail = await MailCatcher.start();
    const down = await brokenSmtp();
    const cycle = { timezone: 'UTC', billingDay: 1 };
    const first = await startTestApp({ config: { smtpUrl: `smtp://127.0.0.1:${down.port}`, outboxRetryBaseMs: 100 } });
    let second: TestApp | null = null;
    try {
      const s = await seed(first, {
        contract: { ...cycle, notify: { emails: ['finance@example.com'], webhookUrl: null } },
      });
      const last = previousPeriod(periodContaining(new Date(), cycle), cycle);
      await first
        .http()
        .post(`/contracts/${s.contractId}/usage/import`)
        .set('X-API-Key', ADMIN_KEY)
        .send({
          calls: [
            {
              id: 'r1',
              at: new Date(last.start.getTime() + 86_400_000).toISOString(),
              userId: '777',
              endpoint: 'totals',
            },
          ],
        })
        .expect(200);
      await first.http().post('/jobs/close-periods').set('X-API-Key', ADMIN_KEY).expect(200);
      await first.http().post('/jobs/check-alerts').set('X-API-Key', ADMIN_KEY).expect(200);
      const row = async (db: string) =>
        (
          await withClient(db, (c) =>
            c.query(`SELECT status, attempts, last_error FROM outbox WHERE contract_id = $1 AND kind = 'report'`, [
              s.contractId,
            ]),
          )
        ).rows;
      const pending = await row(first.databaseUrl);
      expect(pending).toEqual([
        expect.objectContaining({ status: 'pending', last_error: expect.stringMatching(/closed|ECONNRESET/i) }),
      ]);
      expect(pending[0].attempts).toBeGreaterThanOrEqual(1);
      await first.stop();

      // The same database, SMTP back, the schedulers on: nobody has to do anything.
      second = await startTestApp({
        databaseUrl: first.databaseUrl,
        sim: first.sim,
        config: { smtpUrl: mail.url, outboxRetryBaseMs: 100, schedulersEnabled: true },
      });
      const got = await mail.waitFor(1, 20_000);
      expect(got).toHaveLength(1);
      expect(got[0].subject).toContain(`report for ${last.key}: 1 of 500 handles`);
      expect(zlib.gunzipSync(got[0].attachments[0].content).toString('utf8')).toMatch(/^userId,.*\n777,/);
      // The server has the message a moment before the sender hears its 250 and marks the row.
      let sent = await row(first.databaseUrl);
      for (let i = 0; i < 100 && sent[0]?.status !== 'sent'; i++)
        sent = await new Promise((r) => setTimeout(r, 50)).then(() => row(first.databaseUrl));
      expect(sent).toEqual([expect.objectContaining({ status: 'sent' })]);
    } finally {
      await second?.stop();
      await first.close();
      await mail.stop();
      await down.close();
    }
  });
});

/** An SMTP port that hangs up on every connection: a mail server that is down, on a port no other test can take. */
async function brokenSmtp(): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = net.createServer((socket) => socket.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
}

function literal(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
