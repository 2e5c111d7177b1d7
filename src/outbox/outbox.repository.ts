import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ClaimedRow, NewOutboxRow } from './outbox.types';

@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** In the caller's transaction: the message exists exactly when the event that raised it does. */
  async enqueue(m: EntityManager, rows: NewOutboxRow[]): Promise<void> {
    for (const r of rows) {
      await m.query(
        `INSERT INTO outbox (contract_id, alert_id, kind, channel, target, target_enc, payload, dedupe_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (dedupe_key) DO NOTHING`,
        [
          r.contractId,
          r.alertId,
          r.kind,
          r.message.channel,
          r.message.target,
          r.message.channel === 'webhook' ? r.message.sealedTarget : null,
          r.message.payload,
          r.dedupeKey,
        ],
      );
    }
  }

  /** Claims due messages; SKIP LOCKED lets several instances share the work without taking the same row. */
  async claim(limit: number, leaseMs: number): Promise<ClaimedRow[]> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows] = await this.ds.query<[ClaimedRow[], number]>(
      `UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1, lease_until = now() + $2 * interval '1 millisecond'
        WHERE o.id IN (SELECT id FROM outbox
                        WHERE (status = 'pending' AND next_attempt_at <= now()) OR (status = 'sending' AND lease_until < now())
                        ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING o.id, o.channel, o.target, o.target_enc, o.payload, o.attempts`,
      [limit, leaseMs],
    );
    return rows;
  }

  /**
   * Extends the lease of a message still being sent, so no other instance takes it as abandoned
   * and sends it again. False when it is no longer ours as claimed (attempt `attempts`).
   */
  async renewLease(id: string, attempts: number, leaseMs: number): Promise<boolean> {
    const [, n] = await this.ds.query<[unknown[], number]>(
      `UPDATE outbox SET lease_until = now() + $3 * interval '1 millisecond' WHERE id = $1 AND status = 'sending' AND attempts = $2`,
      [id, attempts, leaseMs],
    );
    return n > 0;
  }

  async markDelivered(id: string, status: 'sent' | 'logged'): Promise<void> {
    await this.ds.query(
      `UPDATE outbox SET status = $2, sent_at = now(), lease_until = NULL, last_error = NULL WHERE id = $1`,
      [id, status],
    );
  }

  async markRetry(id: string, error: string, delayMs: number, final: boolean): Promise<void> {
    await this.ds.query(
      `UPDATE outbox SET status = $2, last_error = $3, lease_until = NULL, next_attempt_at = now() + ($4 || ' milliseconds')::interval WHERE id = $1`,
      [id, final ? 'failed' : 'pending', error.slice(0, 500), String(delayMs)],
    );
  }
}
