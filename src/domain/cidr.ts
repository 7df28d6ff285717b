import ipaddr from 'ipaddr.js';
import { invalid } from './errors.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses and normalizes CIDRs (IPv4 and IPv6; a bare address is a /32 or /128). */
export function parseCidrs(values: string[], field: string): string[] {
  return values.map((value, index) => {
    try {
      const range = value.includes('/')
        ? ipaddr.parseCIDR(value)
        : ([ipaddr.parse(value), ipaddr.parse(value).kind() === 'ipv4' ? 32 : 128] as Range);
      const [address, bits] = range;
      // Clients' IPv4-mapped addresses are matched as IPv4 (ipAllowed), so a mapped range is
      // stored as the IPv4 range it means; otherwise it could never match anything.
      if (
        address.kind() === 'ipv6' &&
        (address as ipaddr.IPv6).isIPv4MappedAddress() &&
        bits >= 96
      ) {
        return `${(address as ipaddr.IPv6).toIPv4Address().toString()}/${bits - 96}`;
      }
      return `${address.toString()}/${bits}`;
    } catch {
      throw invalid(
        `${field}/${index}`,
        `${field}/${index} is not an IPv4 or IPv6 address or CIDR`,
      );
    }
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
