import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ProxySettings } from '../config/proxySettings';
import { proxyFor } from './proxyRoute';

/** What Node's http module calls on an agent; @types/node leaves it out. */
interface RequestQueue {
  addRequest(request: http.ClientRequest, options: http.RequestOptions & { secureEndpoint?: boolean }): void;
  destroy(): void;
}

/**
 * A Node http(s) Agent that picks, per request, a direct connection or the proxy the settings name for its target:
 * absolute-URI forwarding for http: targets, a CONNECT tunnel for https: ones. One agent serves both protocols, as
 * the Azure SDK's `agent` option needs: Node rejects an agent whose `protocol` differs from the request's, so this
 * one has none (nor a default port), and hands each request to a keep-alive agent of the right kind.
 */
export class ProxyRoutingAgent extends http.Agent {
  private readonly routes = new Map<string, RequestQueue>();

  /** `tls` applies to https: targets, tunnelled or not (a test server's CA, for instance). */
  constructor(
    private readonly settings: ProxySettings,
    private readonly tls: ConnectionOptions = {},
  ) {
    super({ keepAlive: true });
    Object.assign(this, { protocol: undefined, defaultPort: undefined });
  }

  addRequest(request: http.ClientRequest, options: http.RequestOptions): void {
    const secure = request.protocol === 'https:';
    const port = Number(options.port) || (secure ? 443 : 80);
    const host = options.hostname ?? options.host ?? 'localhost';
    const target = new URL(
      `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    );
    const proxy = proxyFor(this.settings, target);
    // Through the request, not the route's options: HttpsProxyAgent drops its own for the target's TLS.
    const tls = secure ? this.tls : {};
    this.route(secure, proxy).addRequest(request, { ...tls, ...options, port, secureEndpoint: secure });
  }

  destroy(): void {
    for (const route of this.routes.values()) route.destroy();
    this.routes.clear();
    super.destroy();
  }

  private route(secure: boolean, proxy: string | undefined): RequestQueue {
    const key = `${secure ? 'https' : 'http'} ${proxy ?? 'direct'}`;
    let route = this.routes.get(key);
    if (route === undefined) {
      route = this.createRoute(secure, proxy) as unknown as RequestQueue;
      this.routes.set(key, route);
    }
    return route;
  }

  private createRoute(secure: boolean, proxy: string | undefined): http.Agent {
    if (proxy === undefined) {
      return secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    }
    return secure
      ? new HttpsProxyAgent(proxy, { keepAlive: true })
      : new HttpProxyAgent(proxy, { keepAlive: true });
  }
}
