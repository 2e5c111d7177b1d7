import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Role } from '../auth/api-key.entity';

export interface SessionRow {
  id: string;
  api_key_id: string;
  key_name: string;
  role: Role;
  expires_at: Date;
}

@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async create(tokenHash: string, apiKeyId: string, hours: number): Promise<void> {
    await this.ds.query(
      `INSERT INTO dashboard_sessions (token_hash, api_key_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))`,
      [tokenHash, apiKeyId, hours],
    );
  }

  /** A session counts only while it is unexpired and its key is still an unrevoked finance or admin key. */
  async findActive(tokenHash: string): Promise<SessionRow | null> {
    const rows = await this.ds.query<SessionRow[]>(
      `SELECT s.id, s.api_key_id, k.name AS key_name, k.role, s.expires_at
         FROM dashboard_sessions s JOIN api_keys k ON k.id = s.api_key_id
        WHERE s.token_hash = $1 AND s.expires_at > now() AND k.revoked_at IS NULL AND k.role IN ('admin', 'finance')`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  async delete(tokenHash: string): Promise<void> {
    await this.ds.query('DELETE FROM dashboard_sessions WHERE token_hash = $1', [tokenHash]);
  }

  /** Run at each sign-in: the table holds only live sessions without a job of its own. */
  async deleteExpired(): Promise<void> {
    await this.ds.query('DELETE FROM dashboard_sessions WHERE expires_at <= now()');
  }
}
