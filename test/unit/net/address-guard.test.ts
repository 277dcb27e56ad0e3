/**
 * The address classifier behind script fetching. Addresses here are only strings: nothing connects.
 */
import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../../lib/net/address-guard.js';

describe('isPublicAddress', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '52.95.110.1',
    '100.63.255.255', // just below carrier-grade NAT
    '100.128.0.0', // just above it
    '172.15.255.255', // just below 172.16.0.0/12
    '172.32.0.0', // just above it
    '169.253.255.255',
    '223.255.255.255', // the last address below multicast
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2a05:d018::1',
    '::ffff:8.8.8.8', // IPv4-mapped form of a public address
    '::ffff:808:808', // the same in hex
    '64:ff9b::8.8.8.8', // well-known NAT64 prefix in front of a public address
  ])('allows the public address %s', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  it.each([
    ['0.0.0.0', 'this network'],
    ['0.255.255.255', 'this network'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'instance metadata'],
    ['169.254.0.1', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.1', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.1', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback, written out'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback in hex'],
    ['::FFFF:A9FE:A9FE', 'IPv4-mapped instance metadata, upper case'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:0:0', 'IPv4-mapped this network'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['::ffff:0:a00:1', 'IPv4-translated'],
    ['64:ff9b::10.0.0.1', 'NAT64 of a private address'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of instance metadata'],
    ['64:ff9b:1::8.8.8.8', 'local-use NAT64'],
    ['100::1', 'discard'],
    ['fc00::1', 'unique local'],
    ['fd00:ec2::254', 'unique local (the IPv6 instance metadata address)'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local (deprecated)'],
    ['ff02::1', 'multicast'],
    ['2001::1', 'Teredo'],
    ['2001:db8::1', 'documentation'],
    ['2002:a00:1::1', '6to4 (of 10.0.0.1)'],
    ['3fff::1', 'documentation'],
    ['4000::1', 'outside global unicast'],
  ])('refuses %s (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    '',
    'localhost',
    'example.com',
    '010.0.0.1', // leading zero: octal to some parsers
    '0x7f.0.0.1',
    '2130706433', // 127.0.0.1 as one number
    '8.8.8',
    '8.8.8.8.8',
    '[::1]',
    'fe80::1%eth0', // zone id
    '2606:4700:4700::1111%1',
    ':::1',
    '8.8.8.8/32',
  ])('refuses %j, which is not an address literal', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });
});
