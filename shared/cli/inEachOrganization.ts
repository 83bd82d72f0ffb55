import { credentialFor, type AzureDevOpsCredential } from '../azure-devops/azureDevOpsCredential';
import { getProcessSecretStore } from '../secrets/secretStore';
import { ProjectNotFoundError, ServiceHooksClient } from '../service-hooks/serviceHooksClient';
import { commandErrorMessage } from './commandErrorMessage';
import type { HooksOrganization } from './hooksOrganizations';

/**
 * How the service-hook commands (setup-hooks, remove-hooks, rotate-webhook-password) work through their
 * organizations (hooksOrganizations.ts): one after the other, each signed in with its own credential; a failure in
 * one is reported with its cause and the others are still done.
 */

export interface OrganizationOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface OrganizationsOutput extends OrganizationOutput {
  /** Each line starts with its organization's URL (when there can be several). */
  labelled: boolean;
  /** Told each secret a credential hands out, to keep it out of whatever is printed. */
  keepSecret: (secret: string) => void;
}

interface OrganizationsOutcome {
  /** 0 when done everywhere; 1 when Azure DevOps failed somewhere (worth a retry); 2 for an unknown project only. */
  code: 0 | 1 | 2;
  /** The URLs of the organizations not done. */
  notDone: string[];
}

export async function inEachOrganization(
  targets: HooksOrganization[],
  output: OrganizationsOutput,
  work: (client: ServiceHooksClient, say: OrganizationOutput) => Promise<void>,
): Promise<OrganizationsOutcome> {
  const failed: { url: string; code: 1 | 2 }[] = [];
  for (const { organization, credentialSource } of targets) {
    const label = output.labelled ? `${organization.url}: ` : '';
    const say = {
      out: (text: string) => output.out(`${label}${text}`),
      err: (text: string) => output.err(`${label}${text}`),
    };
    try {
      const credential = noting(
        await credentialFor(organization, getProcessSecretStore()),
        output.keepSecret,
      );
      await work(new ServiceHooksClient(organization.url, credential, credentialSource), say);
    } catch (error) {
      say.err(commandErrorMessage(error));
      failed.push({ url: organization.url, code: error instanceof ProjectNotFoundError ? 2 : 1 });
    }
  }
  // An Azure DevOps failure anywhere outweighs an unknown project elsewhere: both say "not done", 1 says "retry".
  const codes = failed.map((failure) => failure.code);
  return {
    code: codes.includes(1) ? 1 : codes.includes(2) ? 2 : 0,
    notDone: failed.map((failure) => failure.url),
  };
}

/** The secrets an organization's settings hold as values (Key Vault ones are noted once read). */
export function literalSecrets({ organization: { auth } }: HooksOrganization): string[] {
  const source =
    auth.mode === 'pat' ? auth.token : auth.mode === 'service-principal' ? auth.clientSecret : undefined;
  return source !== undefined && 'value' in source ? [source.value] : [];
}

/** The credential, telling `keep` each secret it hands out (the PAT in basic auth, a bearer token). */
function noting(credential: AzureDevOpsCredential, keep: (secret: string) => void): AzureDevOpsCredential {
  return {
    mode: credential.mode,
    async authorization() {
      const header = await credential.authorization();
      const [scheme, value = ''] = header.split(' ');
      const secret =
        scheme === 'Basic'
          ? Buffer.from(value, 'base64')
              .toString()
              .replace(/^[^:]*:/, '')
          : value;
      if (secret !== '') keep(secret);
      return header;
    },
    refused: (authorization) => credential.refused(authorization),
  };
}
