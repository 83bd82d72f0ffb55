import type { IProxyConfiguration } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import { EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { getProxySettings, type NoProxyEntry, type ProxySettings } from '../config/proxySettings';
import { bypassesProxy } from './proxyRoute';
import { ProxyRoutingAgent } from './proxyRoutingAgent';

/**
 * The proxy hooks of each kind of outbound client, made from the proxy settings:
 * - fetch-based clients (the openai SDK: `new OpenAI({ fetch })`): `createProxyFetch`. Node's built-in fetch ignores
 *   the proxy variables, and a dispatcher from this undici need not fit the undici inside Node, so this is undici's
 *   own fetch with its EnvHttpProxyAgent, handed our settings rather than left to read the environment.
 * - http-module clients (Azure SDK `agent`, Bedrock's NodeHttpHandler `httpAgent`/`httpsAgent`): ProxyRoutingAgent.
 * - azure-devops-node-api: `azureDevOpsProxy`, its `IRequestOptions.proxy`.
 * The `get…` functions are the process-wide ones, from `getProxySettings()`.
 */

function noProxyValue(noProxy: ProxySettings['noProxy']): string {
  if (noProxy === 'all') return '*';
  return noProxy
    .map((entry) => (entry.port === 0 ? entry.hostname : `${entry.hostname}:${entry.port}`))
    .join(',');
}

/** Never undefined: undici reads the environment for any option left undefined. */
function createProxyDispatcher(settings: ProxySettings): Dispatcher {
  return new EnvHttpProxyAgent({
    httpProxy: settings.httpProxy ?? '',
    httpsProxy: settings.httpsProxy ?? '',
    noProxy: noProxyValue(settings.noProxy),
    // Forward http: requests as absolute URIs, as proxies expect (many allow CONNECT to port 443 only).
    proxyTunnel: false,
  });
}

export function createProxyFetch(settings: ProxySettings): typeof fetch {
  const dispatcher = createProxyDispatcher(settings);
  const proxyFetch = (input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher });
  // undici's fetch is the implementation of Node's: the same contract under its own type names.
  return proxyFetch as unknown as typeof fetch;
}

const ANY_SCHEME = '[a-z][a-z0-9+.-]*';
const DEFAULT_SCHEMES: Record<number, string> = { 80: 'http', 443: 'https' };
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * typed-rest-client tests each bypass entry as a case-insensitive RegExp against the request's whole URL (href),
 * which leaves out a default port: so `host:443` also matches `https://host/…`.
 */
function bypassPattern(entry: NoProxyEntry): string {
  const authority = (scheme: string) =>
    `${scheme}://(?:[^/?#@]*@)?(?:[^/?#@]*\\.)?${escapeRegExp(entry.hostname)}`;
  const end = '(?:[/?#]|$)';
  if (entry.port === 0) return `^${authority(ANY_SCHEME)}(?::\\d+)?${end}`;
  const alternatives = [`${authority(ANY_SCHEME)}:${entry.port}`];
  const defaultScheme = DEFAULT_SCHEMES[entry.port];
  if (defaultScheme !== undefined) alternatives.push(authority(defaultScheme));
  return `^(?:${alternatives.join('|')})${end}`;
}

/**
 * The client sends every request of a connection through one proxy, so it is the one for the organization URL's
 * scheme; NO_PROXY becomes its bypass patterns. An empty proxyUrl means "direct" and stops the client falling back
 * to the upper-case variables on its own.
 */
export function azureDevOpsProxy(settings: ProxySettings, orgUrl: string): IProxyConfiguration {
  const target = new URL(orgUrl);
  const proxy = target.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (proxy === undefined || settings.noProxy === 'all' || bypassesProxy(settings.noProxy, target))
    return { proxyUrl: '' };
  const url = new URL(proxy);
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return {
    proxyUrl: url.href,
    ...(username !== '' || password !== '' ? { proxyUsername: username, proxyPassword: password } : {}),
    proxyBypassHosts: settings.noProxy.map(bypassPattern),
  };
}

let processFetch: typeof fetch | undefined;
let processAgent: ProxyRoutingAgent | undefined;

export function getProxyFetch(): typeof fetch {
  processFetch ??= createProxyFetch(getProxySettings());
  return processFetch;
}

export function getProxyAgent(): ProxyRoutingAgent {
  processAgent ??= new ProxyRoutingAgent(getProxySettings());
  return processAgent;
}
