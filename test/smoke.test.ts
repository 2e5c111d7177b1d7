import * as net from 'node:net';
import { seed, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('health', async () => {
    await t.http().get('/health').expect(200, { status: 'ok' });
  });

  it('a request that is not valid HTTP gets the error body too', async () => {
    const { port } = new URL(t.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () =>
        socket.write('POST /insights/engagement/totals HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
      );
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString()));
      socket.on('end', () => resolve(got));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: expect.any(String),
      details: {},
    });
  });

  it('a call goes through and counts', async () => {
    const s = await seed(t);
    const res = await t
      .http()
      .post('/insights/engagement/totals')
      .set('X-API-Key', s.clientKey)
      .set('X-Handle', `@${s.handles[0].screenName}`)
      .send(totalsBody());
    expect(res.status).toBe(200);
    await t.settle();
    const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY);
    expect(usage.body.uniqueHandles).toBe(1);
    expect(usage.body.confirmedHandles).toBe(1);
  });
});
