import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { SecretBox } from '../common/secret-box';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MailTransport } from './mail.transport';
import { EntityManager } from 'typeorm';
import { OutboxRepository } from './outbox.repository';
import {
  ClaimedRow,
  NewOutboxRow,
  DeferredEmailPayload,
  EmailPayload,
  EmailRenderer,
  ReportRef,
  WebhookPayload,
} from './outbox.types';
import { WebhookTransport } from './webhook.transport';

const MAX_ATTEMPTS = 15;
const MAX_DELAY_MS = 3_600_000;

/**
 * Delivers alerts and reports from the outbox: claimed with a lease, sent, marked; a failure is
 * retried with exponential backoff (15 attempts, about a day at the default base). A restart
 * loses nothing: undelivered rows are still there, and a lease left by a crash expires.
 */
@Injectable()
export class OutboxService implements OnApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly renderers = new Map<ReportRef['kind'], EmailRenderer>();

  constructor(
    private readonly repo: OutboxRepository,
    private readonly mail: MailTransport,
    private readonly webhooks: WebhookTransport,
    private readonly box: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Queues messages in the caller's transaction `m`: a message exists exactly when the event that raised it does. */
  enqueue(m: EntityManager, rows: NewOutboxRow[]): Promise<void> {
    return this.repo.enqueue(m, rows);
  }

  /** Deliver what is due now; concurrent calls coalesce into one more pass. */
  deliverDue(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          for (
            let batch = await this.repo.claim(20, this.config.outboxLeaseMs);
            batch.length;
            batch = this.stopped ? [] : await this.repo.claim(20, this.config.outboxLeaseMs)
          ) {
            await Promise.all(batch.map((row) => this.deliver(row)));
          }
        } while (this.again && !this.stopped);
      } catch (e) {
        this.logger.error(`delivery pass failed; the next pass retries: ${(e as Error).message}`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** The module that owns a deferred email's content renders it (reports register here, so the outbox does not depend on them). */
  registerRenderer(kind: ReportRef['kind'], render: EmailRenderer): void {
    this.renderers.set(kind, render);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /**
   * The lease is renewed at a third of its length while the message is rendered and sent: a
   * large report to a slow relay can take longer than the lease, and an expired lease would let
   * another instance (or this one's next pass) send it a second time.
   */
  private async deliver(row: ClaimedRow): Promise<void> {
    const lease = this.config.outboxLeaseMs;
    const renew = setInterval(
      () => {
        this.repo.renewLease(row.id, row.attempts, lease).then(
          (ours) =>
            ours || this.logger.warn(`${row.channel} delivery ${row.id}: its lease was taken over while sending`),
          (e: Error) => this.logger.warn(`${row.channel} delivery ${row.id}: renewing its lease failed: ${e.message}`),
        );
      },
      Math.max(100, Math.floor(lease / 3)),
    );
    try {
      await this.send(row);
    } finally {
      clearInterval(renew);
    }
  }

  private async send(row: ClaimedRow): Promise<void> {
    try {
      if (row.channel === 'email') {
        await this.repo.markDelivered(
          row.id,
          await this.mail.send(row.id, await this.emailOf(row.payload as EmailPayload | DeferredEmailPayload)),
        );
      } else {
        if (!row.target_enc) throw new Error('the webhook URL is missing from the row');
        await this.webhooks.send(row.id, this.box.open(row.target_enc), row.payload as WebhookPayload);
        await this.repo.markDelivered(row.id, 'sent');
      }
    } catch (e) {
      const final = row.attempts >= MAX_ATTEMPTS;
      const delay = Math.min(MAX_DELAY_MS, this.config.outboxRetryBaseMs * 2 ** (row.attempts - 1));
      this.logger.warn(
        `${row.channel} delivery ${row.id} failed (attempt ${row.attempts}${final ? ', giving up' : `, retry in ${delay} ms`}): ${(e as Error).message}`,
      );
      await this.repo.markRetry(row.id, (e as Error).message, delay, final).catch(() => undefined);
    }
  }

  private emailOf(payload: EmailPayload | DeferredEmailPayload): Promise<EmailPayload> | EmailPayload {
    if (!('render' in payload)) return payload;
    const render = this.renderers.get(payload.render.kind);
    // A failure like any other: retried, so a row is never lost to a module that failed to start.
    if (!render) throw new Error(`no renderer for ${payload.render.kind} emails`);
    return render(payload.render, payload.to);
  }
}
