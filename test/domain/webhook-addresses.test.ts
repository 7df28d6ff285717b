import { describe, expect, it } from 'vitest';
import { checkWebhookUrlSyntax, refusedAddressReason } from '../../src/domain/webhook-addresses.js';

describe('webhook address policy', () => {
  it('allows public unicast IPv4 and IPv6 addresses', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.215.14',
      '2606:4700:4700::1111',
      '2a00:1450:4007:80e::200e',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
    ]) {
      expect(refusedAddressReason(address), address).toBeNull();
    }
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fec0::1', 'site-local'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.254', 'reserved'],
    ['203.0.113.5', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['3fff::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::7f00:1', 'reserved'], // IPv4-compatible ::127.0.0.1, deprecated
    ['2001::1', 'Teredo tunnel'],
    ['64:ff9b:1::a00:1', 'local-use NAT64'],
  ])('refuses %s as %s', (address, reason) => {
    expect(refusedAddressReason(address)).toBe(reason);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:0:7f00:1', 'loopback'], // IPv4-translated (RFC 6145)
    ['64:ff9b::7f00:1', 'loopback'], // NAT64 (RFC 6052)
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
    ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  ])('judges %s by the IPv4 address it carries: %s', (address, reason) => {
    expect(refusedAddressReason(address)).toBe(reason);
  });

  it('refuses what is not an address in standard notation instead of guessing', () => {
    for (const value of [
      '127.1',
      '0x7f.0.0.1',
      '0177.0.0.1',
      '2130706433',
      'fe80::1%eth0',
      '',
      'a',
    ]) {
      expect(refusedAddressReason(value), value).toBe('not an IP address in standard notation');
    }
  });
});

describe('webhook URL syntax', () => {
  const refused = (url: string, allowInsecure = false) => {
    const check = checkWebhookUrlSyntax(url, allowInsecure);
    return check.ok ? null : check.message;
  };

  it('accepts an absolute https URL with a path, query and port, and returns it parsed', () => {
    const check = checkWebhookUrlSyntax('https://hooks.example.com:8443/in/orgtoken?x=1', false);
    expect(check.ok && check.url.href).toBe('https://hooks.example.com:8443/in/orgtoken?x=1');
    expect(refused('https://8.8.8.8/hook')).toBeNull();
    expect(refused('https://[2606:4700:4700::1111]/hook')).toBeNull();
  });

  it('refuses what is not an absolute URL', () => {
    for (const url of ['', 'hooks.example.com/in', '/in/orgtoken', 'https://', 'not a url']) {
      expect(refused(url), url).toBe('url must be an absolute URL');
    }
  });

  it('takes only https unless insecure, and then http as well, never another scheme', () => {
    expect(refused('http://hooks.example.com/')).toBe('url must use https');
    expect(refused('ftp://hooks.example.com/')).toBe('url must use https');
    expect(refused('http://hooks.example.com/', true)).toBeNull();
    expect(refused('file:///etc/passwd', true)).toBe('url must use https or http');
    expect(refused('gopher://hooks.example.com/', true)).toBe('url must use https or http');
  });

  it('refuses credentials and fragments in the URL, an empty fragment included', () => {
    expect(refused('https://user:pass@hooks.example.com/')).toBe(
      'url must not contain a user name or password',
    );
    expect(refused('https://user@hooks.example.com/')).toBe(
      'url must not contain a user name or password',
    );
    expect(refused('https://hooks.example.com/in#x')).toBe('url must not contain a fragment');
    expect(refused('https://hooks.example.com/in#')).toBe('url must not contain a fragment');
  });

  it('refuses a URL longer than 2000 characters', () => {
    const base = 'https://hooks.example.com/';
    expect(refused(base + 'a'.repeat(2000 - base.length))).toBeNull();
    expect(refused(base + 'a'.repeat(2001 - base.length))).toBe(
      'url must be at most 2000 characters',
    );
  });

  it('applies the address policy at once to an address written in the URL, in any spelling', () => {
    expect(refused('https://127.0.0.1/')).toBe('refused: 127.0.0.1 (loopback)');
    expect(refused('https://[::1]:8443/')).toBe('refused: ::1 (loopback)');
    expect(refused('https://10.1.2.3/')).toBe('refused: 10.1.2.3 (private)');
    expect(refused('https://169.254.169.254/latest/meta-data/')).toBe(
      'refused: 169.254.169.254 (metadata)',
    );
    expect(refused('https://[fd00:ec2::254]/')).toBe('refused: fd00:ec2::254 (metadata)');
    // The URL parser reads these as 127.0.0.1 and ::ffff:127.0.0.1, and so does the check.
    expect(refused('https://0x7f.1/')).toBe('refused: 127.0.0.1 (loopback)');
    expect(refused('https://2130706433/')).toBe('refused: 127.0.0.1 (loopback)');
    expect(refused('https://[::ffff:127.0.0.1]/')).toBe('refused: ::ffff:7f00:1 (loopback)');
  });

  it('lets any address through when insecure', () => {
    expect(refused('http://127.0.0.1:8080/', true)).toBeNull();
    expect(refused('http://[::1]/', true)).toBeNull();
    expect(refused('https://169.254.169.254/', true)).toBeNull();
  });
});
