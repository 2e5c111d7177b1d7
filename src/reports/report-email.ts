import { UsageFigures } from '../billing/figures';
import { toCsv } from '../common/csv';
import { html, Html } from '../common/html';
import { Money } from '../common/money';
import { AppUsage } from '../usage/chargeback.service';

/** Everything a monthly report says, gathered by ReportsService from the statement and its frozen handle set. */
export interface ReportData {
  contractId: string;
  contractName: string;
  period: { key: string; firstDay: string; lastDay: string; timezone: string };
  statement: UsageFigures & { closedAt: Date };
  /** up to six earlier statements, newest first */
  earlier: PeriodLine[];
  /** the chargeback, busiest app first: the lines of GET /contracts/:id/apps/usage, which add up to the statement */
  apps: AppUsage[];
  handles: { userId: string; screenName: string | null; calls: number; confirmed: boolean }[];
  csvFilename: string;
  /** a signed, expiring download link of the roster when it is too large to attach, else null (it is attached) */
  csvLink: string | null;
  /** a link to the contract's dashboard page, when PUBLIC_BASE_URL says where handlemeter is */
  dashboardUrl: string | null;
}

export interface PeriodLine {
  key: string;
  uniqueHandles: number;
  allowance: number;
  overageHandles: number;
  overageCost: Money;
  calls: number;
}

export interface ReportEmail {
  subject: string;
  text: string;
  html: string;
}

/** The report as a mail client shows it: a plain-text part and an HTML part with inline styles and tables only. */
export function renderReport(d: ReportData): ReportEmail {
  const s = d.statement;
  const subject = `[handlemeter] ${d.contractName}: report for ${d.period.key}: ${count(s.uniqueHandles)} of ${count(s.allowance)} handles, overage ${money(s.overageCost)}`;
  return { subject, text: text(d), html: page(d).value };
}

function statementLines(d: ReportData): [string, string][] {
  const s = d.statement;
  return [
    ['Unique handles', `${count(s.uniqueHandles)} of ${count(s.allowance)} allowed`],
    ['Remaining', count(s.remaining)],
    ['Overage handles', `${count(s.overageHandles)} × ${money(s.overagePrice)}`],
    ['Overage cost', money(s.overageCost)],
    ['Calls', count(s.calls)],
    [
      'Counted',
      `${s.countPolicy} (attempted ${count(s.attemptedHandles)}, confirmed by X ${count(s.confirmedHandles)})`,
    ],
  ];
}

/** This period, then the earlier ones, each with its change from the one before it. */
function comparison(d: ReportData): (PeriodLine & { change: string })[] {
  const s = d.statement;
  const lines: PeriodLine[] = [
    {
      key: d.period.key,
      uniqueHandles: s.uniqueHandles,
      allowance: s.allowance,
      overageHandles: s.overageHandles,
      overageCost: s.overageCost,
      calls: s.calls,
    },
    ...d.earlier,
  ];
  return lines.map((l, i) => ({
    ...l,
    change: i + 1 < lines.length ? change(l.uniqueHandles, lines[i + 1].uniqueHandles) : '',
  }));
}

function text(d: ReportData): string {
  const out: string[] = [
    `${d.contractName}: monthly report for period ${d.period.key}`,
    `${d.period.firstDay} to ${d.period.lastDay} (${d.period.timezone}), closed ${d.statement.closedAt.toISOString()}`,
    '',
    'STATEMENT',
    ...statementLines(d).map(([k, v]) => `${k.padEnd(17)}${v}`),
    '',
    'COMPARED WITH EARLIER PERIODS',
  ];
  if (d.earlier.length) {
    out.push(row(['Period', 'Handles', 'Change', 'Allowance', 'Overage', 'Overage cost']));
    for (const l of comparison(d))
      out.push(
        row([
          l.key,
          count(l.uniqueHandles),
          l.change,
          count(l.allowance),
          count(l.overageHandles),
          money(l.overageCost),
        ]),
      );
  } else out.push('This is the first closed period.');
  out.push('', 'CHARGEBACK: WHICH APP COUNTED THE HANDLES');
  if (!d.apps.length) out.push('No calls in this period.');
  else
    for (const cells of [APP_COLUMNS, ...chargeback(d)])
      out.push(cells.map((c, i) => (i === 0 ? c.padEnd(APP_WIDTHS[0]) : c.padStart(APP_WIDTHS[i]))).join(' '));
  out.push('', 'BUSIEST HANDLES');
  if (!d.handles.length) out.push('No handles in this period.');
  for (const h of d.handles)
    out.push(`${handleName(h).padEnd(36)} ${calls(h.calls)}${h.confirmed ? '' : ' (never confirmed by X)'}`);
  out.push('', attachmentNote(d));
  if (d.dashboardUrl) out.push(`Dashboard: ${d.dashboardUrl}`);
  out.push('', '-- handlemeter');
  return out.join('\n') + '\n';
}

const TD = 'padding:4px 12px 4px 0;border-bottom:1px solid #e5e7eb;';
const TD_NUM = `${TD}text-align:right;font-variant-numeric:tabular-nums;`;
const TH = 'padding:4px 12px 4px 0;border-bottom:2px solid #d1d5db;text-align:left;font-weight:600;';
const H2 = 'font-size:16px;margin:24px 0 8px;color:#111827;';

function page(d: ReportData): Html {
  const s = d.statement;
  const cells = (values: (string | number)[], numericFrom = 1) =>
    values.map((v, i) => html`<td style="${i >= numericFrom ? TD_NUM : TD}">${v}</td>`);
  return html`<!doctype html>
<html><head><meta charset="utf-8"><title>${d.contractName}: report for ${d.period.key}</title></head>
<body style="margin:0;padding:24px;background:#f9fafb;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#111827;font-size:14px;">
<div style="max-width:680px;margin:0 auto;background:#ffffff;border:1px solid #e5e7eb;border-radius:8px;padding:24px;">
<h1 style="font-size:20px;margin:0 0 4px;">${d.contractName}: period ${d.period.key}</h1>
<p style="margin:0 0 16px;color:#4b5563;">${d.period.firstDay} to ${d.period.lastDay} (${d.period.timezone}), closed ${s.closedAt.toISOString()}</p>
<p style="margin:0 0 16px;font-size:16px;"><strong>${count(s.uniqueHandles)}</strong> unique handles of <strong>${count(s.allowance)}</strong> allowed:
${s.overageHandles ? html`<strong style="color:#b91c1c;">${count(s.overageHandles)} over, ${money(s.overageCost)}</strong>` : html`<strong style="color:#047857;">no overage</strong>`}.</p>
<h2 style="${H2}">Statement</h2>
<table role="presentation" cellspacing="0" cellpadding="0" style="border-collapse:collapse;">
${statementLines(d).map(([k, v]) => html`<tr><td style="${TD}color:#4b5563;">${k}</td><td style="${TD}">${v}</td></tr>`)}
</table>
<h2 style="${H2}">Compared with earlier periods</h2>
${
  d.earlier.length
    ? html`<table cellspacing="0" cellpadding="0" style="border-collapse:collapse;width:100%;">
<tr>${['Period', 'Handles', 'Change', 'Allowance', 'Overage', 'Overage cost'].map((h, i) => html`<th style="${TH}${i ? 'text-align:right;' : ''}">${h}</th>`)}</tr>
${comparison(d).map((l) => html`<tr>${cells([l.key, count(l.uniqueHandles), l.change, count(l.allowance), count(l.overageHandles), money(l.overageCost)])}</tr>`)}
</table>`
    : html`<p style="margin:0;color:#4b5563;">This is the first closed period.</p>`
}
<h2 style="${H2}">Chargeback: which app counted the handles</h2>
${
  d.apps.length
    ? html`<table cellspacing="0" cellpadding="0" style="border-collapse:collapse;width:100%;">
<tr>${APP_COLUMNS.map((h, i) => html`<th style="${TH}${i ? 'text-align:right;' : ''}">${h}</th>`)}</tr>
${chargeback(d).map((line) => html`<tr>${cells(line)}</tr>`)}
</table>`
    : html`<p style="margin:0;color:#4b5563;">No calls in this period.</p>`
}
<h2 style="${H2}">Busiest handles</h2>
${
  d.handles.length
    ? html`<table cellspacing="0" cellpadding="0" style="border-collapse:collapse;">
<tr><th style="${TH}">Handle</th><th style="${TH}">User ID</th><th style="${TH}text-align:right;">Calls</th><th style="${TH}">Confirmed by X</th></tr>
${d.handles.map((h) => html`<tr>${cells([h.screenName ? `@${h.screenName}` : '(no screen name)', h.userId], 2)}<td style="${TD_NUM}">${count(h.calls)}</td><td style="${TD}">${h.confirmed ? 'yes' : 'no'}</td></tr>`)}
</table>`
    : html`<p style="margin:0;color:#4b5563;">No handles in this period.</p>`
}
<p style="margin:24px 0 0;color:#4b5563;">${attachmentNote(d)}</p>
${d.dashboardUrl ? html`<p style="margin:8px 0 0;"><a href="${d.dashboardUrl}" style="color:#1d4ed8;">Open the dashboard</a></p>` : ''}
</div></body></html>
`;
}

const APP_COLUMNS = ['App', 'Calls', 'Handles used', 'Counted first', 'Overage', 'Overage cost'];
/** The text part's column widths: the table stays within 80 characters. */
const APP_WIDTHS = [18, 8, 12, 13, 9, 14];

/**
 * A line per app, then the total, which is the statement's: the apps' first-counted handles add up
 * to its unique handles, their overage to its overage. Handles used do not add up (two apps can use
 * one handle), so the total leaves that cell empty.
 */
function chargeback(d: ReportData): string[][] {
  const s = d.statement;
  return [
    ...d.apps.map((a) => [
      a.name,
      count(a.calls),
      count(a.handles),
      count(a.firstCountedHandles),
      count(a.overageHandles),
      money(a.overageCost),
    ]),
    ['Total', count(s.calls), '', count(s.uniqueHandles), count(s.overageHandles), money(s.overageCost)],
  ];
}

/** The chargeback attachment: the fields of GET /contracts/:id/apps/usage, the cost as its exact decimal string. */
export function appsCsv(d: Pick<ReportData, 'contractId' | 'period' | 'apps'>): { filename: string; body: string } {
  return {
    filename: `apps-${d.contractId}-${d.period.key}.csv`,
    body: toCsv(
      d.apps.map((a) => ({ ...a, overageCost: a.overageCost.amount, currency: a.overageCost.currency })),
      ['appId', 'name', 'calls', 'handles', 'firstCountedHandles', 'overageHandles', 'overageCost', 'currency'],
      { header: true },
    ),
  };
}

function attachmentNote(d: ReportData): string {
  const columns = `the same columns as GET /contracts/${d.contractId}/periods/${d.period.key}/handles?format=csv`;
  const apps = `The chargeback is attached as ${appsCsv(d).filename} (CSV, the fields of GET /contracts/${d.contractId}/apps/usage?period=${d.period.key}).`;
  if (d.csvLink)
    return `The period's ${count(d.statement.attemptedHandles)} handles are too many to attach: download them as ${d.csvFilename} (gzipped CSV, ${columns}) from ${d.csvLink} (the link expires), or from the dashboard. ${apps}`;
  return `The period's ${count(d.statement.attemptedHandles)} handles are attached as ${d.csvFilename} (gzipped CSV, ${columns}). ${apps}`;
}

function handleName(h: { userId: string; screenName: string | null }): string {
  return h.screenName ? `@${h.screenName} (${h.userId})` : h.userId;
}

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(9) : c.padStart(i === cells.length - 1 ? 14 : 10))).join(' ');
}

function calls(n: number): string {
  return `${count(n)} ${n === 1 ? 'call' : 'calls'}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function money(m: Money): string {
  return `${m.currency} ${m.amount}`;
}

/** "+12 (+3%)", "-4 (-10%)", "no change"; a percentage is not money, so a float is fine here. */
function change(now: number, before: number): string {
  const d = now - before;
  if (d === 0) return 'no change';
  const sign = d > 0 ? '+' : '';
  return before === 0 ? `${sign}${count(d)}` : `${sign}${count(d)} (${sign}${Math.round((d / before) * 100)}%)`;
}
