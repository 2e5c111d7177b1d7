import { Injectable } from '@nestjs/common';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { WebhookPayload } from './outbox.types';
import { WebhookTargetError, WebhookTargetPolicy } from './webhook-target';

const TIMEOUT_MS = 10_000;

/**
 * POSTs JSON to a webhook (a Slack incoming webhook shows `text`); any 2xx is delivered. The
 * host is resolved and checked once (WebhookTargetPolicy), and the connection goes to that
 * address only: the socket's `lookup` answers with it, so no second DNS answer can move the
 * request inside, while Host and TLS (SNI, certificate) still use the name. Redirects are not
 * followed. A failure's message names no address or port: finance reads it back.
 */
@Injectable()
export class WebhookTransport {
  constructor(private readonly policy: WebhookTargetPolicy) {}

  async send(id: string, url: string, payload: WebhookPayload): Promise<void> {
    const { url: u, address } = await this.policy.resolve(url);
    const pinned: LookupFunction = (_host, opts, cb) => {
      if ((opts as { all?: boolean }).all)
        (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [address]);
      else cb(null, address.address, address.family);
    };
    const body = JSON.stringify(payload);
    const status = await new Promise<number>((resolve, reject) => {
      const req = (u.protocol === 'https:' ? https : http).request(
        u,
        {
          method: 'POST',
          lookup: pinned,
          // No keep-alive: every delivery resolves and checks afresh.
          agent: false,
          signal: AbortSignal.timeout(TIMEOUT_MS),
          // Receivers can drop a message retried after a crash mid-send.
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'Idempotency-Key': id,
            'User-Agent': 'handlemeter',
          },
        },
        (res) => {
          res.resume(); // the body is not needed; read and drop it
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', (e) => reject(new WebhookTargetError(describe(e))));
      req.end(body);
    });
    if (status >= 300 && status < 400)
      throw new WebhookTargetError(`webhook answered ${status} (a redirect, not followed)`);
    if (status < 200 || status >= 300) throw new WebhookTargetError(`webhook answered ${status}`);
  }
}

/** Node's messages carry the address and port (`connect ECONNREFUSED 10.0.0.5:5432`): say what happened without them. */
function describe(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection closed by the receiver';
    case 'ETIMEDOUT':
    case 'ABORT_ERR':
      return `no answer within ${TIMEOUT_MS / 1000} s`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      if (e.name === 'AbortError' || e.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
      if (e.code?.startsWith('ERR_TLS') || e.code?.includes('CERT') || /SSL|TLS/.test(e.code ?? ''))
        return 'TLS handshake failed (certificate or protocol)';
      return 'delivery failed (network error)';
  }
}
