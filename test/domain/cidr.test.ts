import { describe, expect, it } from 'vitest';
import { ipAllowed, limitedAddress, parseCidrs } from '../../src/domain/cidr.js';

describe('CIDR allowlists', () => {
  it('normalizes addresses and ranges, IPv4-mapped IPv6 ranges to the IPv4 they mean', () => {
    expect(
      parseCidrs(['10.0.0.1', '2001:db8::/32', '::ffff:10.0.0.0/104', '::ffff:192.0.2.7'], 'f'),
    ).toEqual(['10.0.0.1/32', '2001:db8::/32', '10.0.0.0/8', '192.0.2.7/32']);
  });

  it('matches IPv4, IPv6 and IPv4-mapped client addresses', () => {
    const cidrs = parseCidrs(['::ffff:10.0.0.0/104', '2001:db8::/32'], 'f');
    expect(ipAllowed('10.1.2.3', cidrs)).toBe(true);
    expect(ipAllowed('::ffff:10.1.2.3', cidrs)).toBe(true);
    expect(ipAllowed('2001:db8::5', cidrs)).toBe(true);
    expect(ipAllowed('11.0.0.1', cidrs)).toBe(false);
    expect(ipAllowed('not an address', cidrs)).toBe(false);
  });

  it('takes only the standard spelling of an address, never reinterpreting another', () => {
    // ipaddr.js (like inet_aton) reads these as other addresses: 0127.0.0.1 as octal
    // 87.0.0.1, 127.1 and 0x7f.1 as 127.0.0.1.
    for (const value of [
      '0127.0.0.1',
      '127.1',
      '0x7f.1',
      '0x7f.0.0.1',
      '127.0.0.01',
      '00.0.0.0/8',
      '4294967295',
      '10.0.0.0/08',
      '10.0.0.0/+8',
      '10.0.0.0/',
      '10.0.0.0/33',
      '2001:db8::/129',
      '::ffff:0127.0.0.1',
      'fe80::1%eth0',
      ' 10.0.0.1',
      '１０.0.0.1',
      '10.0.0.0/٨',
    ]) {
      expect(() => parseCidrs([value], 'f'), value).toThrow('f/0 is not an IPv4 or IPv6 address');
    }
    expect(parseCidrs(['0.0.0.0/0', '255.255.255.255', '2001:DB8:0::/48', '::/0'], 'f')).toEqual([
      '0.0.0.0/0',
      '255.255.255.255/32',
      '2001:db8::/48',
      '::/0',
    ]);
  });

  it('refuses what is not an address or range, naming the entry', () => {
    expect(() => parseCidrs(['10.0.0.0/8', 'nope'], '/body/allowedCidrs')).toThrow(
      '/body/allowedCidrs/1 is not an IPv4 or IPv6 address or CIDR',
    );
  });
});

describe('the address a client is rate limited by', () => {
  it('is an IPv4 address as it is, and an IPv6 address its /64 in one spelling', () => {
    expect(limitedAddress('192.0.2.1')).toBe('192.0.2.1');
    expect(limitedAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(limitedAddress('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(limitedAddress('2001:DB8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(limitedAddress('2001:0db8:0001:0002:0000:0000:0000:0001')).toBe('2001:db8:1:2::/64');
    expect(limitedAddress('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(limitedAddress('::1')).toBe('::/64');
    // IPv4-compatible (deprecated) is IPv6 like any other, however it is written.
    expect(limitedAddress('::1.2.3.4')).toBe('::/64');
    expect(limitedAddress('::102:304')).toBe('::/64');
    expect(limitedAddress('2001:db8::1')).toBe('2001:db8::/64');
  });

  it('is the IPv4 address an IPv6 address carries by mapping, SIIT or NAT64', () => {
    expect(limitedAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(limitedAddress('::FFFF:c000:201')).toBe('192.0.2.1');
    expect(limitedAddress('::ffff:0:192.0.2.1')).toBe('192.0.2.1');
    expect(limitedAddress('64:ff9b::192.0.2.1')).toBe('192.0.2.1');
    expect(limitedAddress('64:ff9b::198.51.100.7')).toBe('198.51.100.7');
    // Another /96 is not a translator's.
    expect(limitedAddress('64:ff9c::192.0.2.1')).toBe('64:ff9c::/64');
  });

  it('is "unknown" without an address, and anything else as given', () => {
    expect(limitedAddress(null)).toBe('unknown');
    expect(limitedAddress(undefined)).toBe('unknown');
    expect(limitedAddress('')).toBe('unknown');
    expect(limitedAddress('not an address')).toBe('not an address');
  });

  it('drops the zone of a link-local address with the rest of the host part', () => {
    expect(limitedAddress('fe80::1%eth0')).toBe('fe80::/64');
  });
});
