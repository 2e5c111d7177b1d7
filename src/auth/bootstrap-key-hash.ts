import * as crypto from 'node:crypto';
import { sha256 } from '../common/secret-box';

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/**
 * ADMIN_API_KEY is chosen by a person, so a stolen table must not let it be guessed offline:
 * salted scrypt (about 0.1 s, once per start), never checked per request; requests are matched
 * against the key held in memory instead.
 */
export function hashBootstrapKey(key: string): string {
  const salt = crypto.randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${crypto.scryptSync(key, salt, 32, SCRYPT).toString('base64')}`;
}

/** Also accepts the unsalted SHA-256 rows written before; `upgrade` says to re-hash them. */
export function verifyBootstrapKey(stored: string, key: string): { ok: boolean; upgrade: boolean } {
  const parts = stored.split('$');
  if (parts.length === 3 && parts[0] === 'scrypt') {
    const expected = Buffer.from(parts[2], 'base64');
    const got = crypto.scryptSync(key, Buffer.from(parts[1], 'base64'), expected.length, SCRYPT);
    return { ok: crypto.timingSafeEqual(got, expected), upgrade: false };
  }
  const ok = stored.length === 64 && crypto.timingSafeEqual(Buffer.from(stored), Buffer.from(sha256(key)));
  return { ok, upgrade: ok };
}
