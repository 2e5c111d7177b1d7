import { html } from '../common/html';
import { Money } from '../common/money';
import type { DashboardSession } from '../dashboard/sessions.service';
import { count, money, page } from '../dashboard/views/layout';
import { planChart } from './plan-chart';

export interface PlanPageData {
  contract: { id: string; name: string };
  plan: {
    currentAllowance: number;
    overagePrice: Money;
    periods: { period: string; uniqueHandles: number; projected: boolean; allowance: number }[];
    options: { allowance: number; overageHandles: number; overageCost: Money; perPeriod: number[]; current: boolean }[];
  };
  allowances: string | undefined;
}

/** The renewal conversation on one page: what each allowance would have cost, per period and in all. */
export function planPage(d: PlanPageData, session: DashboardSession): string {
  const { plan } = d;
  const body = html`<nav class="crumbs">
      <a href="/dashboard">Contracts</a> / <a href="/dashboard/contracts/${d.contract.id}">${d.contract.name}</a> /
      Renewal plan
    </nav>
    <h1>Renewal plan</h1>
    <p class="sub">
      ${d.contract.name}: the overage each allowance would have cost over the last ${plan.periods.length - 1} closed
      periods and the open period's projection, at today's price of ${money(plan.overagePrice)} a handle.
    </p>
    <form method="get" class="plan-form">
      <label for="allowances">Allowances to compare</label>
      <input
        id="allowances"
        name="allowances"
        value="${d.allowances ?? plan.options.map((o) => o.allowance).join(',')}"
        inputmode="numeric"
        spellcheck="false"
      />
      <button type="submit">Compare</button>
    </form>
    <h2>Allowance options</h2>
    <table class="plan-options">
      <thead>
        <tr>
          <th class="num">Allowance</th>
          <th class="num">Overage handles</th>
          <th class="num">Overage cost</th>
          <th class="num">Per period (average)</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${plan.options.map(
          (o) =>
            html`<tr data-allowance="${o.allowance}">
              <td class="num">${count(o.allowance)}</td>
              <td class="num" data-figure="overageHandles">${count(o.overageHandles)}</td>
              <td class="num" data-figure="overageCost">${money(o.overageCost)}</td>
              <td class="num">${(o.overageHandles / Math.max(1, plan.periods.length)).toFixed(1)}</td>
              <td>${o.current ? html`<span class="tag">current</span>` : ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Unique handles per period</h2>
    <div class="chart-card">${planChart(plan)}</div>
    <table class="plan-periods">
      <thead>
        <tr>
          <th>Period</th>
          <th class="num">Unique handles</th>
          <th class="num">Allowance then</th>
          ${plan.options.map((o) => html`<th class="num">Over ${count(o.allowance)}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${plan.periods.map(
          (p, i) =>
            html`<tr data-period="${p.period}">
              <td>${p.period}${p.projected ? html` <span class="tag">projected</span>` : ''}</td>
              <td class="num">${count(p.uniqueHandles)}</td>
              <td class="num">${count(p.allowance)}</td>
              ${plan.options.map((o) => html`<td class="num">${count(o.perPeriod[i])}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>`;
  return page(`Renewal plan · ${d.contract.name}`, body, session);
}
