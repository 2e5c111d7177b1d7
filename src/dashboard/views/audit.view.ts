import { html } from '../../common/html';
import type { DashboardSession } from '../sessions.service';
import { scroll } from './contract.view';
import { localTime, page } from './layout';

export interface AuditPageData {
  entries: {
    at: Date;
    actorKeyId: string | null;
    actorKeyName: string | null;
    action: string;
    entity: string;
    entityId: string;
    changes: Record<string, unknown>;
  }[];
  nextCursor: string | null;
}

/** Who changed what: the key's name (its id on hover), never a secret (the audit log holds none). */
export function auditPage(d: AuditPageData, session: DashboardSession): string {
  const body = html`<nav class="crumbs"><a href="/dashboard">Contracts</a> / Audit log</nav>
<h1>Audit log</h1><p class="sub">Changes to contracts, apps, handles and keys, newest first. Times in UTC.</p>
${
  d.entries.length
    ? scroll(html`<table class="audit"><thead><tr><th>When (UTC)</th><th>Who</th><th>Action</th><th>What</th><th>Changes</th></tr></thead><tbody>
${d.entries.map((e) => html`<tr><td>${localTime(e.at, 'UTC')}</td><td data-actor="${e.actorKeyId ?? ''}" title="${e.actorKeyId ?? ''}">${e.actorKeyName ?? (e.actorKeyId ? 'deleted key' : 'the service')}</td><td>${e.action}</td><td>${e.entity} <code>${e.entityId}</code></td><td><code class="changes">${JSON.stringify(e.changes)}</code></td></tr>`)}
</tbody></table>`)
    : html`<div class="empty" data-empty="audit">Nothing changed yet.</div>`
}
${d.nextCursor ? html`<p><a href="/dashboard/audit?cursor=${d.nextCursor}">Older entries</a></p>` : ''}`;
  return page('Audit log', body, session);
}
