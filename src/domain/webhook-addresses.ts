/**
 * Where a webhook may be sent (docs/security.md "Webhooks"): a URL an organization admin types
 * is requested by the server, so without a policy it could reach the server's own loopback,
 * its private network or a cloud metadata service (server-side request forgery).
 */
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

export const maxWebhookUrlLength = 2000;

// Instance metadata services outside the ranges refused anyway: AWS's IPv6 endpoint sits in
// unique local space and Azure's WireServer on a public address; 169.254.169.254 (AWS, GCP,
// Azure, OCI, DigitalOcean) and 100.100.100.200 (Alibaba) are named for a clearer refusal.
const metadataAddresses = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '100.100.100.200',
  '168.63.129.16',
  'fd00:ec2::254',
]);

// ipaddr.js's range names, as a refusal says them; 'unicast' is the only one allowed.
const rangeReasons: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  uniqueLocal: 'unique local',
  deprecatedSiteLocal: 'site-local',
  benchmarking: 'benchmarking',
  teredo: 'Teredo tunnel',
};

const globalUnicastV6 = ipaddr.IPv6.parseCIDR('2000::/3');
const localNat64 = ipaddr.IPv6.parseCIDR('64:ff9b:1::/48');

/** The IPv4 address in the last 32 bits of an IPv6 one. */
function lowIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const [a = 0, b = 0] = address.parts.slice(6);
  return new ipaddr.IPv4([a >> 8, a & 0xff, b >> 8, b & 0xff]);
}

/** The IPv4 address a 6to4 address (2002:AABB:CCDD::/48) routes to. */
function sixToFourIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const [, a = 0, b = 0] = address.parts;
  return new ipaddr.IPv4([a >> 8, a & 0xff, b >> 8, b & 0xff]);
}

function ipv4Reason(address: ipaddr.IPv4): string | null {
  if (metadataAddresses.has(address.toString())) return 'metadata';
  const range = address.range();
  if (range === 'unicast') return null;
  return rangeReasons[range] ?? 'reserved';
}

/**
 * IPv6 addresses that carry an IPv4 one (mapped, translated, NAT64, 6to4) reach it, so they
 * are judged by it: ::ffff:127.0.0.1 is loopback. Teredo hides its client address and is
 * refused whole; so is everything outside 2000::/3, the only space allocated as global unicast
 * (IPv4-compatible ::a.b.c.d, discard-only, segment routing, and the unassigned rest).
 */
function ipv6Reason(address: ipaddr.IPv6): string | null {
  if (metadataAddresses.has(address.toString())) return 'metadata';
  const range = address.range();
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return address.match(localNat64) ? 'local-use NAT64' : ipv4Reason(lowIPv4(address));
    case '6to4':
      return ipv4Reason(sixToFourIPv4(address));
    case 'unicast':
      return address.match(globalUnicastV6) ? null : 'reserved';
    default:
      return rangeReasons[range] ?? 'reserved';
  }
}

/**
 * Null when a webhook may be sent to `address` (a public unicast IPv4 or IPv6 address in
 * standard notation), else why not: 'loopback', 'private', 'link-local', 'metadata', …
 * Anything else (another spelling, a zone such as fe80::1%eth0) is refused, never guessed at.
 */
export function refusedAddressReason(address: string): string | null {
  if (isIPv4(address)) return ipv4Reason(ipaddr.IPv4.parse(address));
  if (isIPv6(address) && !address.includes('%')) return ipv6Reason(ipaddr.IPv6.parse(address));
  return 'not an IP address in standard notation';
}

/** The address a URL's host names literally (IPv6 without its brackets), or null for a name. */
export function hostAddress(url: URL): string | null {
  const host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1);
  // The URL parser has already rewritten every IPv4 spelling (0x7f.1, 2130706433) as dotted
  // decimal, so a host that is not one is a name.
  return isIPv4(host) ? host : null;
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/**
 * Whether `url` may be a webhook's: absolute, `https` (or `http` when `allowInsecure`), no
 * credentials, no fragment, at most 2000 characters; when not insecure, an address written
 * in it must pass refusedAddressReason. A host name is resolved later (checkWebhookTarget,
 * and again at every connection).
 */
export function checkWebhookUrlSyntax(url: string, allowInsecure: boolean): WebhookUrlCheck {
  if (url.length > maxWebhookUrlLength) {
    return { ok: false, message: `url must be at most ${maxWebhookUrlLength} characters` };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, message: 'url must be an absolute URL' };
  }
  // The stored and sent form is the parsed one, which percent-encoding can make far longer.
  if (parsed.href.length > maxWebhookUrlLength) {
    return {
      ok: false,
      message: `url must be at most ${maxWebhookUrlLength} characters once encoded`,
    };
  }
  const schemes = allowInsecure ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(parsed.protocol)) {
    return {
      ok: false,
      message: allowInsecure ? 'url must use https or http' : 'url must use https',
    };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, message: 'url must not contain a user name or password' };
  }
  // An empty fragment ("…/hook#") leaves hash empty; the raw text still shows it.
  if (parsed.hash !== '' || url.includes('#')) {
    return { ok: false, message: 'url must not contain a fragment' };
  }
  const address = hostAddress(parsed);
  if (!allowInsecure && address !== null) {
    const reason = refusedAddressReason(address);
    if (reason !== null) return { ok: false, message: `refused: ${address} (${reason})` };
  }
  return { ok: true, url: parsed };
}
