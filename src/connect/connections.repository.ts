import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A connection in progress: what the exchange with X needs once the owner has approved. */
export interface ClaimedConnection {
  id: string;
  appId: string;
  createdBy: string | null;
  requestTokenEnc: string;
  requestTokenSecretEnc: string;
}

export interface PendingConnectionRow {
  id: string;
  app_id: string;
  app_name: string;
  contract_id: string;
  contract_name: string;
  request_token_enc: string;
  oob: boolean;
  created_at: Date;
  expires_at: Date;
}

interface ClaimRow {
  id: string;
  app_id: string;
  created_by: string | null;
  request_token_enc: string;
  request_token_secret_enc: string;
}

export type ConnectionOutcome = 'connected' | 'refused' | 'denied';

/** handle_connections: one row per link asked for; its request token sealed until used or expired. */
type InsertedConnectionRow = { id: string; expires_at: Date };

@Injectable()
export class ConnectionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(c: {
    appId: string;
    requestTokenHash: string;
    requestTokenEnc: string;
    requestTokenSecretEnc: string;
    oob: boolean;
    createdBy: string;
    ttlSeconds: number;
  }): Promise<{ id: string; expiresAt: Date }> {
    const [row] = await this.ds.query<InsertedConnectionRow[]>(
      `INSERT INTO handle_connections (app_id, request_token_hash, request_token_enc, request_token_secret_enc, oob, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) RETURNING id, expires_at`,
      [c.appId, c.requestTokenHash, c.requestTokenEnc, c.requestTokenSecretEnc, c.oob, c.createdBy, c.ttlSeconds],
    );
    return { id: row.id, expiresAt: row.expires_at };
  }

  /**
   * Takes a live connection for its one use: marks it used and destroys its sealed token in the
   * same statement, returning what the exchange needs. Null when unknown, expired or used already;
   * of two concurrent claims, one wins.
   */
  async claim(where: { requestTokenHash: string } | { id: string; appId: string }): Promise<ClaimedConnection | null> {
    const [cond, params] =
      'requestTokenHash' in where
        ? ['request_token_hash = $1', [where.requestTokenHash]]
        : ['id = $1 AND app_id = $2', [where.id, where.appId]];
    // TypeORM answers an UPDATE with [rows, count].
    const [rows] = await this.ds.query<[ClaimRow[], number]>(
      `UPDATE handle_connections c SET used_at = now(), request_token_enc = NULL, request_token_secret_enc = NULL
         FROM (SELECT id, request_token_enc, request_token_secret_enc FROM handle_connections
                WHERE ${cond} AND used_at IS NULL AND expires_at > now() FOR UPDATE) old
        WHERE c.id = old.id
        RETURNING c.id, c.app_id, c.created_by, old.request_token_enc, old.request_token_secret_enc`,
      params,
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      appId: r.app_id,
      createdBy: r.created_by,
      requestTokenEnc: r.request_token_enc,
      requestTokenSecretEnc: r.request_token_secret_enc,
    };
  }

  async finish(id: string, outcome: ConnectionOutcome, handleId: string | null): Promise<void> {
    await this.ds.query('UPDATE handle_connections SET outcome = $2, handle_id = $3 WHERE id = $1', [
      id,
      outcome,
      handleId,
    ]);
  }

  /** Expired links keep no secret: their sealed tokens are destroyed (called whenever a link is asked for). */
  async destroyExpiredTokens(): Promise<void> {
    await this.ds.query(
      `UPDATE handle_connections SET request_token_enc = NULL, request_token_secret_enc = NULL
        WHERE used_at IS NULL AND expires_at <= now() AND request_token_enc IS NOT NULL`,
    );
  }

  /** Links not used yet and not expired, newest first; `appId` narrows to one app. */
  pending(appId?: string): Promise<PendingConnectionRow[]> {
    return this.ds.query<PendingConnectionRow[]>(
      `SELECT hc.id, hc.app_id, a.name AS app_name, a.contract_id, c.name AS contract_name, hc.request_token_enc, hc.oob, hc.created_at, hc.expires_at
         FROM handle_connections hc JOIN apps a ON a.id = hc.app_id JOIN contracts c ON c.id = a.contract_id
        WHERE hc.used_at IS NULL AND hc.expires_at > now() AND ($1::uuid IS NULL OR hc.app_id = $1)
        ORDER BY hc.created_at DESC LIMIT 500`,
      [appId ?? null],
    );
  }
}
