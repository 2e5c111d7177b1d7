import { html, Html } from '../common/html';

/** A small page on handlemeter itself (no script, no style from elsewhere) for the owner who just approved on X. */
function page(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · handlemeter</title>
        <link rel="icon" href="data:," />
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html> `.value;
}

export function connectedPage(handle: { screenName: string; userId: string }, app: { name: string }): string {
  return page(
    'Handle connected',
    html`<h1>Connected</h1>
      <p id="connected" data-user-id="${handle.userId}">
        @${handle.screenName} is now connected to <strong data-app="${app.name}">${app.name}</strong>. You can close
        this page.
      </p>`,
  );
}

export function declinedPage(app: { name: string }): string {
  return page(
    'Not connected',
    html`<h1>Not connected</h1>
      <p id="declined">
        The handle was not connected to <strong>${app.name}</strong>: the request was declined on X.
      </p>`,
  );
}

export function callbackErrorPage(status: number, message: string): string {
  return page(
    'Not connected',
    html`<h1>Not connected</h1>
      <p id="error" role="alert" data-status="${status}">${message}</p>`,
  );
}
