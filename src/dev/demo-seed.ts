/**
 * What the demo puts in a fresh database, one small step per thing a newcomer should see: a
 * contract with an app, handles and keys; three closed months (one over its allowance) with
 * their statements and report emails; a reconciliation that does not match X's invoice; an open
 * month past its first alert threshold; then it prints the decisions before spending (a preflight,
 * the renewal plan, a link to connect a handle). A feature that wants to be seen in the demo adds a step
 * to SEED_STEPS.
 */
import { DEMO_APP, DEMO_HANDLES, tweetIdFromNow } from './demo-credentials';
import { showDecisions } from './demo-decisions';

export interface DemoState {
  admin: string;
  finance: string;
  client: string;
  contractId: string;
  appId: string;
}

/** The service's HTTP API with one key; throws with the answer's body on anything but 2xx. */
export class DemoApi {
  constructor(readonly base: string) {}

  async call<T = Record<string, unknown>>(
    key: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { 'X-API-Key': key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }
}

export const DEMO_CONTRACT = {
  name: 'Demo Co',
  handleAllowance: 5,
  overagePrice: { amount: '12.50', currency: 'USD' },
  timezone: 'UTC',
  billingDay: 1,
  alertThresholds: [0.8, 1.0],
  notify: { emails: ['finance@demo.example'], webhookUrl: null },
};

/** Handles seen before handlemeter was in the path (imported): the demo app's three and these. */
const IMPORTED = [
  { userId: '2001', screenName: 'acme_news' },
  { userId: '2002', screenName: 'acme_careers' },
  { userId: '2003', screenName: 'acme_events' },
  { userId: '2004', screenName: 'acme_labs' },
];

/** How many distinct handles each past month used, oldest first: under, at, and over the allowance of 5. */
const PAST_MONTHS = [4, 5, 7];

/** The contract, its app and handles, a client key for the app and a finance key. */
export async function createContract(api: DemoApi, admin: string): Promise<DemoState> {
  const contract = await api.call<{ id: string }>(admin, 'POST', '/contracts', DEMO_CONTRACT);
  const app = await api.call<{ id: string }>(admin, 'POST', `/contracts/${contract.id}/apps`, {
    name: 'analytics',
    ...DEMO_APP,
  });
  for (const h of DEMO_HANDLES) {
    await api.call(admin, 'POST', `/apps/${app.id}/handles`, {
      screenName: `@${h.screenName}`,
      userId: h.userId,
      accessToken: h.accessToken,
      accessTokenSecret: h.accessTokenSecret,
    });
  }
  const client = await api.call<{ key: string }>(admin, 'POST', '/api-keys', {
    name: 'demo client',
    role: 'client',
    appId: app.id,
  });
  const finance = await api.call<{ key: string }>(admin, 'POST', '/api-keys', {
    name: 'demo finance',
    role: 'finance',
  });
  return { admin, finance: finance.key, client: client.key, contractId: contract.id, appId: app.id };
}

/** The three months before this one, imported as if they had gone through the gateway, then closed. */
export async function seedPastMonths(api: DemoApi, s: DemoState, now = new Date()): Promise<void> {
  const handles = [...DEMO_HANDLES, ...IMPORTED];
  const calls = PAST_MONTHS.flatMap((count, i) => {
    const start = monthStart(now, i - PAST_MONTHS.length);
    return handles.slice(0, count).flatMap((h, n) =>
      // A few calls per handle, spread over the month's first 27 days.
      [0, 1, 2].map((k) => ({
        id: `demo-${start.toISOString().slice(0, 7)}-${h.userId}-${k}`,
        at: new Date(start.getTime() + ((n * 3 + k * 9) % 27) * 86_400_000 + 3_600_000 * (9 + n)).toISOString(),
        userId: h.userId,
        screenName: h.screenName,
        endpoint: 'totals',
        status: 200,
      })),
    );
  });
  await api.call(s.admin, 'POST', `/contracts/${s.contractId}/usage/import`, { calls });
  await api.call(s.admin, 'POST', '/jobs/close-periods');
}

/** Last month was over its allowance, and X's invoice says one handle more than we counted. */
export async function reconcileLastMonth(api: DemoApi, s: DemoState, now = new Date()): Promise<void> {
  const period = monthStart(now, -1).toISOString().slice(0, 7);
  await api.call(s.admin, 'POST', `/contracts/${s.contractId}/reconciliations`, {
    period,
    invoicedHandles: 8,
    invoicedAmount: { amount: '37.50', currency: 'USD' },
  });
}

/** This month: one imported handle from its first hour, then a call per demo handle through the gateway: 4 of 5, past the 80 % alert. */
export async function seedOpenMonth(api: DemoApi, s: DemoState, now = new Date()): Promise<void> {
  const start = monthStart(now, 0);
  const at = new Date(Math.min(start.getTime() + 3_600_000, now.getTime() - 60_000));
  await api.call(s.admin, 'POST', `/contracts/${s.contractId}/usage/import`, {
    calls: [
      {
        id: `demo-${start.toISOString().slice(0, 7)}-${IMPORTED[0].userId}`,
        at: at.toISOString(),
        ...IMPORTED[0],
        endpoint: 'totals',
        status: 200,
      },
    ],
  });
  for (const h of DEMO_HANDLES) await gatewayCall(api, s, h.screenName);
  await api.call(s.admin, 'POST', '/jobs/check-alerts');
}

export const SEED_STEPS: Array<(api: DemoApi, s: DemoState) => Promise<void>> = [
  seedPastMonths,
  reconcileLastMonth,
  seedOpenMonth,
  showDecisions,
];

/** One /totals call through the gateway in `handle`'s user context, on a Tweet from the last hour. */
export function gatewayCall(api: DemoApi, s: DemoState, handle: string): Promise<unknown> {
  const body = {
    tweet_ids: [tweetIdFromNow()],
    engagement_types: ['impressions', 'engagements', 'favorites'],
    groupings: { perTweet: { group_by: ['tweet.id', 'engagement.type'] } },
  };
  return api.call(s.client, 'POST', '/insights/engagement/totals', body, { 'X-Handle': `@${handle}` });
}

/** 00:00 UTC on the 1st of the month `offset` months from `now`'s (the demo contract's periods). */
function monthStart(now: Date, offset: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
}
