import { organizationKey } from '../azure-devops-url/repositoryUrl';
import { ConfigError } from '../config';
import { parseAzureDevOpsConfig, type AzureDevOpsOrganization } from '../config/azureDevOpsSettings';
import { blankAsUnset } from '../config/fields';

/**
 * Which organizations `setup-hooks` / `remove-hooks` change and how each is signed in to:
 * - `--all-organizations`: every organization of the app's settings (AZURE_DEVOPS_ORGANIZATIONS, or
 *   AZURE_DEVOPS_ORG_URL and its credential), each with its own configured credential — a PAT serves one
 *   organization only, so none given to the command is used;
 * - `--org` with AZURE_DEVOPS_PAT: that PAT, as before;
 * - `--org` naming an organization of the app's settings, without AZURE_DEVOPS_PAT: its configured credential, sent
 *   to its configured URL;
 * - otherwise `--org` with AZURE_DEVOPS_BOT_TOKEN as the PAT, as before.
 */

export interface HooksOrganization {
  /** The URL its requests go to and the credential they carry. */
  organization: AzureDevOpsOrganization;
  /** What to check when Azure DevOps refuses the credential. */
  credentialSource: string;
}

type GivenTokens = { AZURE_DEVOPS_PAT?: string; AZURE_DEVOPS_BOT_TOKEN?: string };
type Resolved = { organizations: HooksOrganization[]; warnings: string[] } | { problems: string[] };

const givenPat = (orgUrl: string, token: string, setting: string): HooksOrganization => ({
  organization: {
    key: organizationKey(orgUrl),
    url: orgUrl,
    auth: { mode: 'pat', token: { value: token } },
    setting,
  },
  credentialSource: `${setting} and --org`,
});

const configured = (organization: AzureDevOpsOrganization): HooksOrganization => ({
  organization,
  credentialSource: organization.setting,
});

function appOrganizations(env: NodeJS.ProcessEnv): AzureDevOpsOrganization[] | ConfigError {
  try {
    return parseAzureDevOpsConfig(env).organizations;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

const PAT_REQUIRED =
  "AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN): is required, unless --org is an organization of the app's " +
  'settings (AZURE_DEVOPS_ORGANIZATIONS or AZURE_DEVOPS_ORG_URL), whose credential is then used';

export function hooksOrganizations(
  target: { orgUrl: string } | 'all',
  given: GivenTokens,
  env: NodeJS.ProcessEnv,
): Resolved {
  if (target !== 'all' && given.AZURE_DEVOPS_PAT !== undefined)
    return {
      organizations: [givenPat(target.orgUrl, given.AZURE_DEVOPS_PAT, 'AZURE_DEVOPS_PAT')],
      warnings: [],
    };
  const settings = appOrganizations(env);
  if (target === 'all') {
    if (settings instanceof ConfigError)
      return { problems: settings.problems.map((problem) => `--all-organizations: ${problem}`) };
    const warnings =
      given.AZURE_DEVOPS_PAT === undefined
        ? []
        : ['AZURE_DEVOPS_PAT is not used with --all-organizations: each organization signs in as configured'];
    return { organizations: settings.map(configured), warnings };
  }
  const key = organizationKey(target.orgUrl);
  const match = settings instanceof ConfigError ? undefined : settings.find((entry) => entry.key === key);
  if (match !== undefined) return { organizations: [configured(match)], warnings: [] };
  if (given.AZURE_DEVOPS_BOT_TOKEN !== undefined)
    return {
      organizations: [givenPat(target.orgUrl, given.AZURE_DEVOPS_BOT_TOKEN, 'AZURE_DEVOPS_BOT_TOKEN')],
      warnings: [],
    };
  if (!(settings instanceof ConfigError))
    return {
      problems: [
        `${PAT_REQUIRED}; ${target.orgUrl} is not one of them (${settings.map((entry) => entry.url).join(', ')})`,
      ],
    };
  const present = blankAsUnset(env);
  const attempted =
    present.AZURE_DEVOPS_ORGANIZATIONS !== undefined || present.AZURE_DEVOPS_ORG_URL !== undefined;
  // Settings meant to configure an organization but broken: say why they could not be used.
  return {
    problems: [
      PAT_REQUIRED,
      ...(attempted ? settings.problems.map((problem) => `app settings: ${problem}`) : []),
    ],
  };
}

/**
 * The organizations of a command line that takes exactly one of `--all-organizations` and `orgFlags` (`--org` and
 * what may stand for it, such as `--repo-url`), resolved as above; none when the options or the environment did not
 * pass their schemas (their problems are already said).
 */
export function organizationsOfCommandLine(
  options: { org?: string; 'all-organizations': boolean } | undefined,
  orgFlags: string[],
  given: GivenTokens | undefined,
  env: NodeJS.ProcessEnv,
): { organizations?: HooksOrganization[]; warnings: string[]; problems: string[] } {
  if (options === undefined || given === undefined) return { warnings: [], problems: [] };
  const all = options['all-organizations'];
  if (all === (options.org !== undefined)) {
    const alternatives = [...orgFlags.slice(1), '--all-organizations'].map((flag) => `or ${flag}`);
    return {
      warnings: [],
      problems: [
        all
          ? `--all-organizations: give either it or ${orgFlags.join('/')}`
          : `--org: is required (${alternatives.join(', ')})`,
      ],
    };
  }
  const resolved = hooksOrganizations(
    options.org === undefined ? 'all' : { orgUrl: options.org },
    given,
    env,
  );
  return 'problems' in resolved
    ? { warnings: [], problems: resolved.problems }
    : { ...resolved, problems: [] };
}
