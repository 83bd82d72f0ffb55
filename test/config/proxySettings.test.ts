import { ConfigError } from '../../shared/config/fields';
import { parseProxySettings } from '../../shared/config/proxySettings';
import { azureDevOpsProxy } from '../../shared/http/outboundProxy';
import { bypassesProxy, proxyFor } from '../../shared/http/proxyRoute';

describe('parseProxySettings', () => {
  test('the lower-case variable wins over the upper-case one, as in curl and undici', () => {
    const settings = parseProxySettings({
      http_proxy: 'http://lower:3128',
      HTTP_PROXY: 'http://upper:3128',
      HTTPS_PROXY: 'http://secure-upper:3128',
      no_proxy: 'lower.example',
      NO_PROXY: 'upper.example',
    });

    expect(settings).toEqual({
      httpProxy: 'http://lower:3128',
      httpsProxy: 'http://secure-upper:3128',
      noProxy: [{ hostname: 'lower.example', port: 0 }],
    });
  });

  test('a blank lower-case variable turns the upper-case one off', () => {
    expect(
      parseProxySettings({ https_proxy: ' ', HTTPS_PROXY: 'http://upper:3128' }).httpsProxy,
    ).toBeUndefined();
  });

  test('https: targets fall back to HTTP_PROXY; a proxy without a scheme is http://', () => {
    expect(parseProxySettings({ HTTP_PROXY: 'proxy.corp:8080' })).toEqual({
      httpProxy: 'http://proxy.corp:8080',
      httpsProxy: 'http://proxy.corp:8080',
      noProxy: [],
    });
    expect(parseProxySettings({})).toEqual({ noProxy: [] });
  });

  test('an unusable proxy URL is a ConfigError that names the setting, never its value', () => {
    const parse = () =>
      parseProxySettings({ HTTPS_PROXY: 'socks5://user:hunter2@proxy:1080', http_proxy: 'http://a b:1' });

    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/HTTPS_PROXY: must be an http:\/\/ or https:\/\/ proxy URL/);
    expect(parse).toThrow(/HTTP_PROXY: must be a proxy URL/);
    expect(parse).not.toThrow(/hunter2|user|a b/);
  });

  test('credentials over plain http:// to a proxy off this machine are a ConfigError naming the setting only', () => {
    const parse = (env: NodeJS.ProcessEnv) => () => parseProxySettings(env);
    const inClear = /HTTPS_PROXY: carries credentials over plain http:\/\/ to a proxy not on this machine/;
    for (const proxy of [
      'http://proxy-user:hunter2@proxy.corp:3128',
      'proxy-user:hunter2@proxy.corp:3128',
      'http://:hunter2@10.0.0.5:3128',
      'http://proxy-user@127.evil.net:3128',
    ]) {
      expect(parse({ HTTPS_PROXY: proxy })).toThrow(ConfigError);
      expect(parse({ HTTPS_PROXY: proxy })).toThrow(inClear);
      expect(parse({ HTTPS_PROXY: proxy })).not.toThrow(/hunter2|proxy-user/);
    }
    expect(parse({ http_proxy: 'http://u:hunter2@proxy.corp:3128' })).toThrow(
      /HTTP_PROXY: carries credentials/,
    );
    // Over TLS, to a proxy on this machine (any loopback spelling), or without credentials: as given.
    for (const proxy of [
      'https://proxy-user:hunter2@proxy.corp:3128',
      'http://proxy-user:hunter2@127.0.0.1:3128',
      'http://proxy-user:hunter2@localhost:3128',
      'http://proxy-user:hunter2@[::1]:3128',
      'http://proxy.corp:3128',
    ])
      expect(parseProxySettings({ HTTPS_PROXY: proxy }).httpsProxy).toBe(proxy);
  });

  test('NO_PROXY entries: *, .domain, *.domain, host:port, IPv6, separated by commas or spaces', () => {
    expect(parseProxySettings({ NO_PROXY: 'a.example, *' }).noProxy).toBe('all');
    expect(
      parseProxySettings({ NO_PROXY: '.Corp.Example,*.svc.local  host:8080,10.0.0.1,::1,[fd00::1]:8443' })
        .noProxy,
    ).toEqual([
      { hostname: 'corp.example', port: 0 },
      { hostname: 'svc.local', port: 0 },
      { hostname: 'host', port: 8080 },
      { hostname: '10.0.0.1', port: 0 },
      { hostname: '[::1]', port: 0 },
      { hostname: '[fd00::1]', port: 8443 },
    ]);
  });
});

describe('proxyFor', () => {
  const settings = parseProxySettings({
    HTTP_PROXY: 'http://plain-proxy:3128',
    HTTPS_PROXY: 'http://tls-proxy:3128',
    NO_PROXY: 'corp.example,api.example:8443,secure.example:443,10.0.0.1,::1',
  });
  const route = (url: string) => proxyFor(settings, new URL(url));

  test.each([
    ['https://corp.example/x', undefined],
    ['https://deep.sub.corp.example/x', undefined],
    ['https://CORP.example/x', undefined],
    ['https://notcorp.example/x', 'http://tls-proxy:3128'],
    ['https://api.example:8443/x', undefined],
    ['https://api.example/x', 'http://tls-proxy:3128'],
    ['https://secure.example/x', undefined],
    ['http://secure.example/x', 'http://plain-proxy:3128'],
    ['http://10.0.0.1:9000/x', undefined],
    ['http://10.0.0.10/x', 'http://plain-proxy:3128'],
    ['http://[::1]:8080/x', undefined],
    ['http://dev.azure.com/x', 'http://plain-proxy:3128'],
  ])('%s goes through %s', (url, proxy) => {
    expect(route(url)).toBe(proxy);
  });

  test('NO_PROXY=* bypasses every host', () => {
    expect(bypassesProxy('all', new URL('https://dev.azure.com/'))).toBe(true);
  });
});

describe('azureDevOpsProxy', () => {
  const settings = parseProxySettings({
    HTTPS_PROXY: 'https://proxy%20user:p%40ss@proxy.corp:3128',
    NO_PROXY: 'vssps.example,internal.example:8443,tfs.example:443',
  });
  /** The check typed-rest-client makes: each entry as a case-insensitive RegExp against the request's href. */
  const bypassed = (href: string) =>
    (azureDevOpsProxy(settings, 'https://dev.azure.com/org').proxyBypassHosts ?? []).some((pattern) =>
      new RegExp(pattern, 'i').test(href),
    );

  test('the proxy of the organization URL, its credentials apart and decoded', () => {
    expect(azureDevOpsProxy(settings, 'https://dev.azure.com/org')).toMatchObject({
      proxyUrl: 'https://proxy.corp:3128/',
      proxyUsername: 'proxy user',
      proxyPassword: 'p@ss',
    });
  });

  test.each([
    ['https://vssps.example/_apis', true],
    ['https://app.vssps.example/_apis', true],
    ['https://VSSPS.example:444/', true],
    ['https://notvssps.example/', false],
    ['https://evil.example/?next=vssps.example', false],
    ['https://vssps.example@evil.example/', false],
    ['https://internal.example:8443/x', true],
    ['https://internal.example/x', false],
    ['https://internal.example:84430/x', false],
    ['https://tfs.example/x', true],
    ['http://tfs.example/x', false],
  ])('%s bypassed: %s', (href, expected) => {
    expect(bypassed(href)).toBe(expected);
  });

  test('"direct" when the organization is in NO_PROXY or no proxy is set, so the client skips its own env', () => {
    expect(azureDevOpsProxy(settings, 'https://tfs.example/collection')).toEqual({ proxyUrl: '' });
    expect(azureDevOpsProxy(parseProxySettings({}), 'https://dev.azure.com/org')).toEqual({ proxyUrl: '' });
    expect(
      azureDevOpsProxy(parseProxySettings({ HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' }), 'https://x.example'),
    ).toEqual({ proxyUrl: '' });
  });
});
