import { z } from 'zod';
import { ConfigError, settingProblems } from './fields';
import { isLoopbackHost } from './loopbackHost';

/**
 * The outbound proxy settings: HTTP_PROXY, HTTPS_PROXY and NO_PROXY, in either case, as curl and undici read them.
 *
 * - The lower-case name wins when it is set, even blank (a blank `https_proxy` turns off `HTTPS_PROXY`), as in
 *   curl and undici. Blank means "no proxy".
 * - http: targets use HTTP_PROXY; https: targets use HTTPS_PROXY, else HTTP_PROXY (undici's fallback).
 * - A proxy without a scheme is `http://` (curl's default), e.g. `proxy.corp:3128`; credentials go in its URL, which
 *   must then be https:// unless the proxy is on this machine (loopback).
 * - NO_PROXY: comma- or space-separated; `*` alone bypasses every host; `host` matches the host and its
 *   subdomains, `.domain` and `*.domain` the same; `host:port` only that port; an IP address only itself (IPv6 as
 *   `[::1]` or `::1`; no CIDR ranges). Hosts compare case-insensitively.
 */

export interface NoProxyEntry {
  /** Lower-case, without a leading `.` or `*.`; an IPv6 address in brackets, as URL.hostname writes it. */
  hostname: string;
  /** 0: any port. */
  port: number;
}

export interface ProxySettings {
  /** The proxy URL for http: targets. */
  httpProxy?: string;
  /** The proxy URL for https: targets. */
  httpsProxy?: string;
  noProxy: 'all' | NoProxyEntry[];
}

/** Messages name the setting only: a proxy URL may carry credentials. */
const proxyUrl = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const value = raw?.trim();
    if (!value) return undefined;
    const url = value.includes('://') ? value : `http://${value}`;
    if (!URL.canParse(url)) {
      ctx.addIssue({ code: 'custom', message: 'must be a proxy URL (this setting or its lower-case twin)' });
      return z.NEVER;
    }
    const parsed = new URL(url);
    if (!/^https?:$/.test(parsed.protocol)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an http:// or https:// proxy URL (this setting or its lower-case twin)',
      });
      return z.NEVER;
    }
    // Sent as Proxy-Authorization on every request: over http:// anyone between here and the proxy reads them.
    const credentials = parsed.username !== '' || parsed.password !== '';
    if (credentials && parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'carries credentials over plain http:// to a proxy not on this machine, so they would cross the network ' +
          'in clear text: use an https:// proxy URL (this setting or its lower-case twin)',
      });
      return z.NEVER;
    }
    return url;
  });

const proxySchema = z.object({
  HTTP_PROXY: proxyUrl,
  HTTPS_PROXY: proxyUrl,
  NO_PROXY: z
    .string()
    .optional()
    .transform((value) => value ?? ''),
});

function noProxyEntry(entry: string): NoProxyEntry {
  const bareIpv6 = !entry.startsWith('[') && entry.split(':').length > 2;
  const hostAndPort = bareIpv6 ? undefined : /^(.+):(\d+)$/.exec(entry);
  const hostname = bareIpv6 ? `[${entry}]` : (hostAndPort?.[1] ?? entry);
  return {
    hostname: hostname.replace(/^\*?\./, '').toLowerCase(),
    port: hostAndPort === null || hostAndPort === undefined ? 0 : Number(hostAndPort[2]),
  };
}

function parseNoProxy(value: string): ProxySettings['noProxy'] {
  const entries = value.split(/[,\s]+/).filter((entry) => entry !== '');
  if (entries.includes('*')) return 'all';
  return entries.map(noProxyEntry);
}

/** The lower-case variable when it is set at all, else the upper-case one. */
const eitherCase = (source: NodeJS.ProcessEnv, name: string) => source[name.toLowerCase()] ?? source[name];

export function parseProxySettings(source: NodeJS.ProcessEnv): ProxySettings {
  const result = proxySchema.safeParse({
    HTTP_PROXY: eitherCase(source, 'HTTP_PROXY'),
    HTTPS_PROXY: eitherCase(source, 'HTTPS_PROXY'),
    NO_PROXY: eitherCase(source, 'NO_PROXY'),
  });
  if (!result.success) throw new ConfigError(settingProblems(result.error));
  const env = result.data;
  return {
    httpProxy: env.HTTP_PROXY,
    httpsProxy: env.HTTPS_PROXY ?? env.HTTP_PROXY,
    noProxy: parseNoProxy(env.NO_PROXY),
  };
}

let cached: ProxySettings | undefined;

/** The process's proxy settings, read from the environment on first use; throws ConfigError when invalid. */
export function getProxySettings(): ProxySettings {
  cached ??= parseProxySettings(process.env);
  return cached;
}
