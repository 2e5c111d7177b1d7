import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { IdRow } from '../database/rows';

export interface NewAlert {
  contractId: string;
  periodStart: Date;
  periodKey: string;
  kind: 'threshold' | 'projection';
  threshold: number | null;
  dedupeKey: string;
  message: string;
  figures: object;
}

export interface AlertRow {
  id: string;
  period_key: string;
  kind: string;
  threshold: string | null;
  message: string;
  figures: Record<string, unknown>;
  raised_at: Date;
  deliveries: {
    channel: string;
    target: string;
    status: string;
    attempts: number;
    lastError: string | null;
    sentAt: string | null;
  }[];
}

type ThresholdRow = { t: number };
type ProjectionAlertsRow = { count: number; overage: number | null };

@Injectable()
export class AlertsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /** Inserts the alert unless its dedupe key exists: returns its id only when this call raised it. */
  async raise(m: EntityManager, a: NewAlert): Promise<string | null> {
    const rows = await m.query<IdRow[]>(
      `INSERT INTO alerts (contract_id, period_start, period_key, kind, threshold, dedupe_key, message, figures)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [a.contractId, a.periodStart, a.periodKey, a.kind, a.threshold, a.dedupeKey, a.message, a.figures],
    );
    return rows[0]?.id ?? null;
  }

  raisedThresholds(contractId: string, periodStart: Date): Promise<number[]> {
    return this.ds
      .query<ThresholdRow[]>(
        `SELECT threshold::float8 AS t FROM alerts WHERE contract_id = $1 AND period_start = $2 AND kind = 'threshold'`,
        [contractId, periodStart],
      )
      .then((rows) => rows.map((r) => r.t));
  }

  /** The projection alerts of the period so far: how many, and the overage the last one named. */
  async lastProjection(
    contractId: string,
    periodStart: Date,
  ): Promise<{ count: number; overageHandles: number | null }> {
    const [r] = await this.ds.query<ProjectionAlertsRow[]>(
      `SELECT count(*)::int AS count,
              (SELECT (figures->'projection'->>'overageHandles')::int FROM alerts
                WHERE contract_id = $1 AND period_start = $2 AND kind = 'projection' ORDER BY raised_at DESC LIMIT 1) AS overage
         FROM alerts WHERE contract_id = $1 AND period_start = $2 AND kind = 'projection'`,
      [contractId, periodStart],
    );
    return { count: r.count, overageHandles: r.overage };
  }

  list(contractId: string, limit: number): Promise<AlertRow[]> {
    return this.ds.query<AlertRow[]>(
      `SELECT a.id, a.period_key, a.kind, a.threshold::text, a.message, a.figures, a.raised_at,
              coalesce(json_agg(json_build_object('channel', o.channel, 'target', o.target, 'status', o.status, 'attempts', o.attempts,
                                                  'lastError', o.last_error, 'sentAt', o.sent_at) ORDER BY o.channel)
                       FILTER (WHERE o.id IS NOT NULL), '[]') AS deliveries
         FROM alerts a LEFT JOIN outbox o ON o.alert_id = a.id
        WHERE a.contract_id = $1 GROUP BY a.id ORDER BY a.raised_at DESC, a.id LIMIT $2`,
      [contractId, limit],
    );
  }
}
