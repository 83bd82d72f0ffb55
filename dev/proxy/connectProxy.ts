import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for a corporate HTTP proxy on 127.0.0.1: CONNECT tunnels (https: targets) and absolute-URI requests
 * (http: targets, forwarded), with an optional Basic Proxy-Authorization check. It records every request it gets,
 * answered or refused, so a test can tell which traffic went through it.
 */

export interface ProxiedRequest {
  kind: 'connect' | 'forward';
  /** `host:port` as the client named it. */
  target: string;
  /** Whether the request carried the expected Proxy-Authorization (always true without a check). */
  authorized: boolean;
}

export interface ProxyTestServer {
  /** `http://127.0.0.1:<port>`, without credentials. */
  url: string;
  /** `url` with the credentials the proxy expects, when it checks them. */
  urlWithCredentials: string;
  requests: ProxiedRequest[];
  /** Authorized CONNECT tunnels opened to `host:port`. */
  tunnels(target: string): number;
  /** Authorized absolute-URI requests forwarded to `host:port`. */
  forwards(target: string): number;
  close(): Promise<void>;
}

export async function startConnectProxy(
  options: {
    credentials?: { username: string; password: string };
    /** Host names to connect to another address, like /etc/hosts (the Key Vault test server's name, say). */
    hosts?: Record<string, string>;
  } = {},
): Promise<ProxyTestServer> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const { credentials } = options;
  const expected =
    credentials === undefined
      ? undefined
      : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const isAuthorized = (request: http.IncomingMessage) =>
    expected === undefined || request.headers['proxy-authorization'] === expected;
  const address = (host: string) => options.hosts?.[host.toLowerCase()] ?? host.replace(/^\[|\]$/g, '');
  const record = (kind: ProxiedRequest['kind'], target: string, authorized: boolean) =>
    requests.push({ kind, target: target.toLowerCase(), authorized });
  const refusal = 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n';

  const server = http.createServer((request, response) => {
    const target = URL.canParse(request.url ?? '') ? new URL(request.url as string) : undefined;
    if (target === undefined || target.protocol !== 'http:') {
      response.writeHead(400).end('absolute http:// URIs only');
      return;
    }
    const port = Number(target.port) || 80;
    const authorized = isAuthorized(request);
    record('forward', `${target.hostname}:${port}`, authorized);
    if (!authorized) {
      response.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const headers = { ...request.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      {
        // A connection per request, so closing the proxy leaves no connection open to the target.
        agent: false,
        host: address(target.hostname),
        port,
        method: request.method,
        path: target.pathname + target.search,
        headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      if (response.headersSent) response.destroy();
      else response.writeHead(502).end();
    });
    request.pipe(upstream);
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = request.url ?? '';
    const hostAndPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
    const authorized = isAuthorized(request);
    record('connect', target, authorized);
    if (hostAndPort === null) return client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    if (!authorized) return client.end(`${refusal}\r\n`);
    let established = false;
    const upstream = net.connect(Number(hostAndPort[2]), address(hostAndPort[1]), () => {
      established = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      if (established) client.destroy();
      else client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    client.on('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const count = (kind: ProxiedRequest['kind'], target: string) =>
    requests.filter(
      (entry) => entry.kind === kind && entry.authorized && entry.target === target.toLowerCase(),
    ).length;

  return {
    url,
    urlWithCredentials:
      credentials === undefined
        ? url
        : `http://${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@${url.slice(7)}`,
    requests,
    tunnels: (target) => count('connect', target),
    forwards: (target) => count('forward', target),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
