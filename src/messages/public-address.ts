import { BlockList, isIP } from 'node:net';

/**
 * Addresses a URL chosen by an API client (media, a session's webhook) must not reach: this host,
 * the private networks behind it, link-local (cloud metadata at 169.254.169.254), and the reserved
 * ranges. BlockList also judges an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) by these IPv4 rules.
 */
const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1): `::127.0.0.1` is loopback on some stacks.
  // It holds `::` and `::1` too.
  ['::', 96],
  // Local-use NAT64 (RFC 8215): translated into whatever IPv4 network the site chooses.
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // Teredo and the documentation prefix: tunnels and addresses that are never a receiver.
  ['2001::', 32],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  // Site-local (deprecated, RFC 3879) but still routed inside some networks.
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad included), or null. */
const groupsOf = (address: string): number[] | null => {
  let text = address.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? (halves[1] ?? '').split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.some((g) => Number.isNaN(g)) ? null : groups;
};

const dotted = (high: number, low: number): string => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/**
 * The IPv4 address an IPv6 address carries to the IPv4 network, where the carrier is a translator
 * or a tunnel: NAT64's well-known prefix `64:ff9b::/96` (RFC 6052) and 6to4's `2002::/16` (RFC 3056).
 * `64:ff9b::7f00:1` reaches 127.0.0.1 through the NAT64 gateway: judged as that IPv4 address.
 */
const carriedIpv4 = (address: string): string | null => {
  const g = groupsOf(address);
  if (g === null) return null;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return dotted(g6, g7);
  // SIIT's IPv4-translated form (`::ffff:0:a.b.c.d`, RFC 2765), which BlockList does not map.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) return dotted(g6, g7);
  if (g0 === 0x2002) return dotted(g1, g2);
  return null;
};

/** True for an address on the public internet. A carried IPv4 address must be public too. */
export const isPublicAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !internal.check(address, 'ipv4');
  if (internal.check(address, 'ipv6')) return false;
  const carried = carriedIpv4(address);
  return carried === null || !internal.check(carried, 'ipv4');
};
