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

  it('a call goes through and counts', async () => {
    const s = await seed(t);
    const res = await t.http().post('/insights/engagement/totals').set('X-API-Key', s.clientKey).set('X-Handle', `@${s.handles[0].screenName}`).send(totalsBody());
    expect(res.status).toBe(200);
    await t.settle();
    const usage = await t.http().get(`/contracts/${s.contractId}/usage`).set('X-API-Key', ADMIN_KEY);
    expect(usage.body.uniqueHandles).toBe(1);
    expect(usage.body.confirmedHandles).toBe(1);
  });
});
