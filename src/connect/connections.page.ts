import { html } from '../common/html';
import type { DashboardSession } from '../dashboard/sessions.service';
import { page } from '../dashboard/views/layout';

export interface PendingConnection {
  id: string;
  appName: string;
  contractId: string;
  contractName: string;
  callback: string;
  authorizeUrl: string;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * Links sent to handle owners and not used yet. A link lets its holder approve the app on X, so
 * only an admin (who could ask for one anyway) sees it; finance sees that it is pending.
 */
export function connectionsPage(pending: PendingConnection[], session: DashboardSession): string {
  const admin = session.role === 'admin';
  const minutes = (d: Date) => Math.max(0, Math.ceil((new Date(d).getTime() - Date.now()) / 60_000));
  const body = html`<nav class="crumbs"><a href="/dashboard">Contracts</a> / Pending connections</nav>
    <h1>Pending connections</h1>
    <p class="sub">
      Links for a handle's owner to approve an app on X (<code>POST /apps/:id/handles/connect</code>). Each works once,
      for 15 minutes; the handle is registered when X sends the owner
      back${admin ? '' : '. The links themselves are shown to admins only'}.
    </p>
    ${
      pending.length
        ? html`<table class="connections">
            <thead>
              <tr>
                <th>Contract</th>
                <th>App</th>
                <th>Returns by</th>
                <th>Asked</th>
                <th class="num">Expires in</th>
                <th>Link</th>
              </tr>
            </thead>
            <tbody>
              ${pending.map(
                (p) =>
                  html`<tr data-connection="${p.id}">
                    <td><a href="/dashboard/contracts/${p.contractId}">${p.contractName}</a></td>
                    <td>${p.appName}</td>
                    <td>${p.callback === 'oob' ? 'PIN' : 'redirect'}</td>
                    <td>${new Date(p.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC</td>
                    <td class="num">${minutes(p.expiresAt)} min</td>
                    <td>
                      ${admin ? html`<a data-authorize href="${p.authorizeUrl}" rel="noreferrer">approve on X</a>` : 'admin only'}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<div class="empty" data-empty="connections">No pending connections.</div>`
    }`;
  return page('Pending connections', body, session);
}
