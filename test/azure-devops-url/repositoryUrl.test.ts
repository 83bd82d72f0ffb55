import fc from 'fast-check';
import {
  formatRepositoryUrl,
  organizationKey,
  parseRepositoryUrl,
} from '../../shared/azure-devops-url/repositoryUrl';
import { findOrganization } from '../../shared/webhook/organization';

describe('parseRepositoryUrl', () => {
  it.each([
    ['https://dev.azure.com/contoso/Web/_git/api', 'https://dev.azure.com/contoso', 'Web', 'api'],
    ['https://contoso.visualstudio.com/Web/_git/api', 'https://contoso.visualstudio.com', 'Web', 'api'],
    [
      'https://contoso.visualstudio.com/DefaultCollection/Web/_git/api',
      'https://contoso.visualstudio.com',
      'Web',
      'api',
    ],
    ['https://contoso@dev.azure.com/contoso/Web/_git/api', 'https://dev.azure.com/contoso', 'Web', 'api'],
    [
      'https://dev.azure.com/contoso/My%20Project/_git/My%20Repo',
      'https://dev.azure.com/contoso',
      'My Project',
      'My Repo',
    ],
    ['https://dev.azure.com/contoso/_git/Web', 'https://dev.azure.com/contoso', 'Web', 'Web'],
    [
      'https://server/tfs/DefaultCollection/Web/_git/api',
      'https://server/tfs/DefaultCollection',
      'Web',
      'api',
    ],
    [
      'https://server:8443/DefaultCollection/Web/_git/api',
      'https://server:8443/DefaultCollection',
      'Web',
      'api',
    ],
    ['https://server/Fabrikam/Web/_git/api', 'https://server/Fabrikam', 'Web', 'api'],
    ['https://server/tfs/DefaultCollection/_git/Web', 'https://server/tfs/DefaultCollection', 'Web', 'Web'],
    [
      'https://dev.azure.com/contoso/Web/_git/api/pullrequest/12?_a=files',
      'https://dev.azure.com/contoso',
      'Web',
      'api',
    ],
  ])('%s', (url, organizationUrl, project, repository) => {
    expect(parseRepositoryUrl(url)).toEqual({ organizationUrl, project, repository });
  });

  it.each([
    'not a url',
    'ftp://dev.azure.com/contoso/Web/_git/api',
    'https://dev.azure.com/contoso/Web',
    'https://dev.azure.com/contoso/Web/_git',
    'https://dev.azure.com/_git/api',
    'https://dev.azure.com/a/b/c/_git/api',
    'https://dev.azure.com/contoso/Web/_git/%E0%A4%A',
  ])('refuses %s', (url) => {
    expect(parseRepositoryUrl(url)).toBeUndefined();
  });

  const name = fc
    .string({ unit: fc.constantFrom(...'abcXYZ019 -_.~()%&+#ü漢'.split('')), minLength: 1, maxLength: 12 })
    .filter(
      (text) => !/^\.+$/.test(text) && text.trim() === text && text !== '' && text.toLowerCase() !== '_git',
    )
    .filter((text) => !text.startsWith('_') && text.toLowerCase() !== 'defaultcollection');
  const organizationUrl = fc.oneof(
    name.map((org) => `https://dev.azure.com/${encodeURIComponent(org)}`),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/).map((org) => `https://${org}.visualstudio.com`),
    fc
      .tuple(
        fc.constantFrom('https://server', 'https://server:8443', 'http://127.0.0.1:8080'),
        fc.array(name, { minLength: 1, maxLength: 3 }),
      )
      .map(([base, path]) => `${base}/${path.map(encodeURIComponent).join('/')}`),
  );

  it('round-trips every form: parse(format(location)) is the location', () => {
    fc.assert(
      fc.property(organizationUrl, name, name, (url, project, repository) => {
        const location = { organizationUrl: url, project, repository };
        expect(parseRepositoryUrl(formatRepositoryUrl(location))).toEqual(location);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, whatever the text', () => {
    fc.assert(fc.property(fc.string(), (text) => void parseRepositoryUrl(`https://dev.azure.com/${text}`)));
  });
});

describe('organizationKey and findOrganization', () => {
  const organizations = [
    { url: 'https://dev.azure.com/contoso' },
    { url: 'https://server/tfs/DefaultCollection' },
    { url: 'https://server/tfs/Other' },
  ];

  it('names the legacy and current hosts of one organization alike', () => {
    expect(organizationKey('https://contoso.visualstudio.com/')).toBe('dev.azure.com/contoso');
    expect(organizationKey('https://contoso.visualstudio.com/DefaultCollection')).toBe(
      'dev.azure.com/contoso',
    );
    expect(organizationKey('https://dev.azure.com/Contoso/')).toBe('dev.azure.com/contoso');
    expect(organizationKey('https://Server/tfs/DefaultCollection/')).toBe('server/tfs/defaultcollection');
  });

  it.each([
    ['https://dev.azure.com/contoso/', 0],
    ['https://contoso.visualstudio.com/', 0],
    ['https://dev.azure.com/contoso/0f1e/_apis/git/repositories/1', 0],
    ['https://contoso@dev.azure.com/contoso/Web/_git/api', 0],
    ['https://server/tfs/DefaultCollection/', 1],
    ['https://server/tfs/defaultcollection/Web/_git/api', 1],
    ['https://server/tfs/Other/p/_apis/git/repositories/1', 2],
  ])('routes %s to configured organization %i', (url, index) => {
    expect(findOrganization(url, organizations)).toBe(organizations[index]);
  });

  it.each([
    'https://dev.azure.com/contoso-evil/',
    'https://dev.azure.com/contos',
    'https://evil.example/contoso',
    'https://server/tfs/',
    'https://server:8443/tfs/DefaultCollection/',
    'not a url',
  ])('matches %s to none', (url) => {
    expect(findOrganization(url, organizations)).toBeUndefined();
  });
});
