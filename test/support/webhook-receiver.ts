import * as http from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedHook {
  body: { text: string; [k: string]: unknown };
  headers: http.IncomingHttpHeaders;
}

/** A real HTTP receiver for webhooks; `failNext` makes it answer 500 that many times first. */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  failNext = 0;
  attempts = 0;

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(port = 0): Promise<WebhookReceiver> {
    let receiver!: WebhookReceiver;
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        receiver.attempts++;
        if (receiver.failNext > 0) {
          receiver.failNext--;
          res.writeHead(500).end('not now');
          return;
        }
        receiver.received.push({ body: JSON.parse(raw), headers: req.headers });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    receiver = new WebhookReceiver(server, (server.address() as AddressInfo).port);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/handlemeter`;
  }

  async waitFor(n: number, timeoutMs = 10_000): Promise<ReceivedHook[]> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    return this.received;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
