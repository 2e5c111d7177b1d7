import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which addresses a webhook may never reach (docs/security.md "Webhooks"): anything inside the
 * service's own network or host. Named ranges, so a refusal can say which rule it broke without
 * saying the address.
 */
const V4: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V6: [bigint, number, string][] = [
  [0n, 128, 'unspecified'],
  [1n, 128, 'loopback'],
  [0x0100n << 112n, 64, 'reserved'], // discard-only
  [0xfc00n << 112n, 7, 'private'], // unique local
  [0xfe80n << 112n, 10, 'link-local'],
  [0xfec0n << 112n, 10, 'private'], // site-local (deprecated, still routed by some)
  [0xff00n << 112n, 8, 'multicast'],
];

/**
 * The range an address falls in when a webhook must not go there, or null for a public address.
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, the old compatible ::a.b.c.d,
 * NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that IPv4 address. Not an IP at all: 'invalid'.
 */
export function blockedRange(address: string): string | null {
  if (isIPv4(address)) return v4Range(v4ToInt(address));
  if (!isIPv6(address)) return 'invalid';
  const n = v6ToBigInt(address);
  const top96 = n >> 32n;
  const low32 = Number(n & 0xffffffffn);
  if (top96 === 0xffffn || (top96 === 0n && n > 1n)) return v4Range(low32); // mapped / compatible
  if (top96 === 0x0064ff9b0000000000000000n) return v4Range(low32); // NAT64
  if (n >> 112n === 0x2002n) return v4Range(Number((n >> 80n) & 0xffffffffn)); // 6to4
  for (const [base, bits, name] of V6) if (n >> BigInt(128 - bits) === base >> BigInt(128 - bits)) return name;
  return null;
}

function v4Range(n: number): string | null {
  if (n === 0xffffffff) return 'reserved'; // broadcast
  for (const [base, bits, name] of V4) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === (v4ToInt(base) & mask) >>> 0) return name;
  }
  return null;
}

function v4ToInt(a: string): number {
  return a.split('.').reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

function v6ToBigInt(a: string): bigint {
  let text = a.split('%')[0]; // a zone id (fe80::1%eth0) names an interface, not an address
  // A trailing dotted IPv4 part becomes two hextets.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v = v4ToInt(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${(v >>> 16).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}
