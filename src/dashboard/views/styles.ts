/** The dashboard's one stylesheet, served by handlemeter itself (the page's CSP allows nothing else). */
export const DASHBOARD_CSS = `
:root { --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f9fafb; --accent:#1d4ed8; --warn:#b91c1c; --ok:#047857; }
* { box-sizing: border-box; }
body { margin:0; font-family:-apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:var(--ink); background:var(--bg); font-size:14px; line-height:1.45; }
header.top { display:flex; align-items:center; gap:16px; padding:12px 24px; background:#fff; border-bottom:1px solid var(--line); }
header.top .brand { font-weight:700; font-size:16px; color:var(--ink); text-decoration:none; }
header.top .who { margin-left:auto; color:var(--muted); }
header.top form { margin:0; }
main { max-width:1080px; margin:0 auto; padding:24px; }
h1 { font-size:22px; margin:0 0 4px; }
h2 { font-size:16px; margin:28px 0 10px; }
.sub { color:var(--muted); margin:0 0 16px; }
a { color:var(--accent); }
button, .button { font:inherit; padding:6px 14px; border-radius:6px; border:1px solid var(--line); background:#fff; color:var(--ink); cursor:pointer; }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px; }
.signin { max-width:420px; margin:64px auto; }
.signin label { display:block; font-weight:600; margin:12px 0 6px; }
.signin input { width:100%; font:inherit; padding:8px 10px; border:1px solid #d1d5db; border-radius:6px; }
.signin button { margin-top:14px; }
.error { color:var(--warn); background:#fef2f2; border:1px solid #fecaca; border-radius:6px; padding:8px 12px; margin:12px 0 0; }
.figures { display:grid; grid-template-columns:repeat(auto-fit, minmax(160px, 1fr)); gap:12px; margin:16px 0; }
.figures div { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.figures dt { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.figures dd { margin:4px 0 0; font-size:20px; font-weight:600; font-variant-numeric:tabular-nums; white-space:nowrap; }
.figures dd.note { font-size:12px; font-weight:400; color:var(--muted); white-space:normal; }
.figures .over dd:first-of-type { color:var(--warn); }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); border-radius:8px; }
th, td { text-align:left; padding:7px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
table.alerts td:nth-child(-n+2), table.periods td:first-child { white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.empty { background:#fff; border:1px dashed #d1d5db; border-radius:8px; padding:28px; text-align:center; color:var(--muted); }
.tag { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; background:#eef2ff; color:#3730a3; }
.tag.closed { background:#f3f4f6; color:#374151; }
.tag.failed { background:#fef2f2; color:var(--warn); }
.chart-card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; }
svg.chart { width:100%; height:auto; display:block; }
svg.chart .grid { stroke:#f1f5f9; stroke-width:1; }
svg.chart .axis { stroke:#9ca3af; stroke-width:1; }
svg.chart .label { fill:var(--muted); font-size:11px; }
svg.chart .allowance { stroke:var(--warn); stroke-width:1.5; stroke-dasharray:6 4; }
svg.chart .allowance-label { fill:var(--warn); font-size:11px; }
svg.chart .actual { fill:none; stroke:var(--accent); stroke-width:2.5; }
svg.chart .point { fill:var(--accent); }
svg.chart .projection { fill:none; stroke:#7c3aed; stroke-width:2; stroke-dasharray:4 3; }
svg.chart .band { fill:#7c3aed; fill-opacity:.12; stroke:none; }
svg.chart .today { stroke:#9ca3af; stroke-width:1; stroke-dasharray:2 3; }
.legend { display:flex; gap:18px; color:var(--muted); font-size:12px; margin:8px 4px 0; flex-wrap:wrap; }
.legend span::before { content:""; display:inline-block; width:18px; height:0; border-top:2.5px solid var(--accent); vertical-align:middle; margin-right:6px; }
.legend .l-allowance::before { border-top:2px dashed var(--warn); }
.legend .l-projection::before { border-top:2px dashed #7c3aed; }
.legend .l-band::before { height:10px; border:none; background:rgba(124,58,237,.15); }
nav.crumbs { margin:0 0 12px; color:var(--muted); }
header.top { flex-wrap:wrap; }
header.top .nav { color:var(--ink); text-decoration:none; }
.scroll { overflow-x:auto; -webkit-overflow-scrolling:touch; border-radius:8px; }
.scroll table { min-width:560px; }
.figures .range dd:first-of-type, .figures dd { white-space:normal; overflow-wrap:anywhere; }
.tag.status-open { background:#ecfdf5; color:var(--ok); }
.tag.status-ended { background:#fffbeb; color:#92400e; }
.tag.status-closed { background:#f3f4f6; color:#374151; }
.tag.pending { background:#fffbeb; color:#92400e; }
.when { color:var(--muted); font-size:12px; }
.delivery { margin:0 0 4px; }
.delivery-error { display:block; color:var(--warn); font-size:12px; overflow-wrap:anywhere; }
.links { margin:0 0 8px; }
.axis-note { color:var(--muted); font-size:12px; margin:4px 4px 0; }
.legend .l-today::before { border-top:1.5px dotted #6b7280; }
svg.chart .today-label { fill:#374151; font-size:11px; font-weight:600; }
svg.chart .projection-label { fill:#7c3aed; font-size:11px; }
svg.chart .axis-title { fill:var(--muted); font-size:11px; }
form.inline { display:flex; flex-wrap:wrap; gap:8px; align-items:flex-end; margin:8px 0 16px; }
form.inline label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
form.inline input { font:inherit; padding:6px 8px; border:1px solid #d1d5db; border-radius:6px; width:9em; }
.ok { color:var(--ok); background:#ecfdf5; border:1px solid #a7f3d0; border-radius:6px; padding:8px 12px; margin:12px 0 0; }
code.changes { font-size:12px; white-space:pre-wrap; overflow-wrap:anywhere; }
section.reconciliation h2 .when { font-weight:400; }
a.button { text-decoration:none; font-size:12px; margin-left:8px; }
@media (max-width: 600px) {
  main { padding:12px; }
  header.top { padding:10px 12px; gap:8px; }
  header.top .who { margin-left:0; width:100%; order:3; }
  h1 { font-size:19px; }
  .figures { grid-template-columns:1fr 1fr; gap:8px; }
  .figures dd { font-size:17px; }
  /* The chart scales to the screen; its text is drawn larger so it stays readable at ~45 % scale. */
  svg.chart .label, svg.chart .allowance-label, svg.chart .today-label, svg.chart .projection-label, svg.chart .axis-title { font-size:22px; }
  svg.chart .actual { stroke-width:4; }
  svg.chart .point { r:5; }
}
`;
