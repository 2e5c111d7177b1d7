import { html, Html } from '../../common/html';
import { displayCount, displayMoney, Money } from '../../common/money';
import type { DashboardSession } from '../sessions.service';

export function page(title: string, body: Html, session: DashboardSession | null): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · handlemeter</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body>
<header class="top"><a class="brand" href="/dashboard">handlemeter</a>
${session?.role === 'admin' ? html`<a class="nav" href="/dashboard/audit">Audit log</a>` : ''}
${
  session
    ? html`<span class="who">Signed in with <strong>${session.keyName}</strong> (${session.role})</span>
<form method="post" action="/dashboard/logout"><button type="submit" data-action="sign-out">Sign out</button></form>`
    : ''
}
</header>
<main>${body}</main>
</body></html>
`.value;
}

/** The sign-in form; `next` brings the person back to the page that asked for it. */
export function signInPage(opts: { error?: string; next?: string } = {}): string {
  return page(
    'Sign in',
    html`<div class="card signin">
<h1>Sign in</h1>
<p class="sub">Paste a finance or admin API key. It is checked once and never kept in your browser: you get a session for 12 hours instead.</p>
<form method="post" action="/dashboard/login">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required>
${opts.next ? html`<input type="hidden" name="next" value="${opts.next}">` : ''}
<button class="primary" type="submit">Sign in</button>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
</form></div>`,
    null,
  );
}

export function errorPage(status: number, message: string, session: DashboardSession | null): string {
  return page(
    `Error ${status}`,
    html`<div class="card"><h1>${status === 404 ? 'Not found' : 'Something is wrong'}</h1>
<p class="error" role="alert">${message}</p><p><a href="/dashboard">Back to the contracts</a></p></div>`,
    session,
  );
}

/** "USD 10,475.00": the same formatting as the alerts' (src/common/money.ts). */
export const money = (m: Money): string => displayMoney(m);

export const count = (n: number): string => displayCount(n);

/** A low–high range of money, as one figure: "USD 0.00 – USD 1,987.50". */
export function moneyRange(low: Money, high: Money): string {
  return low.amount === high.amount ? money(low) : `${money(low)} – ${money(high)}`;
}

/**
 * An instant as the contract's people read it: local date and time in its zone, the zone named
 * ("2026-11-03 09:05 EST", "… UTC"). One formatter per zone, kept: luxon's `ZZZZ` built a new
 * Intl formatter for every instant, 80 % of a contract page's rendering (~1.6 ms a page, which a
 * crowd of readers took from the gateway's event loop). Zones are IANA names a contract was saved
 * with, so the map stays as small as their number.
 */
export function localTime(at: Date | string, timezone: string): string {
  let f = LOCAL_TIME.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    LOCAL_TIME.set(timezone, f);
  }
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) return '—';
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of f.formatToParts(instant)) part[p.type] = p.value;
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}
const LOCAL_TIME = new Map<string, Intl.DateTimeFormat>();
