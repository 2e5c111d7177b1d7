import { html, Html } from '../../common/html';

/** What the chart draws: the open period's count so far, the allowance, and the projection with its band. */
export interface ChartInput {
  /** the period's local dates, in order */
  days: string[];
  /** cumulative unique handles at the end of each local day so far; the last entry is today's, as of now */
  observed: number[];
  /** where now falls, in days since the period started (today's index plus the share of today gone) */
  now: number;
  allowance: number;
  /** projected cumulative count at the end of each local day from today to the period's last */
  projection: { date: string; cumulative: number; low: number; high: number }[] | null;
}

const W = 760;
const H = 300;
const M = { left: 72, right: 20, top: 20, bottom: 36 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An inline SVG (no script, no external resource): server-rendered, so the page works without JavaScript. */
export function chart(c: ChartInput): Html {
  const n = c.days.length;
  const today = c.observed.length - 1;
  const current = c.observed[today] ?? 0;
  const proj = c.projection ?? [];
  const top = niceCeiling(Math.max(c.allowance, current, ...proj.map((p) => p.high), 1) * 1.08);
  const x = (day: number) => round(M.left + (Math.min(Math.max(day, 0), n) / n) * PLOT_W);
  const y = (v: number) => round(M.top + PLOT_H - (v / top) * PLOT_H);

  // Each finished day is drawn at its end; today at now.
  const points = c.observed.map((v, i) => ({ date: c.days[i], v, x: x(i === today ? c.now : i + 1), y: y(v) }));
  const actual = [`${x(0)},${y(0)}`, ...points.map((p) => `${p.x},${p.y}`)].join(' ');
  const ahead = proj.map((p, j) => ({ ...p, x: x(today + 1 + j) }));
  const start = `${x(c.now)},${y(current)}`;
  const projection = [start, ...ahead.map((p) => `${p.x},${y(p.cumulative)}`)].join(' ');
  const band = [
    start,
    ...ahead.map((p) => `${p.x},${y(p.high)}`),
    ...[...ahead].reverse().map((p) => `${p.x},${y(p.low)}`),
  ].join(' ');
  const last = proj[proj.length - 1];

  const yTicks = ticks(top).map(
    (v) =>
      html`<g class="tick"><line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}"/><text class="label" x="${M.left - 8}" y="${y(v) + 4}" text-anchor="end">${v.toLocaleString('en-US')}</text></g>`,
  );
  const xTicks = dayTicks(n).map(
    (i) =>
      html`<text class="label" x="${x(i + 0.5)}" y="${H - M.bottom + 20}" text-anchor="middle">${shortDate(c.days[i])}</text>`,
  );
  const summary =
    `Cumulative unique handles per day: ${current} so far against an allowance of ${c.allowance}` +
    (last ? `, projected ${last.cumulative} (${last.low} to ${last.high}) by ${last.date}.` : '.');

  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${summary}" xmlns="http://www.w3.org/2000/svg">
<title>${summary}</title>
${yTicks}${xTicks}
<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}"/>
${
  proj.length
    ? html`<polygon class="band" points="${band}"><title>Projection band: ${last.low} to ${last.high} by ${last.date}</title></polygon>
<polyline class="projection" points="${projection}"><title>Projected: ${last.cumulative} by ${last.date}</title></polyline>`
    : ''
}
<line class="today" x1="${x(c.now)}" x2="${x(c.now)}" y1="${M.top}" y2="${y(0)}"/>
<text class="today-label" data-label="today" x="${x(c.now) + (c.now > n * 0.8 ? -4 : 4)}" y="${M.top + 10}" text-anchor="${c.now > n * 0.8 ? 'end' : 'start'}">today ${shortDate(c.days[today])}</text>
<line class="allowance" data-allowance="${c.allowance}" x1="${M.left}" x2="${W - M.right}" y1="${y(c.allowance)}" y2="${y(c.allowance)}"><title>Allowance: ${c.allowance}</title></line>
<text class="allowance-label" data-label="allowance" x="${M.left + 6}" y="${y(c.allowance) - 6}" text-anchor="start">allowance ${c.allowance.toLocaleString('en-US')}</text>
${last ? html`<text class="projection-label" data-label="projection" x="${W - M.right - 4}" y="${Math.min(y(last.cumulative) + 16, y(0) - 4)}" text-anchor="end">projected ${last.cumulative.toLocaleString('en-US')}</text>` : ''}
<text class="axis-title" x="4" y="${M.top - 6}">handles</text>
<polyline class="actual" points="${actual}"/>
${points.map((p) => html`<circle class="point" data-date="${p.date}" data-count="${p.v}" cx="${p.x}" cy="${p.y}" r="3"><title>${p.date}: ${p.v}</title></circle>`)}
</svg>`;
}

/** The first round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at or above v. */
export function niceCeiling(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v - 1e-9) return Math.round(m * p * 1e6) / 1e6;
  return 10 * p;
}

/** Whole-number gridlines, about four of them. */
function ticks(top: number): number[] {
  const step = Math.max(1, niceCeiling(top / 4));
  const out: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) out.push(Math.round(v));
  return out;
}

/** Weekly labels from the first day, and the last day. */
function dayTicks(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i += 7) out.push(i);
  if (n - 1 - out[out.length - 1] >= 3) out.push(n - 1);
  return out;
}

function shortDate(iso: string): string {
  return `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${Number(iso.slice(8, 10))}`;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
