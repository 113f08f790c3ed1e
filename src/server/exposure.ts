// Whether `serve` is reachable from other machines, and the URLs it is reachable at. On a loopback
// address only this machine can call the sandbox, so its well-known defaults (admin token, test
// keys) are harmless; on any other they are not, and `serve` replaces them (docs/exposing.md).
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback']);

/** A host that only this machine can reach: 127.0.0.0/8, ::1 (also as ::ffff:127.x) or localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    const canonical = new URL(`http://[${h}]`).hostname.slice(1, -1); // 0:0:…:1 → ::1, ::ffff:127.0.0.1 → ::ffff:7f00:1
    return canonical === '::1' || canonical.startsWith('::ffff:7f');
  }
  return false;
}

/** The wildcard addresses: listening on one of them means every interface of the machine. */
export const isAllInterfaces = (address: string): boolean => address === '0.0.0.0' || address === '::';

const urlOf = (address: string, port: number) => `http://${address.includes(':') ? `[${address}]` : address}:${port}`;

/**
 * The URLs the server answers at. A concrete address is one URL; the wildcard is every address of
 * the machine's interfaces (IPv4 for 0.0.0.0; both families for ::), loopback first.
 */
export function reachableUrls(address: string, port: number): string[] {
  if (!isAllInterfaces(address)) return [urlOf(address, port)];
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => (address === '0.0.0.0' ? i.family === 'IPv4' : true))
    .filter((i) => !(i.family === 'IPv6' && i.scopeid)) // link-local fe80:: needs a zone: not a URL to hand out
    .sort((a, b) => Number(b.internal) - Number(a.internal));
  const urls = addresses.map((i) => urlOf(i.address, port));
  return urls.length ? [...new Set(urls)] : [urlOf(address === '::' ? '::1' : '127.0.0.1', port)];
}
