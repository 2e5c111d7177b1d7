import { html } from '../../common/html';
import { Money } from '../../common/money';
import type { DashboardSession } from '../sessions.service';
import { scroll } from './contract.view';
import { count, money, page } from './layout';

export interface ContractListItem {
  id: string;
  name: string;
  timezone: string;
  periodKey: string;
  uniqueHandles: number;
  allowance: number;
  overageCost: Money;
}

export function contractsPage(contracts: ContractListItem[], session: DashboardSession): string {
  const body = contracts.length
    ? scroll(html`<table class="contracts">
<thead><tr><th>Contract</th><th>Open period</th><th class="num">Unique handles</th><th class="num">Allowance</th><th class="num">Overage so far</th><th>Time zone</th></tr></thead>
<tbody>${contracts.map(
        (c) => html`<tr data-contract-id="${c.id}">
<td><a href="/dashboard/contracts/${c.id}">${c.name}</a></td><td>${c.periodKey}</td>
<td class="num">${count(c.uniqueHandles)}</td><td class="num">${count(c.allowance)}</td><td class="num">${money(c.overageCost)}</td><td>${c.timezone}</td></tr>`,
      )}
</tbody></table>`)
    : html`<div class="empty" data-empty="contracts">No contracts yet. An admin creates one with <code>POST /contracts</code>; it shows here at once.</div>`;
  return page(
    'Contracts',
    html`<h1>Contracts</h1><p class="sub">Choose a contract to see its open period, projection, alerts and statements. <a data-link="connections" href="/dashboard/connections">Pending handle connections</a></p>${body}`,
    session,
  );
}
