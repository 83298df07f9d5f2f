import { describe, expect, it } from '@jest/globals';
import { ClientIpResolver } from './client-ip.js';

describe('ClientIpResolver', () => {
  const resolver = new ClientIpResolver(['127.0.0.0/8', '::1/128', '10.0.0.0/8']);

  it('uses the socket address when it is not a trusted proxy, ignoring X-Forwarded-For', () => {
    expect(resolver.resolve('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it('walks X-Forwarded-For from the right through trusted proxies only', () => {
    // The client wrote "1.1.1.1" itself; the ingress (10.0.0.5) appended the real address.
    expect(resolver.resolve('10.0.0.5', '1.1.1.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(resolver.resolve('10.0.0.5', ['1.1.1.1', '10.0.0.7, 203.0.113.9'])).toBe('203.0.113.9');
    expect(resolver.resolve('10.0.0.5', '203.0.113.9, 10.0.0.7')).toBe('203.0.113.9');
  });

  it('normalises IPv4-mapped addresses and stops at garbage', () => {
    expect(resolver.resolve('::ffff:127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    expect(resolver.resolve('127.0.0.1', 'not-an-ip')).toBe('127.0.0.1');
    expect(resolver.resolve('127.0.0.1', undefined)).toBe('127.0.0.1');
    expect(resolver.resolve(undefined, undefined)).toBe('unknown');
  });

  it('trusts nobody when configured with no proxies', () => {
    expect(new ClientIpResolver([]).resolve('127.0.0.1', '203.0.113.9')).toBe('127.0.0.1');
  });

  it('keys IPv6 clients by /64 and IPv4 clients by address', () => {
    expect(ClientIpResolver.keyOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(ClientIpResolver.keyOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(ClientIpResolver.keyOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ClientIpResolver.keyOf('203.0.113.9')).toBe('203.0.113.9');
  });
});
