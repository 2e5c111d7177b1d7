import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SecretBox, urlHint } from '../common/secret-box';

/** A row holding a webhook URL written before URLs were sealed. */
type StoredUrlRow = { id: string; url: string };

/**
 * A one-off upgrade, run at every start until there is nothing left: webhook URLs written before
 * they were sealed (migration SealWebhookUrls) are sealed in contracts and the outbox, and shown
 * only as their hint in the audit log. It needs CREDENTIALS_KEY, which migrations do not have.
 * Idempotent, and a no-op (three indexed-or-tiny queries) once done.
 */
@Injectable()
export class WebhookUrlUpgrade implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookUrls');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly box: SecretBox,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const n = await this.ds.transaction(async (m) => {
      const contracts = await m.query<StoredUrlRow[]>(
        `SELECT id, notify_webhook_url_enc AS url FROM contracts WHERE notify_webhook_url_enc IS NOT NULL AND notify_webhook_url_enc NOT LIKE 'v1.%' FOR UPDATE`,
      );
      for (const c of contracts) {
        await m.query(`UPDATE contracts SET notify_webhook_url_enc = $2, notify_webhook_hint = $3 WHERE id = $1`, [
          c.id,
          this.box.seal(c.url),
          urlHint(c.url),
        ]);
      }
      const outbox = await m.query<StoredUrlRow[]>(
        `SELECT id, target AS url FROM outbox WHERE channel = 'webhook' AND target_enc IS NULL FOR UPDATE`,
      );
      for (const o of outbox)
        await m.query(`UPDATE outbox SET target_enc = $2, target = $3 WHERE id = $1`, [
          o.id,
          this.box.seal(o.url),
          urlHint(o.url),
        ]);
      const audit = await m.query<StoredUrlRow[]>(
        `SELECT id, changes->'notify'->>'webhookUrl' AS url FROM audit_log
          WHERE entity = 'contract' AND changes->'notify'->>'webhookUrl' IS NOT NULL AND position('/…' in changes->'notify'->>'webhookUrl') = 0 FOR UPDATE`,
      );
      for (const a of audit)
        await m.query(
          `UPDATE audit_log SET changes = jsonb_set(changes, '{notify,webhookUrl}', to_jsonb($2::text)) WHERE id = $1`,
          [a.id, urlHint(a.url)],
        );
      return contracts.length + outbox.length + audit.length;
    });
    if (n) this.logger.log(`sealed or masked ${n} webhook URL(s) stored in plain text before this version`);
  }
}
