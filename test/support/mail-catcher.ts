import { ParsedMail, simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server in the test process that keeps every message it receives, parsed. */
export class MailCatcher {
  readonly messages: ParsedMail[] = [];
  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  /** `delayMs`: how long the server takes to accept each message (a slow relay). */
  static async start(opts: { delayMs?: number } = {}): Promise<MailCatcher> {
    let catcher!: MailCatcher;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        simpleParser(stream).then((mail) => {
          setTimeout(() => {
            catcher.messages.push(mail);
            done();
          }, opts.delayMs ?? 0);
        }, done);
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    catcher = new MailCatcher(
      server,
      (server as unknown as { server: { address(): AddressInfo } }).server.address().port,
    );
    return catcher;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async waitFor(n: number, timeoutMs = 10_000): Promise<ParsedMail[]> {
    const until = Date.now() + timeoutMs;
    while (this.messages.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    return this.messages;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
