import type { PeriodStatus } from '../../billing/periods.service';
import { html, Html } from '../../common/html';
import { Money } from '../../common/money';
import type { ProjectionView } from '../../forecast/forecast.service';
import type { AppUsage } from '../../usage/chargeback.service';
import type { DashboardSession } from '../sessions.service';
import { chart, ChartInput } from './chart';
import { count, localTime, money, moneyRange, page } from './layout';

export interface ContractPageData {
  contract: { id: string; name: string; timezone: string; countPolicy: string; enforcement: string };
  period: { key: string; firstDay: string; lastDay: string; status: PeriodStatus };
  usage: {
    uniqueHandles: number;
    allowance: number;
    remaining: number;
    overageHandles: number;
    overageCost: Money;
    calls: number;
    asOf: Date;
  };
  projection: ProjectionView | null;
  /** null when the period has no handles yet: the empty state */
  chart: ChartInput | null;
  /** Chargeback: which app counted which handles (GET /contracts/:id/apps/usage). */
  apps: AppUsage[];
  topHandles: { userId: string; screenName: string | null; calls: number; firstSeen: Date; confirmed: boolean }[];
  alerts: {
    kind: string;
    threshold: number | null;
    period: string;
    message: string;
    raisedAt: Date;
    channels: Delivery[];
  }[];
  periods: {
    key: string;
    status: PeriodStatus;
    closedAt?: Date;
    uniqueHandles: number;
    allowance: number;
    overageHandles: number;
    overageCost: Money;
    calls: number;
    restated: boolean;
  }[];
}

interface Delivery {
  channel: string;
  status: string;
  attempts?: number;
  lastError?: string | null;
}

/**
 * Bodies already rendered from one set of figures, for admins and for the others (the only way a
 * session changes the body): the people sharing one read of a contract page (DashboardService)
 * share its rendering too, and only the header is each session's own.
 */
const bodies = new WeakMap<ContractPageData, Map<boolean, Html>>();

export function contractPage(d: ContractPageData, session: DashboardSession): string {
  const admin = session.role === 'admin';
  let rendered = bodies.get(d);
  if (!rendered) bodies.set(d, (rendered = new Map<boolean, Html>()));
  let body = rendered.get(admin);
  if (!body) rendered.set(admin, (body = contractBody(d, admin)));
  return page(d.contract.name, body, session);
}

function contractBody(d: ContractPageData, admin: boolean): Html {
  const tz = d.contract.timezone;
  return html`<nav class="crumbs"><a href="/dashboard">Contracts</a> / ${d.contract.name} · <a data-link="plan" href="/dashboard/contracts/${d.contract.id}/plan">Renewal plan</a></nav>
<h1>${d.contract.name}</h1>
<p class="sub">Period <strong data-period="${d.period.key}">${d.period.key}</strong> ${statusTag(d.period.status)}: ${d.period.firstDay} to ${d.period.lastDay} (time zone <span data-timezone>${tz}</span>) · counting ${d.contract.countPolicy} handles · enforcement ${d.contract.enforcement} · as of ${localTime(d.usage.asOf, tz)}</p>
<p class="links"><a href="/dashboard/contracts/${d.contract.id}/reconciliations">Reconciliations with X's invoices</a></p>
${figures(d)}
<h2>Unique handles this period</h2>
${
  d.chart
    ? html`<div class="chart-card">${chart(d.chart)}
<div class="legend"><span class="l-actual">counted so far</span><span class="l-allowance">allowance</span><span class="l-projection">projection</span><span class="l-band">projection band</span><span class="l-today">now</span></div>
<p class="axis-note">Cumulative unique handles by local day (${tz}).</p></div>`
    : html`<div class="empty" data-empty="period">No handles counted in ${d.period.key} yet. The chart starts with the first user-context call through the gateway.</div>`
}
<h2>Which app used the handles</h2>
${appsTable(d.apps)}
<h2>Top handles this period</h2>
${
  d.topHandles.length
    ? scroll(html`<table class="top-handles"><thead><tr><th>Handle</th><th>User ID</th><th class="num">Calls</th><th>First seen (${tz})</th><th>Confirmed by X</th></tr></thead><tbody>
${d.topHandles.map((h) => html`<tr><td>${h.screenName ? `@${h.screenName}` : '—'}</td><td>${h.userId}</td><td class="num">${count(h.calls)}</td><td>${localTime(h.firstSeen, tz)}</td><td>${h.confirmed ? 'yes' : 'not yet'}</td></tr>`)}
</tbody></table>`)
    : html`<div class="empty" data-empty="handles">No handles yet.</div>`
}
<h2>Alerts</h2>
${
  d.alerts.length
    ? scroll(html`<table class="alerts"><thead><tr><th>Raised (${tz})</th><th>Period</th><th>Alert</th><th>Delivery</th></tr></thead><tbody>
${d.alerts.map((a) => html`<tr><td>${localTime(a.raisedAt, tz)}</td><td>${a.period}</td><td>${a.message}</td><td>${a.channels.length ? a.channels.map((c) => delivery(c, admin)) : 'no channel'}</td></tr>`)}
</tbody></table>`)
    : html`<div class="empty" data-empty="alerts">No alerts raised.</div>`
}
<h2>Periods and statements</h2>
${periodsTable(d)}`;
}

/** A table keeps its columns on a phone: it scrolls inside its box, the page does not. */
export function scroll(table: Html): Html {
  return html`<div class="scroll">${table}</div>`;
}

export function statusTag(status: PeriodStatus): Html {
  const label = { open: 'open', ended: 'ended, awaiting close', closed: 'closed' }[status];
  return html`<span class="tag status-${status}" data-status="${status}">${label}</span>`;
}

/** Admins see why a delivery is pending or failed (what to fix); finance sees that it is. */
function delivery(c: Delivery, admin: boolean): Html {
  const trouble = c.status !== 'sent' && (c.attempts ?? 0) > 0;
  const error =
    trouble && c.lastError && admin
      ? html`<span class="delivery-error" data-delivery-error="${c.channel}">${c.lastError}</span>`
      : '';
  const tries = trouble ? ` after ${c.attempts} ${c.attempts === 1 ? 'attempt' : 'attempts'}` : '';
  return html`<div class="delivery"><span class="tag ${c.status === 'failed' ? 'failed' : c.status === 'pending' && trouble ? 'pending' : ''}">${c.channel}: ${c.status}${tries}</span>${error}</div>`;
}

function figures(d: ContractPageData): Html {
  const p = d.projection;
  const over = d.usage.overageHandles > 0;
  const item = (name: string, label: string, value: string, note: Html | string | null, cls = '') =>
    html`<div class="${cls}"><dt>${label}</dt><dd data-figure="${name}">${value}</dd>${note ? html`<dd class="note">${note}</dd>` : ''}</div>`;
  const band = p
    ? html`likely <span data-figure="projectedBand">${count(p.low)}–${count(p.high)}</span> (${p.confidence} confidence)`
    : 'no projection';
  return html`<dl class="figures">
${item('uniqueHandles', 'Unique handles', count(d.usage.uniqueHandles), `of ${count(d.usage.allowance)} allowed`, over ? 'over' : '')}
${item('remaining', 'Remaining', count(d.usage.remaining), over ? `${count(d.usage.overageHandles)} over: ${money(d.usage.overageCost)}` : 'before overage')}
${item('overageCost', 'Overage so far', money(d.usage.overageCost), `${count(d.usage.overageHandles)} handles over`)}
${item('projectedHandles', 'Projected at period end', p ? count(p.uniqueHandles) : '—', band)}
${item('projectedOverageCost', 'Projected overage cost', p ? moneyRange(p.overageCostRange.low, p.overageCostRange.high) : '—', p ? html`most likely <span data-figure="projectedOverageCentral">${money(p.overageCost)}</span>, ${count(p.overageHandles)} handles over` : null, 'range')}
${item('crossingDate', 'Crosses the allowance', p?.exceedsAllowanceOn ?? 'not projected', p?.exceedsAllowanceOn ? (over ? 'already crossed' : 'projected date') : 'within the allowance at period end')}
${item('calls', 'Calls', count(d.usage.calls), 'app-only calls included')}
</dl>`;
}

function periodsTable(d: ContractPageData): Html {
  const id = d.contract.id;
  return scroll(html`<table class="periods"><thead><tr><th>Period</th><th>Status</th><th class="num">Unique handles</th><th class="num">Allowance</th><th class="num">Overage</th><th class="num">Overage cost</th><th class="num">Calls</th><th>Handles</th></tr></thead><tbody>
${d.periods.map(
  (p) => html`<tr data-period="${p.key}"><td>${p.key}</td>
<td>${statusTag(p.status)}${p.status === 'closed' && p.closedAt ? html` <span class="when">statement of ${localTime(p.closedAt, d.contract.timezone)}</span>` : ''}${p.restated ? html` <span class="tag">late calls since</span>` : ''}</td>
<td class="num">${count(p.uniqueHandles)}</td><td class="num">${count(p.allowance)}</td><td class="num">${count(p.overageHandles)}</td><td class="num">${money(p.overageCost)}</td><td class="num">${count(p.calls)}</td>
<td><a data-csv="${p.key}" href="/dashboard/contracts/${id}/periods/${p.key}/handles.csv" download>CSV</a></td></tr>`,
)}
</tbody></table>`);
}

/** Chargeback: what each app of the contract used this period (GET /contracts/:id/apps/usage). */
export function appsTable(rows: AppUsage[]): Html {
  if (!rows.length) return html`<div class="empty" data-empty="apps">No app has made a call this period.</div>`;
  return scroll(html`<table class="apps"><thead><tr><th>App</th><th class="num">Calls</th><th class="num">Handles used</th><th class="num">Counted first</th><th class="num">Overage handles</th><th class="num">Overage cost</th></tr></thead><tbody>
${rows.map((a) => html`<tr data-app="${a.appId ?? 'imported'}"><td>${a.name}</td><td class="num">${count(a.calls)}</td><td class="num">${count(a.handles)}</td><td class="num">${count(a.firstCountedHandles)}</td><td class="num">${count(a.overageHandles)}</td><td class="num">${money(a.overageCost)}</td></tr>`)}
</tbody></table>`);
}
