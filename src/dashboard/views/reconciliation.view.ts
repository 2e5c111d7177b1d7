import { html, Html } from '../../common/html';
import type { ReconciliationView } from '../../billing/reconciliations.service';
import type { DashboardSession } from '../sessions.service';
import { scroll, statusTag } from './contract.view';
import { count, localTime, money, page } from './layout';

export interface ReconciliationPageData {
  contract: { id: string; name: string; timezone: string };
  /** ended periods finance may reconcile, newest first */
  periods: string[];
  reconciliations: ReconciliationView[];
  reasons: Record<string, string>;
}

/** X's invoices against our figures: a form for a new one, the latest with its handles to review, and the earlier ones. */
export function reconciliationPage(d: ReconciliationPageData, session: DashboardSession): string {
  const [latest, ...earlier] = d.reconciliations;
  const tz = d.contract.timezone;
  const body = html`<nav class="crumbs"><a href="/dashboard">Contracts</a> / <a href="/dashboard/contracts/${d.contract.id}">${d.contract.name}</a> / Reconciliations</nav>
<h1>Reconciliations</h1>
<p class="sub">Compare X's invoice for an ended period with handlemeter's count. X does not say in which time zone it cuts its month, so each answer also gives the count cut at 00:00 UTC and the handles near either end of the period. Times in ${tz}.</p>
<form class="inline" method="post" action="/dashboard/contracts/${d.contract.id}/reconciliations">
<label>Period <input name="period" required pattern="\\d{4}-\\d{2}" placeholder="YYYY-MM" value="${d.periods[0] ?? ''}" list="ended-periods"></label>
<datalist id="ended-periods">${d.periods.map((p) => html`<option value="${p}">`)}</datalist>
<label>Handles on X's invoice <input name="invoicedHandles" required inputmode="numeric" pattern="\\d{1,9}"></label>
<label>Overage amount (optional) <input name="invoicedAmount" inputmode="decimal" pattern="\\d{1,15}(\\.\\d{1,2})?" placeholder="475.00"></label>
<button class="primary" type="submit">Reconcile</button>
</form>
${latest ? detail(latest, d, tz) : html`<div class="empty" data-empty="reconciliations">No reconciliation yet. Enter the figures of X's invoice for an ended period above.</div>`}
${
  earlier.length
    ? html`<h2>Earlier reconciliations</h2>${scroll(html`<table class="reconciliations"><thead><tr><th>Created (${tz})</th><th>Period</th><th class="num">X's handles</th><th class="num">Ours</th><th class="num">Difference</th><th>Review</th></tr></thead><tbody>
${earlier.map((r) => html`<tr data-reconciliation="${r.id}"><td>${localTime(r.createdAt, tz)}</td><td>${r.period.key}</td><td class="num">${count(r.invoicedHandles)}</td><td class="num">${count(r.ourHandles)}</td><td class="num">${signed(r.difference)}</td><td><a href="/dashboard/contracts/${d.contract.id}/reconciliations/${r.id}/handles.csv" download>CSV</a></td></tr>`)}
</tbody></table>`)}`
    : ''
}`;
  return page(`Reconciliations · ${d.contract.name}`, body, session);
}

function detail(r: ReconciliationView, d: ReconciliationPageData, tz: string): Html {
  const item = (name: string, label: string, value: string, note: string | null = null) =>
    html`<div><dt>${label}</dt><dd data-figure="${name}">${value}</dd>${note ? html`<dd class="note">${note}</dd>` : ''}</div>`;
  return html`<section class="reconciliation" data-reconciliation="${r.id}">
<h2>Period ${r.period.key} ${statusTag(statusOf(r))} <span class="when">reconciled ${localTime(r.createdAt, tz)}, from the ${r.basis === 'statement' ? 'closed statement' : 'live count (the close has not run yet)'}</span></h2>
<p class="${r.matches ? 'ok' : 'error'}" role="status" data-summary>${r.matches ? 'The invoice matches. ' : ''}${r.review.summary}</p>
<dl class="figures">
${item('invoicedHandles', "X's handles", count(r.invoicedHandles))}
${item('ourHandles', 'Our handles', count(r.ourHandles))}
${item('difference', 'Difference', signed(r.difference), 'X minus ours')}
${item('invoicedAmount', "X's overage amount", r.invoicedAmount ? money(r.invoicedAmount) : '—', r.amountDifference ? `difference ${money(r.amountDifference)}` : null)}
${item('ourAmount', 'Our overage amount', money(r.ourAmount), `X's count would cost ${money(r.expectedAmountForInvoicedHandles)}`)}
${r.utcCutoff ? item('utcCutoff', 'Ours, cut at 00:00 UTC', count(r.utcCutoff.uniqueHandles), `difference to X ${signed(r.utcCutoff.difference)}`) : ''}
${r.boundary ? item('boundary', `Near the ends (${r.boundary.hours} h)`, `${count(r.boundary.nearStart)} / ${count(r.boundary.nearEnd)}`, 'first counted near the start / near the end') : ''}
</dl>
<h2>Handles to review <a class="button" data-csv="review" href="/dashboard/contracts/${d.contract.id}/reconciliations/${r.id}/handles.csv" download>CSV</a></h2>
${
  r.review.handles.length
    ? scroll(html`<table class="review"><thead><tr><th>Handle</th><th>User ID</th><th>Why</th></tr></thead><tbody>
${r.review.handles.slice(0, 200).map((h) => html`<tr data-reason="${h.reason}"><td>${h.screenName ? `@${h.screenName}` : '—'}</td><td>${h.userId}</td><td>${d.reasons[h.reason] ?? h.reason}</td></tr>`)}
</tbody></table>`)
    : html`<div class="empty" data-empty="review">No handle needs a look.</div>`
}
${r.review.handles.length > 200 ? html`<p class="sub">The first 200 of ${count(r.review.handles.length)} shown; the CSV has all of them.</p>` : ''}
</section>`;
}

/** Reconciliations stored before periods had a status have `closed` only. */
function statusOf(r: ReconciliationView): 'ended' | 'closed' {
  const p = r.period as { status?: string; closed?: boolean };
  return p.status === 'closed' || (p.status === undefined && p.closed) ? 'closed' : 'ended';
}

function signed(n: number): string {
  return n > 0 ? `+${count(n)}` : count(n);
}
