import { html, Html } from '../common/html';
import { niceCeiling } from '../dashboard/views/chart';

export interface PlanChartInput {
  periods: { period: string; uniqueHandles: number; projected: boolean }[];
  options: { allowance: number; current: boolean }[];
}

const W = 760;
const H = 300;
const M = { left: 56, right: 96, top: 16, bottom: 36 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

/**
 * Unique handles per period as bars (the open period's projection lighter), with a line for
 * each allowance option: what sits above a line is what that allowance would have billed as
 * overage. Inline SVG with presentation attributes only, so the dashboard's CSP (no inline
 * style, no script) holds and the page needs no JavaScript.
 */
export function planChart(c: PlanChartInput): Html {
  const top = niceCeiling(
    Math.max(1, ...c.periods.map((p) => p.uniqueHandles), ...c.options.map((o) => o.allowance)) * 1.08,
  );
  const y = (v: number) => round(M.top + PLOT_H - (v / top) * PLOT_H);
  const slot = PLOT_W / Math.max(1, c.periods.length);
  const barW = round(Math.min(48, slot * 0.7));
  const bars = c.periods.map((p, i) => {
    const x = round(M.left + slot * i + (slot - barW) / 2);
    return html`<rect
        class="bar${p.projected ? ' projected' : ''}"
        data-period="${p.period}"
        data-count="${p.uniqueHandles}"
        x="${x}"
        y="${y(p.uniqueHandles)}"
        width="${barW}"
        height="${round(y(0) - y(p.uniqueHandles))}"
        fill="${p.projected ? '#c4b5fd' : '#1d4ed8'}"
        ><title>${p.period}: ${p.uniqueHandles}${p.projected ? ' (projected)' : ''}</title></rect
      >
      <text x="${round(x + barW / 2)}" y="${H - M.bottom + 18}" text-anchor="middle" font-size="11" fill="#6b7280"
        >${p.period.slice(2)}</text
      >`;
  });
  const lines = c.options.map(
    (o) =>
      html`<line
          class="option"
          data-allowance="${o.allowance}"
          x1="${M.left}"
          x2="${W - M.right}"
          y1="${y(o.allowance)}"
          y2="${y(o.allowance)}"
          stroke="${o.current ? '#b91c1c' : '#6b7280'}"
          stroke-width="${o.current ? 2 : 1}"
          stroke-dasharray="6 4"
          ><title>Allowance ${o.allowance}</title></line
        >
        <text
          x="${W - M.right + 6}"
          y="${y(o.allowance) + 4}"
          font-size="11"
          fill="${o.current ? '#b91c1c' : '#6b7280'}"
          >${o.allowance.toLocaleString('en-US')}${o.current ? ' (now)' : ''}</text
        >`,
  );
  const summary = `Unique handles per period, ${c.periods.length} periods (the last projected), against allowances ${c.options.map((o) => o.allowance).join(', ')}.`;
  return html`<svg
    class="chart plan-chart"
    viewBox="0 0 ${W} ${H}"
    role="img"
    aria-label="${summary}"
    xmlns="http://www.w3.org/2000/svg"
  >
    <title>${summary}</title>
    <line x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}" stroke="#9ca3af" />
    <text x="${M.left - 8}" y="${y(top) + 4}" text-anchor="end" font-size="11" fill="#6b7280">
      ${top.toLocaleString('en-US')}
    </text>
    <text x="${M.left - 8}" y="${y(0) + 4}" text-anchor="end" font-size="11" fill="#6b7280">0</text>
    ${bars}${lines}
  </svg>`;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
