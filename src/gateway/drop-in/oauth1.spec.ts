import * as crypto from 'node:crypto';
import OAuth from 'oauth-1.0a';
import {
  baseStringUri,
  hmacSha1,
  parseFormEncoded,
  parseOAuthHeader,
  percentEncode,
  requestBaseString,
  requestOrigin,
  signatureBaseString,
  signaturesMatch,
  type Param,
} from './oauth1';

describe('percentEncode (RFC 5849 §3.6)', () => {
  it('leaves only unreserved characters as they are', () => {
    expect(percentEncode('AZaz09-._~')).toBe('AZaz09-._~');
  });

  it("encodes what encodeURIComponent spares (! ' ( ) *) and everything else, in uppercase hex", () => {
    expect(percentEncode("!'()*")).toBe('%21%27%28%29%2A');
    expect(percentEncode(' +/=%&?#@,;:$[]')).toBe('%20%2B%2F%3D%25%26%3F%23%40%2C%3B%3A%24%5B%5D');
  });

  it('encodes non-ASCII as its UTF-8 bytes', () => {
    expect(percentEncode('é')).toBe('%C3%A9');
    expect(percentEncode('☃')).toBe('%E2%98%83');
    expect(percentEncode('😀')).toBe('%F0%9F%98%80');
  });
});

describe('parseOAuthHeader', () => {
  it('refuses a value that decodes to a control character (no key, token or nonce has one; PostgreSQL text cannot hold a NUL)', () => {
    expect(parseOAuthHeader('oauth_consumer_key="%00", oauth_nonce="n"')).toBeNull();
    expect(parseOAuthHeader('oauth_consumer_key="ck", oauth_nonce="a%0Ab"')).toBeNull();
    expect(parseOAuthHeader('oauth_consumer_key="ck", oauth_nonce="a%7Fb"')).toBeNull();
  });

  it('reads k="v" pairs, percent-decoding names and values', () => {
    const p = parseOAuthHeader('realm="Example", oauth_consumer_key="ck%2B%2F%3D", oauth_nonce="n%20%C3%A9"');
    expect(p && Object.fromEntries(p)).toEqual({ realm: 'Example', oauth_consumer_key: 'ck+/=', oauth_nonce: 'n é' });
  });

  it('takes separators with or without spaces, and empty values', () => {
    const p = parseOAuthHeader('a="1",b = "2" ,  c=""');
    expect(p && Object.fromEntries(p)).toEqual({ a: '1', b: '2', c: '' });
  });

  it('keeps a literal + (the header is not form-encoded)', () => {
    expect(parseOAuthHeader('oauth_signature="ab+c/d="')?.get('oauth_signature')).toBe('ab+c/d=');
  });

  it.each([
    ['a repeated name', 'a="1", a="2"'],
    ['an unquoted value', 'a=1'],
    ['a missing separator', 'a="1" b="2"'],
    ['trailing text', 'a="1", junk'],
    ['a bad percent escape', 'a="%E0%A4%A"'],
  ])('refuses %s', (_what, header) => {
    expect(parseOAuthHeader(header)).toBeNull();
  });
});

describe('parseFormEncoded', () => {
  it("decodes '+' as a space and keeps repeated names", () => {
    expect(parseFormEncoded('a=b+c&a=%2B&empty=&flag')).toEqual([
      ['a', 'b c'],
      ['a', '+'],
      ['empty', ''],
      ['flag', ''],
    ]);
  });

  it('refuses a malformed escape', () => {
    expect(parseFormEncoded('a=%zz')).toBeNull();
  });
});

describe('baseStringUri (§3.4.1.2) and requestOrigin', () => {
  it('lowercases scheme and host and drops the default port', () => {
    expect(baseStringUri('HTTP://Example.COM:80', '/r%20v/X')).toBe('http://example.com/r%20v/X');
    expect(baseStringUri('https://www.example.net:8080', '/')).toBe('https://www.example.net:8080/');
    expect(baseStringUri('https://proxy.example.com:443', '/insights/engagement/totals')).toBe(
      'https://proxy.example.com/insights/engagement/totals',
    );
  });

  it('keeps a path prefix of PUBLIC_BASE_URL', () => {
    expect(baseStringUri('https://proxy.example.com/handlemeter/', '/insights/engagement/totals')).toBe(
      'https://proxy.example.com/handlemeter/insights/engagement/totals',
    );
  });

  it('takes the Host header only when it is a host and port', () => {
    expect(requestOrigin('http', '127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    expect(requestOrigin('http', '[::1]:3000')).toBe('http://[::1]:3000');
    for (const bad of [undefined, '', 'evil.com/x', 'a@b', 'a b', 'host:port', 'x?y'])
      expect(requestOrigin('http', bad)).toBeNull();
  });
});

/** RFC 5849 §3.4.1.1's example signature base string. */
const RFC_EXAMPLE_BASE =
  'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26' +
  'oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26' +
  'oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7';

describe('signatureBaseString and hmacSha1', () => {
  it("builds RFC 5849 §3.4.1.1's example base string", () => {
    // POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b, body c2&a3=2+q, header realm="Example", oauth_*...
    const params: Param[] = [
      ...parseFormEncoded('b5=%3D%253D&a3=a&c%40=&a2=r%20b')!,
      ...parseFormEncoded('c2&a3=2+q')!,
      ['oauth_consumer_key', '9djdj82h48djs9d2'],
      ['oauth_token', 'kkk9d7dh3k39sjv7'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131201'],
      ['oauth_nonce', '7d8f3e4a'],
    ];
    expect(signatureBaseString('post', 'http://example.com/request', params)).toBe(RFC_EXAMPLE_BASE);
  });

  it("reproduces the signature of X's documentation example", () => {
    const params: Param[] = [
      ['status', 'Hello Ladies + Gentlemen, a signed OAuth request!'],
      ['include_entities', 'true'],
      ['oauth_consumer_key', 'xvz1evFS4wEEPTGEFPHBog'],
      ['oauth_nonce', 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '1318622958'],
      ['oauth_token', '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb'],
      ['oauth_version', '1.0'],
    ];
    const base = signatureBaseString('POST', 'https://api.twitter.com/1.1/statuses/update.json', params);
    expect(
      hmacSha1(base, 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw', 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE'),
    ).toBe('hCtSmYh+iHYCEqBWrE7C7hYmtUk=');
  });

  it('verifies what the oauth-1.0a package signs, with awkward characters in every credential and a query string', () => {
    const odd = " +/=%&~!*'() é☃😀";
    const consumer = { key: `ck${odd}`, secret: `cs${odd}` };
    const token = { key: `123-tok${odd}`, secret: `ts${odd}` };
    const signer = new OAuth({
      consumer,
      signature_method: 'HMAC-SHA1',
      hash_function: (b, k) => crypto.createHmac('sha1', k).update(b).digest('base64'),
    });
    const url = 'http://127.0.0.1:4000/insights/engagement/totals?since=2026-01-01&note=a%20b%21';
    const header = signer.toHeader(signer.authorize({ url, method: 'POST' }, token)).Authorization;

    const oauth = parseOAuthHeader(header.slice('OAuth '.length))!;
    expect(oauth.get('oauth_consumer_key')).toBe(consumer.key);
    expect(oauth.get('oauth_token')).toBe(token.key);
    const params: Param[] = [
      ...parseFormEncoded(url.split('?')[1])!,
      ...[...oauth].filter(([k]) => k !== 'oauth_signature'),
    ];
    const base = signatureBaseString(
      'POST',
      baseStringUri('http://127.0.0.1:4000', '/insights/engagement/totals')!,
      params,
    );
    expect(signaturesMatch(hmacSha1(base, consumer.secret, token.secret), oauth.get('oauth_signature')!)).toBe(true);
    expect(signaturesMatch(hmacSha1(base, consumer.secret, 'other'), oauth.get('oauth_signature')!)).toBe(false);
  });

  it('requestBaseString: the RFC example as received, realm and signature left out, the query and a form body in', () => {
    const header = parseOAuthHeader(
      'realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", ' +
        'oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="djosJKDKJSD8743243%2Fjdk33klY%3D"',
    )!;
    const base = requestBaseString(
      'POST',
      'http://Example.com:80',
      '/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b',
      header,
      'c2&a3=2+q',
    );
    expect(base).toBe(RFC_EXAMPLE_BASE);
  });

  it('requestBaseString: without a form body only the query and oauth_* are signed; bad escapes give null', () => {
    const oauth = new Map([['oauth_nonce', 'n']]);
    expect(requestBaseString('post', 'https://h.example', '/p', oauth)).toBe(
      'POST&https%3A%2F%2Fh.example%2Fp&oauth_nonce%3Dn',
    );
    expect(requestBaseString('POST', 'https://h.example', '/p?x=%zz', oauth)).toBeNull();
    expect(requestBaseString('POST', 'https://h.example', '/p', oauth, 'a=%')).toBeNull();
    expect(requestBaseString('POST', 'not a url', '/p', oauth)).toBeNull();
  });

  it('signaturesMatch is false for different lengths without throwing', () => {
    expect(signaturesMatch('abc=', 'abc')).toBe(false);
    expect(signaturesMatch('abc=', 'abc=')).toBe(true);
  });
});
