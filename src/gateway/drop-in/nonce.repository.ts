import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { NoRow } from '../../database/rows';
import { PG_POOL } from '../../database/database.module';

/** One OAuth 1.0a nonce as X scopes it: per consumer key and access token (by its SHA-256). */
export interface NonceKey {
  consumerKey: string;
  tokenHash: string;
  nonce: string;
}

/*
 * A nonce is fresh when it has no row, or only a row older than the retention (then the row is
 * taken over). A row returned means fresh; on a conflict with a live row nothing is returned.
 * The database's clock decides, so every instance judges "seen within the window" alike.
 *
 * The commit does not wait for the WAL flush (synchronous_commit off, for this statement's
 * transaction only): the row is visible to every instance at once, and only a database crash
 * in the next fraction of a second could lose it. That trades a replay window narrower than a
 * crash for not paying a second fsync per call beside the ledger's.
 */
const CLAIM = `
  WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
  INSERT INTO oauth_nonces (consumer_key, token_hash, nonce, seen_at)
  SELECT ck, th, n, now() FROM async_commit, unnest($1::text[], $2::text[], $3::text[]) AS u(ck, th, n)
  ON CONFLICT (consumer_key, token_hash, nonce) DO UPDATE SET seen_at = EXCLUDED.seen_at
    WHERE oauth_nonces.seen_at < now() - make_interval(secs => $4)
  RETURNING consumer_key, token_hash, nonce`;

const DELETE_EXPIRED = `
  DELETE FROM oauth_nonces WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM oauth_nonces WHERE seen_at < now() - make_interval(secs => $1) LIMIT $2))`;

type NonceRow = { consumer_key: string; token_hash: string; nonce: string };

const keyOf = (k: NonceKey): string => `${k.consumerKey}\u0000${k.tokenHash}\u0000${k.nonce}`;

/** The shared nonce store (table oauth_nonces), in plain SQL on the hot path's own pool, like the ledger's writes. */
@Injectable()
export class NonceRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Records a batch of nonces in one statement; true for each one not seen within
   * `retentionS`. A nonce repeated inside the batch is fresh once, a replay after that.
   */
  async claim(keys: NonceKey[], retentionS: number): Promise<boolean[]> {
    const first = new Map<string, NonceKey>();
    for (const k of keys) if (!first.has(keyOf(k))) first.set(keyOf(k), k);
    // One order for every writer, so two instances' batches never wait on each other in a cycle.
    const unique = [...first.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
    const res = await this.pool.query<NonceRow>({
      name: 'oauth_nonces_claim',
      text: CLAIM,
      values: [
        unique.map((k) => k.consumerKey),
        unique.map((k) => k.tokenHash),
        unique.map((k) => k.nonce),
        retentionS,
      ],
    });
    const fresh = new Set(
      res.rows.map((r) => keyOf({ consumerKey: r.consumer_key, tokenHash: r.token_hash, nonce: r.nonce })),
    );
    return keys.map((k) => fresh.delete(keyOf(k)));
  }

  /** Deletes up to `limit` rows older than `retentionS`; returns how many went. */
  async deleteExpired(retentionS: number, limit: number): Promise<number> {
    const res = await this.pool.query<NoRow>({
      name: 'oauth_nonces_delete_expired',
      text: DELETE_EXPIRED,
      values: [retentionS, limit],
    });
    return res.rowCount ?? 0;
  }
}
