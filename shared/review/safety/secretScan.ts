/**
 * Credentials in what a review reads: files that usually hold them are not sent to the model, and lines that look
 * like one are masked before prompting (and reported, without the value).
 */

interface CredentialFormat {
  kind: string;
  /** Global; a `secret` group, when present, is the part masked (the rest, e.g. a setting's name, stays). */
  pattern: RegExp;
}

const CREDENTIAL_FORMATS: CredentialFormat[] = [
  { kind: 'private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { kind: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { kind: 'Azure storage account key', pattern: /AccountKey=(?<secret>[A-Za-z0-9+/=]{20,})/gi },
  { kind: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'Azure DevOps personal access token', pattern: /\b[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}\b/g },
  { kind: 'Azure DevOps personal access token', pattern: /\b[a-z2-7]{52}\b/g },
  { kind: 'OpenAI API key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'Slack webhook', pattern: /hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,}/g },
  { kind: 'JSON web token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    kind: 'Entra ID client secret',
    pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}/g,
  },
  {
    kind: 'password or secret',
    pattern:
      /\b[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)["']?\s*[:=]\s*["']?(?<secret>[^\s"'`,;]{12,})/gi,
  },
];

/** The kinds of credential a text appears to hold (empty when none). */
export function credentialKinds(text: string): string[] {
  const kinds = new Set<string>();
  for (const { kind, pattern } of CREDENTIAL_FORMATS) {
    pattern.lastIndex = 0;
    if (pattern.test(text)) kinds.add(kind);
  }
  return [...kinds];
}

/** The text with every credential-shaped value replaced by `[masked <kind>]`. */
export function maskCredentials(text: string): string {
  let masked = text;
  for (const { kind, pattern } of CREDENTIAL_FORMATS) {
    masked = masked.replace(pattern, (...args: unknown[]) => {
      const match = args[0] as string;
      const groups = args.at(-1) as { secret?: string } | string | undefined;
      const secret = typeof groups === 'object' ? groups.secret : undefined;
      const replacement = `[masked ${kind}]`;
      return secret === undefined ? replacement : match.replace(secret, replacement);
    });
  }
  return masked;
}

const patternRegex = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split(/(\*\*\/?|\*)/)
      .map((part) =>
        part === '**' || part === '**/'
          ? '(?:.*/)?'
          : part === '*'
            ? '[^/]*'
            : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('')}$`,
    'i',
  );

/**
 * Whether a path is a file that usually holds secrets. A pattern without `/` is matched against the file's name, one
 * with `/` against its whole path (without the leading slash).
 */
export function isSecretFile(path: string, patterns: readonly string[]): boolean {
  const relative = path.replace(/^\/+/, '');
  const name = relative.split('/').at(-1) ?? relative;
  return patterns.some((pattern) => patternRegex(pattern).test(pattern.includes('/') ? relative : name));
}
