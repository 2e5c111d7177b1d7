/**
 * The demo's part for the decisions before spending (issue 16): a preflight of a batch, the
 * renewal plan, and a link that connects a new handle through the simulator's sign-in. The last
 * of the SEED_STEPS (demo-seed.ts), so the preflight sees this month's counted handles.
 */
import { Logger } from '@nestjs/common';
import { Money } from '../common/money';
import { CONNECT_OWNER } from './demo-credentials';
import type { DemoApi, DemoState } from './demo-seed';

interface Preflight {
  alreadyCounted: number;
  new: number;
  notRegistered: string[];
  overageHandles: number;
  overageCost: Money;
}

export async function showDecisions(api: DemoApi, s: DemoState): Promise<void> {
  const batch = { handles: ['@acme', '@acme_support', '1003', '@someone_else'] };
  const preflight = await api.call<Preflight>(s.client, 'POST', `/contracts/${s.contractId}/preflight`, batch);
  const plan = await api.call<{ options: { allowance: number; overageCost: Money }[] }>(
    s.finance,
    'GET',
    `/contracts/${s.contractId}/plan`,
  );
  const link = await api.call<{ authorizeUrl: string }>(s.admin, 'POST', `/apps/${s.appId}/handles/connect`, {});
  const options = plan.options.map((o) => `${o.allowance}: ${o.overageCost.currency} ${o.overageCost.amount}`);
  new Logger('demo').log(`
  Before spending (README.md, "Before spending"):
    Preflight of ${JSON.stringify(batch.handles)}: ${preflight.alreadyCounted} already counted, ${preflight.new} new, not registered ${JSON.stringify(preflight.notRegistered)}, overage ${preflight.overageHandles} (${preflight.overageCost.currency} ${preflight.overageCost.amount})
      curl -s ${api.base}/contracts/${s.contractId}/preflight -H 'X-API-Key: ${s.client}' -H 'Content-Type: application/json' -d '${JSON.stringify(batch)}'
    Renewal plan, the overage each allowance would have cost over the periods so far: ${options.join(', ')}
      ${api.base}/dashboard/contracts/${s.contractId}/plan
    Connect @${CONNECT_OWNER.screenName} without handling its tokens: open this link, approve, and you land on handlemeter's callback page
      ${link.authorizeUrl}
      (pending links: ${api.base}/dashboard/connections, signed in with the admin key)
`);
}
