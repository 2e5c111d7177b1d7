import { createHmac, randomBytes } from 'node:crypto';
import type { AppCredentials, HandleCredentials } from '../contracts/credentials-cache';
import { percentEncode } from './drop-in/oauth1';

/** What signing for one (app, handle) needs, encoded once rather than on every call. */
interface Prepared {
  app: AppCredentials;
  /** HMAC key: enc(consumer secret) & enc(token secret). */
  key: string;
  /** The Authorization header's fixed parameters, already encoded. */
  consumerKey: string;
  token: string;
  /** The normalized-parameter string around the nonce and timestamp, encoded again for the base string. */
  beforeNonce: string;
  beforeTimestamp: string;
  tail: string;
}

/**
 * OAuth 1.0a HMAC-SHA1 (RFC 5849) for calls to X, by handle: the key, the encoded consumer key
 * and token and the fixed parts of the base string are prepared once per credentials object
 * (the credentials cache hands out one per app and handle until they change), so a call costs
 * a timestamp, a nonce, string joins and one HMAC. Nonces are a random per-process prefix and a
 * counter: unique, which is all X asks of them.
 */
export class XSigner {
  private readonly prepared = new WeakMap<HandleCredentials, Prepared>();
  private readonly bearers = new WeakMap<AppCredentials, string>();
  private readonly noncePrefix = randomBytes(8).toString('hex');
  private sequence = 0;

  /** `Bearer <token>` for an app-only call. */
  bearer(app: AppCredentials): string {
    let header = this.bearers.get(app);
    if (header === undefined) this.bearers.set(app, (header = `Bearer ${app.bearerToken}`));
    return header;
  }

  /**
   * `OAuth ...` for a POST to the URL whose base string URI, percent-encoded, is `encodedUri`.
   * The JSON body is not part of the signature (RFC 5849 §3.4.1.3.1).
   */
  oauth(encodedUri: string, app: AppCredentials, handle: HandleCredentials): string {
    let p = this.prepared.get(handle);
    if (p === undefined || p.app !== app) this.prepared.set(handle, (p = prepare(app, handle)));
    const nonce = `${this.noncePrefix}${(this.sequence++).toString(36)}`;
    const timestamp = Math.floor(Date.now() / 1000).toString();
    // Nonce and timestamp are [0-9a-z]: percent-encoding leaves them as they are.
    const base = `POST&${encodedUri}&${p.beforeNonce}${nonce}${p.beforeTimestamp}${timestamp}${p.tail}`;
    const signature = percentEncode(createHmac('sha1', p.key).update(base).digest('base64'));
    return (
      `OAuth oauth_consumer_key="${p.consumerKey}", oauth_nonce="${nonce}", oauth_signature="${signature}", ` +
      `oauth_signature_method="HMAC-SHA1", oauth_timestamp="${timestamp}", oauth_token="${p.token}", oauth_version="1.0"`
    );
  }
}

function prepare(app: AppCredentials, handle: HandleCredentials): Prepared {
  const consumerKey = percentEncode(app.consumerKey);
  const token = percentEncode(handle.accessToken);
  // The parameters sorted by name: consumer_key, nonce, signature_method, timestamp, token, version.
  return {
    app,
    key: `${percentEncode(app.consumerSecret)}&${percentEncode(handle.accessTokenSecret)}`,
    consumerKey,
    token,
    beforeNonce: percentEncode(`oauth_consumer_key=${consumerKey}&oauth_nonce=`),
    beforeTimestamp: percentEncode('&oauth_signature_method=HMAC-SHA1&oauth_timestamp='),
    tail: percentEncode(`&oauth_token=${token}&oauth_version=1.0`),
  };
}
