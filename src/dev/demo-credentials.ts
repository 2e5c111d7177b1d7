/**
 * The X credentials the demo's simulator accepts. They are the simulator's, not X's: they work
 * only against it. The first app and its handles are registered by the demo itself; the spare
 * app and handle are left for the README's admin set-up to register by hand.
 */
import { SimApp, SimToken } from './x-simulator';

export const DEMO_APP: SimApp = {
  consumerKey: 'demo-consumer-key',
  consumerSecret: 'demo-consumer-secret',
  bearerToken: 'demo-bearer-token',
};

export const DEMO_HANDLES: Array<SimToken & { screenName: string }> = [
  {
    screenName: 'acme',
    userId: '1001',
    accessToken: '1001-demo-access-token',
    accessTokenSecret: 'demo-token-secret-1001',
  },
  {
    screenName: 'acme_support',
    userId: '1002',
    accessToken: '1002-demo-access-token',
    accessTokenSecret: 'demo-token-secret-1002',
  },
  {
    screenName: 'acme_jobs',
    userId: '1003',
    accessToken: '1003-demo-access-token',
    accessTokenSecret: 'demo-token-secret-1003',
  },
];

/** Not registered by the demo: the README's "set up your own contract" registers these. */
export const SPARE_APP: SimApp = { consumerKey: 'sim-consumer-key', consumerSecret: 'sim-consumer-secret' };
export const SPARE_HANDLE: SimToken & { screenName: string } = {
  screenName: 'newsroom',
  userId: '4001',
  accessToken: '4001-sim-access-token',
  accessTokenSecret: 'sim-token-secret',
};

/**
 * Who is signed in at the simulator's sign-in page (X's authorize page): the owner who approves a
 * connect link, so the handle it connects. Registered by no one until then.
 */
export const CONNECT_OWNER = { userId: '1004', screenName: 'acme_devs' };

/** A Tweet ID created `agoMs` before now (X's snowflake layout, docs/x-api-facts.md §5): never too old for /totals. */
export function tweetIdFromNow(agoMs = 3_600_000): string {
  return ((BigInt(Date.now() - agoMs) - 1288834974657n) << 22n).toString();
}
