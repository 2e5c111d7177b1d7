/**
 * The demo's part for the decisions before spending (issue 16): a preflight of a batch, the
 * renewal plan, and a link that connects a new handle through the simulator's sign-in.
 * `npm run demo` (src/dev/demo.ts) calls it once the service is up and seeded.
 */
import { Logger } from '@nestjs/common';
import axios from 'axios';
import { XSimulator } from './x-simulator';

interface Money {
  amount: string;
  currency: string;
}
interface Preflight {
  alreadyCounted: number;
  new: number;
  notRegistered: string[];
  overageHandles: number;
  overageCost: Money;
}

export async function showDecisions(
  base: string,
  keys: { admin: string; finance: string; client: string; contractId: string },
  sim: XSimulator,
): Promise<void> {
  const as = (key: string) => ({ headers: { 'X-API-Key': key } });
  const batch = { handles: ['@acme', '@acme_support', '1003', '@not_registered'] };
  const preflight = (
    await axios.post<Preflight>(`${base}/contracts/${keys.contractId}/preflight`, batch, as(keys.client))
  ).data;
  const plan = (
    await axios.get<{ options: { allowance: number; overageCost: Money }[] }>(
      `${base}/contracts/${keys.contractId}/plan`,
      as(keys.finance),
    )
  ).data;
  const [app] = (await axios.get<{ id: string }[]>(`${base}/contracts/${keys.contractId}/apps`, as(keys.admin))).data;
  // Whoever approves at the simulator's sign-in page becomes the handle: a fourth demo account.
  sim.oauth.account = { userId: '1004', screenName: 'acme_news' };
  const link = (
    await axios.post<{ authorizeUrl: string }>(`${base}/apps/${app.id}/handles/connect`, {}, as(keys.admin))
  ).data;
  const options = plan.options.map((o) => `${o.allowance}: ${o.overageCost.amount}`).join(', ');
  new Logger('demo').log(`
  Before spending:
    Preflight of ${JSON.stringify(batch.handles)}: ${preflight.alreadyCounted} already counted, ${preflight.new} new, not registered ${JSON.stringify(preflight.notRegistered)}, overage ${preflight.overageHandles} (${preflight.overageCost.currency} ${preflight.overageCost.amount})
      curl -s ${base}/contracts/${keys.contractId}/preflight -H 'X-API-Key: ${keys.client}' -H 'Content-Type: application/json' -d '${JSON.stringify(batch)}'
    Renewal plan (allowance: overage cost over the periods so far): ${options}
      ${base}/dashboard/contracts/${keys.contractId}/plan
    Connect @acme_news without handling its tokens: open this link, approve, and you land on handlemeter's callback page
      ${link.authorizeUrl}
      (pending links: ${base}/dashboard/connections, signed in with the admin key)
`);
}
