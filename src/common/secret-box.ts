import * as crypto from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for the secrets handlemeter must be able to use again (consumer secrets, access
 * tokens and secrets, bearer tokens). Stored as `v1.<base64(iv | tag | ciphertext)>`.
 *
 * Key rotation: `previous` keys (CREDENTIALS_KEY_PREVIOUS) only open, never seal. GCM's tag
 * tells which key fits, so no key id is stored; the rotation command re-seals every secret under
 * the current key, after which the previous keys can be dropped.
 */
export class SecretBox {
  private readonly previous: Buffer[];

  constructor(
    private readonly key: Buffer,
    previous: Buffer[] = [],
  ) {
    for (const k of [key, ...previous]) if (k.length !== 32) throw new Error('SecretBox needs 32-byte keys');
    this.previous = previous.filter((k) => !k.equals(key));
  }

  seal(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    return this.openWith(sealed).plain;
  }

  /** The same secret sealed under the current key, or null when it already is (rotation). */
  reseal(sealed: string): string | null {
    const { plain, current } = this.openWith(sealed);
    return current ? null : this.seal(plain);
  }

  private openWith(sealed: string): { plain: string; current: boolean } {
    const [version, payload] = sealed.split('.', 2);
    if (version !== VERSION || !payload) throw new Error('Unknown secret format');
    const raw = Buffer.from(payload, 'base64');
    const plain = decrypt(this.key, raw);
    if (plain !== null) return { plain, current: true };
    for (const k of this.previous) {
      const p = decrypt(k, raw);
      if (p !== null) return { plain: p, current: false };
    }
    // Says which keys were tried, never anything about the secret.
    throw new Error(
      `A stored secret opens with none of the ${1 + this.previous.length} credentials key(s) given (CREDENTIALS_KEY, CREDENTIALS_KEY_PREVIOUS)`,
    );
  }
}

/** null when the tag does not verify: another key (or a tampered value). */
function decrypt(key: Buffer, raw: Buffer): string | null {
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** For looking secrets up (API keys, bearer and access tokens): all are long random strings, so SHA-256 suffices. */
export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** What an endpoint may show of a secret: its last four characters. */
export function hint(secret: string): string {
  return `…${secret.slice(-4)}`;
}

/**
 * What an answer or audit entry may show of a webhook URL, a credential (a Slack incoming-webhook
 * URL carries its secret in the path): `scheme://host/…` and its last four characters.
 */
export function urlHint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${hint(url)}`;
  } catch {
    return hint(url);
  }
}
