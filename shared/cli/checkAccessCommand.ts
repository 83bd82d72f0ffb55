import { parseArgs } from 'node:util';
import { z } from 'zod';
import { credentialFor } from '../azure-devops/azureDevOpsCredential';
import { openAzureDevOpsConnection } from '../azure-devops/azureDevOpsConnection';
import { checkRepositoryAccess } from '../azure-devops/repositoryAccess';
import { parseRepositoryUrl } from '../azure-devops-url/repositoryUrl';
import { ConfigError } from '../config';
import { parseAzureDevOpsConfig } from '../config/azureDevOpsSettings';
import { errorMessage } from '../errors/errorMessage';
import { getProcessSecretStore } from '../secrets/secretStore';
import { findOrganization } from '../webhook/organization';

/**
 * `ado-reviewer check-access`: with the app's Azure DevOps settings (and its Key Vault, when they name secrets),
 * what the configured identity can do on one repository, one line per check (repositoryAccess.ts).
 */

type Io = { env: NodeJS.ProcessEnv; out: NodeJS.WritableStream; err: NodeJS.WritableStream };

const CHECK_ACCESS_USAGE =
  'usage: ado-reviewer check-access --repo-url <repository URL> [--pull-request <id>]\n' +
  "  Prints what the app's Azure DevOps identity (AZURE_DEVOPS_AUTH and its settings, or the entry of\n" +
  '  AZURE_DEVOPS_ORGANIZATIONS the URL lies under) can do on the repository: sign in, read pull requests, read\n' +
  '  items and, on the pull request given, post a thread (created closed and deleted right away) and a status\n' +
  '  (ado-reviewer/check-access, not applicable, on the latest iteration). Without --pull-request the writes are\n' +
  '  not checked. Exit 0 when every check made succeeded, 1 otherwise, 2 on a bad invocation or settings.\n';

const optionsSchema = z.object({
  'repo-url': z.string({ error: 'is required' }).trim().min(1, 'is required'),
  'pull-request': z.coerce.number().int().positive('must be a pull request id').optional(),
});

export async function runCheckAccessCommand(args: string[], io: Io): Promise<number> {
  const fail = (problem: string) => {
    io.err.write(`ado-reviewer check-access: ${problem}\n${CHECK_ACCESS_USAGE}`);
    return 2;
  };
  let flags: Record<string, unknown>;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        'repo-url': { type: 'string' },
        'pull-request': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return fail(errorMessage(error));
  }
  if (flags.help) {
    io.out.write(CHECK_ACCESS_USAGE);
    return 0;
  }
  const options = optionsSchema.safeParse(flags);
  if (!options.success)
    return fail(
      options.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  const location = parseRepositoryUrl(options.data['repo-url']);
  if (location === undefined)
    return fail(
      '--repo-url: is not an Azure DevOps repository URL ({organization}/{project}/_git/{repository})',
    );

  let config;
  try {
    config = parseAzureDevOpsConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err.write(`ado-reviewer check-access: invalid configuration: ${error.problems.join('; ')}\n`);
    return 2;
  }
  const organization = findOrganization(location.organizationUrl, config.organizations);
  if (organization === undefined)
    return fail(`--repo-url: ${location.organizationUrl} is not a configured organization`);

  io.out.write(
    `organization ${organization.url} (${organization.auth.mode}, ${organization.setting}), ` +
      `repository ${location.project}/${location.repository}\n`,
  );
  const credential = await credentialFor(organization, getProcessSecretStore());
  // One attempt per call and a short timeout: this reports what happens, it does not wait out an outage.
  const connection = openAzureDevOpsConnection(organization.url, credential, {
    maxAttempts: 1,
    requestTimeoutMs: 15_000,
  });
  const checks = await checkRepositoryAccess(connection, location, options.data['pull-request']);
  const width = Math.max(...checks.map((check) => check.what.length));
  for (const { what, outcome, reason } of checks)
    io.out.write(`${what.padEnd(width)}  ${outcome.padEnd(11)}  ${reason.replace(/\s*\n\s*/g, ' ')}\n`);
  return checks.some((check) => check.outcome === 'no') ? 1 : 0;
}
