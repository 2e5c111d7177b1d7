import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A webhook URL is a credential (a Slack incoming-webhook URL lets anyone post): it is stored
 * sealed, like the other secrets, with a hint beside it for answers. Existing plain-text URLs are
 * sealed at start-up by the service, which holds the key (WebhookUrlSealer); the outbox keeps its
 * copy sealed too, and `target` becomes the hint.
 */
export class SealWebhookUrls1764100000000 implements MigrationInterface {
  name = 'SealWebhookUrls1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contracts RENAME COLUMN notify_webhook_url TO notify_webhook_url_enc`);
    await q.query(`ALTER TABLE contracts ADD COLUMN notify_webhook_hint text`);
    await q.query(`ALTER TABLE outbox ADD COLUMN target_enc text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP COLUMN target_enc`);
    await q.query(`ALTER TABLE contracts DROP COLUMN notify_webhook_hint`);
    await q.query(`ALTER TABLE contracts RENAME COLUMN notify_webhook_url_enc TO notify_webhook_url`);
  }
}
