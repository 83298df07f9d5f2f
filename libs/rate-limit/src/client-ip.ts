import { BlockList, isIP } from 'node:net';

/** Strips the IPv4-mapped prefix (`::ffff:1.2.3.4`) Node reports on dual-stack sockets. */
const normalize = (address: string): string => {
  const trimmed = address.trim();
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(trimmed) ? trimmed.slice(7) : trimmed;
};

const expandIpv6 = (address: string): string[] => {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...new Array<string>(missing).fill('0'), ...right];
};

/**
 * Finds the client's address for per-IP limits: walks `X-Forwarded-For` from the right and
 * stops at the first hop that is not a trusted proxy. Entries left of that hop were written by
 * the client and are never believed, so sending the header cannot dodge a limit.
 */
export class ClientIpResolver {
  private readonly trusted = new BlockList();

  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const [address, bits] = entry.split('/') as [string, string | undefined];
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(address, type);
      else this.trusted.addSubnet(address, Number(bits), type);
    }
  }

  resolve(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
    let current = normalize(remoteAddress ?? '');
    if (!current) return 'unknown';
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')).split(',').map(normalize).filter(Boolean);
    while (this.isTrusted(current) && hops.length > 0) {
      const next = hops.pop()!;
      // A trusted proxy that forwards garbage is misconfigured: keep the last real address.
      if (isIP(next) === 0) break;
      current = next;
    }
    return current;
  }

  /**
   * The bucket key of an address: IPv6 clients get a whole /64 (one host usually has one), so
   * cycling through its addresses does not multiply the allowance.
   */
  static keyOf(address: string): string {
    if (isIP(address) !== 6) return address;
    return `${expandIpv6(address.toLowerCase()).slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
