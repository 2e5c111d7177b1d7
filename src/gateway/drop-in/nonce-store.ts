import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { GroupCommitter } from '../../database/group-commit';
import { NonceKey, NonceRepository } from './nonce.repository';

/** How far oauth_timestamp may be from our clock, either way (docs/api.md: 5 minutes). */
export const TIMESTAMP_WINDOW_S = 300;

/**
 * How long a nonce is remembered. A request passes the timestamp check from 5 minutes before to
 * 5 minutes after its timestamp, so its first and a replayed arrival can be up to twice the window
 * apart; a minute more covers clock differences between instances. After that its timestamp alone
 * refuses it.
 */
export const NONCE_RETENTION_S = 2 * TIMESTAMP_WINDOW_S + 60;

const DELETE_BATCH = 10_000;

/**
 * Nonces seen within the window, shared by every instance through PostgreSQL. Concurrent
 * requests share one INSERT (group commit), so the check costs the hot path one round trip per
 * batch rather than one per request.
 */
@Injectable()
export class NonceStore implements OnApplicationShutdown {
  private readonly claims = new GroupCommitter<NonceKey, boolean>((keys) => this.repo.claim(keys, NONCE_RETENTION_S));

  constructor(private readonly repo: NonceRepository) {}

  /** True when the nonce is fresh (and is now recorded); false for a replay. */
  claim(key: NonceKey): Promise<boolean> {
    return this.claims.submit(key);
  }

  /** Deletes the nonces no request can use any more, in short batches; returns how many. */
  async forgetExpired(): Promise<number> {
    let total = 0;
    let deleted: number;
    do {
      deleted = await this.repo.deleteExpired(NONCE_RETENTION_S, DELETE_BATCH);
      total += deleted;
    } while (deleted === DELETE_BATCH);
    return total;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.claims.idle();
  }
}
