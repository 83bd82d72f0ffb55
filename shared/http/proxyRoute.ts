import type { NoProxyEntry, ProxySettings } from '../config/proxySettings';

/**
 * Which proxy, if any, a request to `target` goes through: the one decision every outbound client shares.
 */

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

function matches(entry: NoProxyEntry, hostname: string, port: number): boolean {
  if (entry.port !== 0 && entry.port !== port) return false;
  return hostname === entry.hostname || hostname.endsWith(`.${entry.hostname}`);
}

export function bypassesProxy(noProxy: ProxySettings['noProxy'], target: URL): boolean {
  if (noProxy === 'all') return true;
  const port = Number(target.port) || DEFAULT_PORTS[target.protocol] || 0;
  const hostname = target.hostname.toLowerCase();
  return noProxy.some((entry) => matches(entry, hostname, port));
}

/** The proxy URL for `target`, or undefined to connect directly. */
export function proxyFor(settings: ProxySettings, target: URL): string | undefined {
  if (bypassesProxy(settings.noProxy, target)) return undefined;
  return target.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
}
