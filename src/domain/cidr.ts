import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { invalid } from './errors.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

// Only one spelling of an address is taken. ipaddr.js (like inet_aton) also reads `0127.0.0.1`
// as octal (87.0.0.1), `127.1` as 127.0.0.1 and `0x7f.0.0.1` as hex: an allowlist entry that
// silently means another address than the one an admin reads is worse than a refusal. Node's
// isIPv4 takes four decimal parts of 0-255 without leading zeros; isIPv6 takes standard IPv6
// text (an embedded IPv4 part held to the same rule) but also a zone (`fe80::1%eth0`), which
// names a local interface, not an address, so it is refused here.
function canonicalRange(value: string): Range | null {
  const slash = value.indexOf('/');
  const text = slash === -1 ? value : value.slice(0, slash);
  const maxBits = isIPv4(text) ? 32 : isIPv6(text) && !text.includes('%') ? 128 : 0;
  if (maxBits === 0) return null;
  // Decimal digits, without leading zeros, within the address's length.
  const prefix = slash === -1 ? String(maxBits) : value.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix) || Number(prefix) > maxBits) return null;
  try {
    return [ipaddr.parse(text), Number(prefix)];
  } catch {
    // Never expected after Node's check; refused rather than answered with a 500 if it is.
    return null;
  }
}

/** Parses and normalizes CIDRs (IPv4 and IPv6; a bare address is a /32 or /128). */
export function parseCidrs(values: string[], field: string): string[] {
  return values.map((value, index) => {
    const range = canonicalRange(value);
    if (range === null) {
      throw invalid(
        `${field}/${index}`,
        `${field}/${index} is not an IPv4 or IPv6 address or CIDR in standard notation (such as 192.0.2.0/24 or 2001:db8::/32)`,
      );
    }
    const [address, bits] = range;
    // Clients' IPv4-mapped addresses are matched as IPv4 (ipAllowed), so a mapped range is
    // stored as the IPv4 range it means; otherwise it could never match anything.
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return `${(address as ipaddr.IPv6).toIPv4Address().toString()}/${bits - 96}`;
    }
    return `${address.toString()}/${bits}`;
  });
}

/** True when `ip` (as Node reports it, IPv4-mapped IPv6 included) is in one of the ranges. */
export function ipAllowed(ip: string, cidrs: string[]): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns an IPv4-mapped IPv6 address (::ffff:10.0.0.1) into the IPv4 one.
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  return cidrs.some((cidr) => {
    const range = ipaddr.parseCIDR(cidr) as Range;
    return address.kind() === range[0].kind() && address.match(range as never);
  });
}

// IPv6 prefixes whose last 32 bits are an IPv4 client's address: IPv4-mapped
// (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96, SIIT) and NAT64's well-known prefix
// (64:ff9b::/96). Their first six 16-bit parts.
const embeddingIPv4 = [
  [0, 0, 0, 0, 0, 0xffff],
  [0, 0, 0, 0, 0xffff, 0],
  [0x64, 0xff9b, 0, 0, 0, 0],
];

/**
 * The key a client address is rate limited by: an IPv4 address as it is (one carried in an
 * IPv6 address by mapping, SIIT or NAT64 too: behind a translator each IPv4 client keeps its
 * own count), any other IPv6 address by its /64, the smallest block a provider gives a single
 * customer, whose 2^64 addresses would otherwise each get a fresh allowance (and a key of
 * their own in every limiter and in Redis). Anything else (no address: `unknown`) as given.
 */
export function limitedAddress(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  let parts: number[];
  try {
    // Through the URL standard's IPv6 parser first, which writes every address in hex:
    // ipaddr.js reads `::1.2.3.4` (IPv4-compatible) as if it were mapped. A zone names an
    // interface, not an address, and goes.
    const [address = ''] = ip.split('%');
    const hex = new URL(`http://[${address}]/`).hostname.slice(1, -1);
    parts = ipaddr.IPv6.parse(hex).parts;
  } catch {
    return ip;
  }
  if (embeddingIPv4.some((head) => head.every((part, i) => parts[i] === part))) {
    const [high = 0, low = 0] = parts.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  const prefix = [...parts.slice(0, 4), 0, 0, 0, 0];
  return `${new ipaddr.IPv6(prefix).toString()}/64`;
}
