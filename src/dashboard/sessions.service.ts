import { Injectable } from '@nestjs/common';
import * as crypto from 'node:crypto';
import { ApiKeysService } from '../auth/api-keys.service';
import { sha256 } from '../common/secret-box';
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
  constructor(
    private readonly keys: ApiKeysService,
    private readonly repo: SessionsRepository,
  ) {}

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
    const row = await this.repo.findActive(sha256(token));
    return row ? toSession(row) : null;
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await this.repo.delete(sha256(token));
  }
}

function toSession(r: SessionRow): DashboardSession {
  return { keyId: r.api_key_id, keyName: r.key_name, role: r.role as DashboardSession['role'] };
}
