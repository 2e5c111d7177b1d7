import { Injectable } from '@nestjs/common';
import axios from 'axios';
import { WebhookPayload } from './outbox.types';

/** POSTs JSON to a webhook (a Slack incoming webhook shows `text`); any 2xx is delivered. */
@Injectable()
export class WebhookTransport {
  async send(id: string, url: string, payload: WebhookPayload): Promise<void> {
    const res = await axios.post(url, payload, {
      timeout: 10_000,
      maxRedirects: 0,
      validateStatus: () => true,
      // Receivers can drop a message retried after a crash mid-send.
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': id, 'User-Agent': 'handlemeter' },
    });
    if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered ${res.status}`);
  }
}
