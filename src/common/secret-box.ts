import * as crypto from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for the secrets handlemeter must be able to use again (consumer secrets, access
 * tokens and secrets, bearer tokens). Stored as `v1.<base64(iv | tag | ciphertext)>`; the version
 * prefix leaves room for key rotation.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
  }

  seal(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    const [version, payload] = sealed.split('.', 2);
    if (version !== VERSION || !payload) throw new Error('Unknown secret format');
    const raw = Buffer.from(payload, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
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
