import { Injectable } from '@nestjs/common';
import * as crypto from 'node:crypto';
import { ApiKeysService } from '../auth/api-keys.service';
import { sha256 } from '../common/secret-box';
import { TtlCache } from '../common/ttl-cache';
import { SignInRefusedError } from './dashboard.errors';
import { SessionRow, SessionsRepository } from './sessions.repository';

/** How long a dashboard sign-in lasts: a working day, then the key is asked for again. */
export const SESSION_HOURS = 12;

export interface DashboardSession {
  keyId: string;
  keyName: string;
  role: 'admin' | 'finance';
}

/**
 * Dashboard sign-in with an API key. The browser gets a random 256-bit session token in an
 * HttpOnly cookie; the key itself is never stored in the browser, and only the token's hash is
 * stored here.
 */
@Injectable()
export class SessionsService {
  /**
   * Sessions by their token's SHA-256, as read, for 5 s (as API keys are): every dashboard page and
   * download checks its session, and a crowd on the pages would otherwise cost a query each, on
   * the cores the gateway needs. Sign-out and a key's revocation on this instance drop entries at
   * once (other instances within 5 s); expiry is checked on every use. Unknown tokens are cached
   * too (never for a token that later becomes valid: a sign-in makes a new random one).
   */
  private readonly cache = new TtlCache<string, { session: DashboardSession; expiresAt: number } | null>(
    5_000,
    10_000,
    0,
  );

  constructor(
    private readonly keys: ApiKeysService,
    private readonly repo: SessionsRepository,
  ) {
    keys.clearsWithKeys(this.cache);
  }

  async signIn(rawKey: string | undefined): Promise<{ token: string; maxAgeSeconds: number }> {
    const key = rawKey?.trim();
    if (!key) throw new SignInRefusedError(401, 'Paste an API key to sign in.');
    const principal = await this.keys.authenticate(key);
    if (!principal) throw new SignInRefusedError(401, 'That is not a valid API key (or it was revoked).');
    if (principal.role !== 'admin' && principal.role !== 'finance') {
      throw new SignInRefusedError(
        403,
        'The dashboard is for finance and admin keys; a client key only calls the gateway.',
      );
    }
    const token = crypto.randomBytes(32).toString('base64url');
    await this.repo.deleteExpired();
    await this.repo.create(sha256(token), principal.keyId, SESSION_HOURS);
    return { token, maxAgeSeconds: SESSION_HOURS * 3600 };
  }

  async find(token: string | undefined): Promise<DashboardSession | null> {
    if (!token) return null;
    const hash = sha256(token);
    const found = await this.cache.get(hash, async () => {
      const row = await this.repo.findActive(hash);
      return row ? { session: toSession(row), expiresAt: new Date(row.expires_at).getTime() } : null;
    });
    return found && found.expiresAt > Date.now() ? found.session : null;
  }

  async signOut(token: string | undefined): Promise<void> {
    if (!token) return;
    const hash = sha256(token);
    await this.repo.delete(hash);
    this.cache.delete(hash);
  }
}

function toSession(r: SessionRow): DashboardSession {
  return { keyId: r.api_key_id, keyName: r.key_name, role: r.role as DashboardSession['role'] };
}
