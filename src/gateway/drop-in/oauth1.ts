/**
 * RFC 5849 (OAuth 1.0a) HMAC-SHA1 verification, the pure parts: header parsing, the
 * signature base string and its percent-encoding. Written here rather than shared with the X
 * simulator (src/dev) or the oauth-1.0a package: a bug shared by signer and verifier would pass.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Param = [string, string];

/** §3.6: only A-Z a-z 0-9 - . _ ~ stay as they are; UTF-8 bytes, uppercase hex. encodeURIComponent also spares ! ' ( ) *. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// eslint-disable-next-line no-control-regex -- a header value with a control character is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The parameters of `Authorization: OAuth k="v", ...` (after the scheme), values percent-decoded
 * (§3.5.1). Null when malformed or when a name repeats: a header we cannot read unambiguously is refused.
 */
export function parseOAuthHeader(rest: string): Map<string, string> | null {
  const pair = /[ \t]*([^\s=,"]+)[ \t]*=[ \t]*"([^"]*)"[ \t]*(,|$)/y;
  const text = rest.trim();
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < text.length) {
    pair.lastIndex = pos;
    const m = pair.exec(text);
    if (!m) return null;
    const k = decode(m[1]);
    const v = decode(m[2]);
    // A control character (a NUL, say) is in no key, token or nonce, and no text column can hold one.
    if (k === null || v === null || CONTROL.test(k) || CONTROL.test(v) || out.has(k)) return null;
    out.set(k, v);
    pos = pair.lastIndex;
    if (m[3] === '') break;
  }
  return pos >= text.length ? out : null;
}

/**
 * A query string or form body (§3.4.1.3.1 says both are application/x-www-form-urlencoded, so
 * `+` is a space here, unlike in the header). Null when a percent escape is malformed.
 */
export function parseFormEncoded(text: string): Param[] | null {
  const out: Param[] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const i = part.indexOf('=');
    const k = decode((i < 0 ? part : part.slice(0, i)).replace(/\+/g, ' '));
    const v = decode((i < 0 ? '' : part.slice(i + 1)).replace(/\+/g, ' '));
    if (k === null || v === null) return null;
    out.push([k, v]);
  }
  return out;
}

/**
 * §3.4.1.2 base string URI: scheme and host in lowercase, the port only when it is not the
 * scheme's default, then the path as it was sent. `origin` is `scheme://host[:port]` with an
 * optional path prefix (PUBLIC_BASE_URL behind a proxy that strips one). Null if unparsable.
 */
export function baseStringUri(origin: string, path: string): string | null {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  // URL already lowercases scheme and host and drops the scheme's default port.
  const prefix = u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${u.host}${prefix}${path}`;
}

/**
 * `scheme://host[:port]` as the client saw it, from the request's own protocol and Host header.
 * Null when Host is missing or is more than a host and port: it must not smuggle in a path.
 */
export function requestOrigin(protocol: string, host: string | undefined): string | null {
  if (!host || !/^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return null;
  return `${protocol}://${host}`;
}

/** §3.4.1: METHOD & enc(base URI) & enc(normalized parameters: each pair encoded, sorted by name then value, joined). */
export function signatureBaseString(method: string, baseUri: string, params: Param[]): string {
  const pairs = params.map(([k, v]) => [percentEncode(k), percentEncode(v)] as const);
  // Encoded text is ASCII, so code-unit order is byte order.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const normalized = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return `${method.toUpperCase()}&${percentEncode(baseUri)}&${percentEncode(normalized)}`;
}

/**
 * The base string of a received request (§3.4.1): `origin` as the client saw it, the path and
 * query of `target` (the request line's URL), a form body's parameters when the body is
 * application/x-www-form-urlencoded (a JSON body is never signed), and the header's oauth_*
 * parameters but `realm` and `oauth_signature`. Null when a part cannot be read.
 */
export function requestBaseString(
  method: string,
  origin: string,
  target: string,
  oauth: Map<string, string>,
  formBody?: string,
): string | null {
  const q = target.indexOf('?');
  const uri = baseStringUri(origin, q < 0 ? target : target.slice(0, q));
  const query = parseFormEncoded(q < 0 ? '' : target.slice(q + 1));
  const body = formBody === undefined ? [] : parseFormEncoded(formBody);
  if (uri === null || query === null || body === null) return null;
  const params: Param[] = [...query, ...body];
  for (const [k, v] of oauth) if (k !== 'realm' && k !== 'oauth_signature') params.push([k, v]);
  return signatureBaseString(method, uri, params);
}

/** §3.4.2: base64(HMAC-SHA1(enc(consumer secret) & enc(token secret), base string)). */
export function hmacSha1(baseString: string, consumerSecret: string, tokenSecret: string): string {
  return createHmac('sha1', `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`)
    .update(baseString)
    .digest('base64');
}

/** Constant time in the contents; the length of an HMAC-SHA1 signature (28 base64 characters) is no secret. */
export function signaturesMatch(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
