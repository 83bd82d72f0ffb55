/**
 * Credentials in what a review reads: files that usually hold them are not sent to the model, and lines that look
 * like one are masked before prompting (and reported, without the value).
 */

interface CredentialFormat {
  kind: string;
  /**
   * Global, never matching an empty string; a `secret` group, when present, ends the match and is the part masked
   * (the rest, e.g. a setting's name, stays). None may backtrack over a long line: each is linear in what it reads.
   */
  pattern: RegExp;
  /** A block's last line: the mask runs from the match through it, or to the end of the text without one. */
  blockEnd?: RegExp;
}

/** base64url, which a JSON web token's three parts are written in. */
const B64 = '[A-Za-z0-9_-]';
const JWT = `\\beyJ${B64}{8,}\\.eyJ${B64}{8,}\\.${B64}{8,}`;

const CREDENTIAL_FORMATS: CredentialFormat[] = [
  {
    kind: 'private key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
    blockEnd: /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
  },
  { kind: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { kind: 'Azure storage account key', pattern: /AccountKey=(?<secret>[A-Za-z0-9+/=]{20,})/gi },
  { kind: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'Azure DevOps personal access token', pattern: /\b[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}\b/g },
  { kind: 'Azure DevOps personal access token', pattern: /\b[a-z2-7]{52}\b/g },
  { kind: 'OpenAI API key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'Slack webhook', pattern: /hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,}/g },
  {
    kind: 'JSON web token',
    // `\beyJ…` alone tries every `eyJ` of a long base64url run, each reading to the run's end: quadratic. Starting
    // only where a run starts, once its end is known to be followed by the other two parts, reads each run a few
    // times; the token is the `secret` group, so what precedes it in the run is not masked.
    pattern: new RegExp(`(?<!${B64})(?=${B64}*\\.eyJ${B64}{8,}\\.${B64}{8,})${B64}*?(?<secret>${JWT})`, 'g'),
  },
  {
    kind: 'Entra ID client secret',
    pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}/g,
  },
  {
    kind: 'password or secret',
    // Starts at the keyword, not at the setting's name (`\b[A-Za-z0-9_.-]*`), which would be read to the end of a
    // long run from every `\b` in it: quadratic. A `\b` always precedes a name and the name is never masked, so the
    // same settings are found and the same values masked.
    pattern:
      /(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)["']?\s*[:=]\s*["']?(?<secret>[^\s"'`,;]{12,})/gi,
  },
];

/**
 * Where each search may find a match begin (SCAN_WINDOW characters) and end (SCAN_OVERLAP more), plus one character
 * before for `\b` and the one-character lookbehinds. A search reads at most that much, so a long line (a minified
 * bundle, a pasted blob) costs in proportion to its length whatever a pattern does; a credential that crosses a
 * window's edge is found whole when it is at most SCAN_OVERLAP long (a longer run is masked that far).
 */
const SCAN_WINDOW = 16_384;
const SCAN_OVERLAP = 4_096;

interface Found {
  start: number;
  end: number;
  /** Where the masked part starts: the `secret` group, else the match. */
  maskFrom: number;
}

/** The matches of a global `pattern` in `text` from `from` on, left to right, as `String.replace` finds them. */
function* matchesOf(text: string, pattern: RegExp, from = 0): Generator<Found> {
  while (from < text.length) {
    const windowStart = Math.max(0, from - 1);
    pattern.lastIndex = from - windowStart;
    const found = pattern.exec(text.slice(windowStart, from + SCAN_WINDOW + SCAN_OVERLAP));
    const start = found === null ? Infinity : windowStart + found.index;
    if (found === null || start >= from + SCAN_WINDOW) {
      from += SCAN_WINDOW;
      continue;
    }
    const end = start + found[0].length;
    yield { start, end, maskFrom: end - (found.groups?.secret ?? found[0]).length };
    from = end;
  }
}

/** The text with each match of one format masked (a block from its first line to its last). */
function maskFormat(text: string, { kind, pattern, blockEnd }: CredentialFormat): string {
  let masked = '';
  let kept = 0;
  for (const found of matchesOf(text, pattern)) {
    if (found.start < kept) continue; // inside a block already masked
    const closing = blockEnd === undefined ? undefined : matchesOf(text, blockEnd, found.end).next();
    masked += `${text.slice(kept, found.maskFrom)}[masked ${kind}]`;
    kept = closing === undefined ? found.end : closing.done ? text.length : closing.value.end;
  }
  return masked + text.slice(kept);
}

/** The kinds of credential a text appears to hold (empty when none). */
export function credentialKinds(text: string): string[] {
  const kinds = new Set<string>();
  for (const { kind, pattern } of CREDENTIAL_FORMATS) {
    if (!matchesOf(text, pattern).next().done) kinds.add(kind);
  }
  return [...kinds];
}

/** The text with every credential-shaped value replaced by `[masked <kind>]`; a private key's whole block. */
export function maskCredentials(text: string): string {
  return CREDENTIAL_FORMATS.reduce(maskFormat, text);
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
