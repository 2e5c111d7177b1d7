import { html, Html } from '../../common/html';
import { Money } from '../../common/money';
import type { DashboardSession } from '../sessions.service';
import { chart, ChartInput } from './chart';
import { count, localTime, money, page } from './layout';

export interface ContractPageData {
  contract: { id: string; name: string; timezone: string; countPolicy: string; enforcement: string };
  period: { key: string; firstDay: string; lastDay: string };
  usage: { uniqueHandles: number; allowance: number; remaining: number; overageHandles: number; overageCost: Money; calls: number; asOf: Date };
  projection: { uniqueHandles: number; low: number; high: number; overageHandles: number; overageCost: Money; exceedsAllowanceOn: string | null; confidence: string } | null;
  /** null when the period has no handles yet: the empty state */
  chart: ChartInput | null;
  topHandles: { userId: string; screenName: string | null; calls: number; firstSeen: Date; confirmed: boolean }[];
  alerts: { kind: string; threshold: number | null; period: string; message: string; raisedAt: Date; channels: { channel: string; status: string }[] }[];
  periods: { key: string; closed: boolean; closedAt?: Date; uniqueHandles: number; allowance: number; overageHandles: number; overageCost: Money; calls: number; restated: boolean }[];
}

export function contractPage(d: ContractPageData, session: DashboardSession): string {
  const tz = d.contract.timezone;
  const body = html`<nav class="crumbs"><a href="/dashboard">Contracts</a> / ${d.contract.name} · <a data-link="plan" href="/dashboard/contracts/${d.contract.id}/plan">Renewal plan</a></nav>
<h1>${d.contract.name}</h1>
<p class="sub">Period <strong data-period="${d.period.key}">${d.period.key}</strong>: ${d.period.firstDay} to ${d.period.lastDay} (${tz}) · counting ${d.contract.countPolicy} handles · enforcement ${d.contract.enforcement} · as of ${localTime(d.usage.asOf, tz)}</p>
${figures(d)}
<h2>Unique handles this period</h2>
${d.chart ? html`<div class="chart-card">${chart(d.chart)}
<div class="legend"><span class="l-actual">counted so far</span><span class="l-allowance">allowance</span><span class="l-projection">projection</span><span class="l-band">projection band</span></div></div>`
    : html`<div class="empty" data-empty="period">No handles counted in ${d.period.key} yet. The chart starts with the first user-context call through the gateway.</div>`}
<h2>Top handles this period</h2>
${d.topHandles.length ? html`<table class="top-handles"><thead><tr><th>Handle</th><th>User ID</th><th class="num">Calls</th><th>First seen</th><th>Confirmed by X</th></tr></thead><tbody>
${d.topHandles.map((h) => html`<tr><td>${h.screenName ? `@${h.screenName}` : '—'}</td><td>${h.userId}</td><td class="num">${count(h.calls)}</td><td>${localTime(h.firstSeen, tz)}</td><td>${h.confirmed ? 'yes' : 'not yet'}</td></tr>`)}
</tbody></table>` : html`<div class="empty" data-empty="handles">No handles yet.</div>`}
<h2>Alerts</h2>
${d.alerts.length ? html`<table class="alerts"><thead><tr><th>Raised</th><th>Period</th><th>Alert</th><th>Delivery</th></tr></thead><tbody>
${d.alerts.map((a) => html`<tr><td>${localTime(a.raisedAt, tz)}</td><td>${a.period}</td><td>${a.message}</td><td>${a.channels.length ? a.channels.map((c) => html`<span class="tag ${c.status === 'failed' ? 'failed' : ''}">${c.channel}: ${c.status}</span> `) : 'no channel'}</td></tr>`)}
</tbody></table>` : html`<div class="empty" data-empty="alerts">No alerts raised.</div>`}
<h2>Periods and statements</h2>
${periodsTable(d)}`;
  return page(d.contract.name, body, session);
}

function figures(d: ContractPageData): Html {
  const p = d.projection;
  const over = d.usage.overageHandles > 0;
  const item = (name: string, label: string, value: string, note: string | null, cls = '') =>
    html`<div class="${cls}"><dt>${label}</dt><dd data-figure="${name}">${value}</dd>${note ? html`<dd class="note">${note}</dd>` : ''}</div>`;
  return html`<dl class="figures">
${item('uniqueHandles', 'Unique handles', count(d.usage.uniqueHandles), `of ${count(d.usage.allowance)} allowed`, over ? 'over' : '')}
${item('remaining', 'Remaining', count(d.usage.remaining), over ? `${count(d.usage.overageHandles)} over: ${money(d.usage.overageCost)}` : 'before overage')}
${item('projectedHandles', 'Projected at period end', p ? count(p.uniqueHandles) : '—', p ? `band ${count(p.low)} to ${count(p.high)} (${p.confidence} confidence)` : 'no projection')}
${item('projectedOverageCost', 'Projected overage cost', p ? money(p.overageCost) : '—', p ? `${count(p.overageHandles)} handles over` : null)}
${item('crossingDate', 'Crosses the allowance', p?.exceedsAllowanceOn ?? 'not projected', p?.exceedsAllowanceOn ? (over ? 'already crossed' : 'projected date') : 'within the allowance at period end')}
${item('calls', 'Calls', count(d.usage.calls), 'app-only calls included')}
</dl>`;
}

function periodsTable(d: ContractPageData): Html {
  const id = d.contract.id;
  return html`<table class="periods"><thead><tr><th>Period</th><th>Status</th><th class="num">Unique handles</th><th class="num">Allowance</th><th class="num">Overage</th><th class="num">Overage cost</th><th class="num">Calls</th><th>Handles</th></tr></thead><tbody>
${d.periods.map((p) => html`<tr data-period="${p.key}"><td>${p.key}</td>
<td>${p.closed ? html`<span class="tag closed">statement, closed ${localTime(p.closedAt!, d.contract.timezone)}</span>${p.restated ? html` <span class="tag">late calls since</span>` : ''}` : html`<span class="tag">open</span>`}</td>
<td class="num">${count(p.uniqueHandles)}</td><td class="num">${count(p.allowance)}</td><td class="num">${count(p.overageHandles)}</td><td class="num">${money(p.overageCost)}</td><td class="num">${count(p.calls)}</td>
<td><a data-csv="${p.key}" href="/dashboard/contracts/${id}/periods/${p.key}/handles.csv" download>CSV</a></td></tr>`)}
</tbody></table>`;
}
