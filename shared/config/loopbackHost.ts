import { BlockList, isIP } from 'node:net';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * Whether a URL's host (as `URL.hostname` writes it: IPv6 in brackets) is this machine, where plain http never
 * leaves it: `localhost`, or an address in 127.0.0.0/8 or ::1 (IPv4-mapped too). Only an address is judged by its
 * value: a name that looks like one (`127.evil.net`) resolves wherever its owner points it.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  if (family === 0) return host.toLowerCase() === 'localhost';
  return loopback.check(host, family === 6 ? 'ipv6' : 'ipv4');
}
