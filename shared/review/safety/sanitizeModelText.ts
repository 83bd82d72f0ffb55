/**
 * Model-written text, made safe to post as Azure DevOps Markdown: no images (a viewer's browser would fetch them),
 * no HTML, no mentions, links only into the pull request's own organization, fences that cannot swallow or close
 * the comment around them, no `suggestion` block the app did not write itself, and no control characters (review-local
 * prints this text to a terminal).
 */

export interface LinkPolicy {
  /** Links under this URL (the organization's) stay links; every other link becomes plain text. */
  allowedLinkPrefix?: string;
}

/** Zero-width, joiner and bidirectional control characters: invisible, and able to reorder what a reader sees. */
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u061C\uE000]/g;
/**
 * C0 controls but tab and line feed, DEL and C1: a terminal obeys them (escape sequences recolour, move the cursor,
 * retitle the window, write the clipboard) where review-local prints this text, and Markdown shows nothing of them.
 * A carriage return is kept only before a line feed (sanitizeMarkdown has made any other one a line break). Also
 * what review-local escapes in everything it prints (shared/cli/terminalText.ts).
 */
// eslint-disable-next-line no-control-regex -- matching them is the point
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/g;
const withoutHidden = (text: string) => text.replace(INVISIBLE, '').replace(CONTROL_CHARACTERS, '');
/** Azure DevOps notifies `@<identity id>` wherever it appears, code included. */
const neutraliseMentionIds = (text: string) => text.replace(/@</g, '@ <');

const LINK_OR_IMAGE =
  /(!?)\[([^[\]\n]*)\]\(\s*<?([^()\s<>]*)>?(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?\s*\)/g;
const BARE_URL = /\b(?:https?|ftp|file|javascript|data|vbscript):[^\s<>()[\]`]+|\bwww\.[^\s<>()[\]`]+/gi;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

function isAllowedLink(url: string, policy: LinkPolicy): boolean {
  if (policy.allowedLinkPrefix === undefined) return false;
  try {
    const target = new URL(url);
    const allowed = new URL(policy.allowedLinkPrefix);
    const base = allowed.pathname.replace(/\/+$/, '');
    return (
      target.origin === allowed.origin &&
      (target.pathname === base || target.pathname.startsWith(`${base}/`)) &&
      target.username === '' &&
      target.password === ''
    );
  } catch {
    return false;
  }
}

/** A code span showing `text` literally, on one line, whatever backticks it holds. */
export function codeSpan(text: string): string {
  const body = neutraliseMentionIds(withoutHidden(text).replace(/\s*\r?\n\s*/g, ' '));
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || body === '' ? ' ' : '';
  return `${ticks}${pad}${body}${pad}${ticks}`;
}

/** A fenced block showing `text` literally: the fence is longer than any backtick run inside, so nothing closes it. */
export function codeFence(text: string, info: string): string {
  const body = neutraliseMentionIds(withoutHidden(text));
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${info}`, body, fence].join('\n');
}

/**
 * Markdown punctuation that could start a construct the sanitiser does not allow: link brackets, HTML, backticks
 * (prose holds only unmatched ones) and the backslash itself, so the model's own escapes cannot undo these.
 */
const escapeText = (text: string) =>
  text.replace(/[\\`[\]<]/g, (char) => (char === '<' ? '&lt;' : `\\${char}`));

/** Inline text outside code spans: links and images resolved, bare URLs shown as code, the rest escaped. */
function sanitiseProse(text: string, policy: LinkPolicy): string {
  const kept: string[] = [];
  const keep = (markdown: string) => `\uE000${kept.push(markdown) - 1}\uE000`;
  let current = text;
  for (let previous = ''; previous !== current;) {
    previous = current;
    current = current.replace(LINK_OR_IMAGE, (_match, bang: string, label: string, url: string) => {
      if (bang === '!') return label.trim() === '' ? '' : keep(`(image: ${escapeText(label)})`);
      return isAllowedLink(url, policy) ? keep(`[${escapeText(label)}](${url})`) : label;
    });
  }
  current = current.replace(BARE_URL, (url) => keep(isAllowedLink(url, policy) ? url : codeSpan(url)));
  // Mentions by name too (`@Jane`): escaped, they render as text and notify no one.
  const escaped = escapeText(current).replace(/@(?=\S)/g, '\\@');
  return escaped.replace(/\uE000(\d+)\uE000/g, (_match, index: string) => kept[Number(index)]);
}

/** One line outside fences: code spans as they are (mentions neutralised), everything else sanitised. */
function sanitiseLine(line: string, policy: LinkPolicy): string {
  let output = '';
  let prose = '';
  let index = 0;
  const flush = () => {
    output += sanitiseProse(prose, policy);
    prose = '';
  };
  while (index < line.length) {
    const char = line[index];
    if (char === '\\' && index + 1 < line.length) {
      // The model's escape is dropped and its character kept as prose, where escapeText escapes what matters.
      prose += line[index + 1];
      index += 2;
      continue;
    }
    if (char !== '`') {
      prose += char;
      index++;
      continue;
    }
    const run = /^`+/.exec(line.slice(index))?.[0] ?? '`';
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
    close.lastIndex = index + run.length;
    const found = close.exec(line);
    if (found === null) {
      // An unmatched run stays prose, escaped, so it cannot pair with a backtick elsewhere and turn prose into code.
      prose += run;
      index += run.length;
      continue;
    }
    flush();
    output += neutraliseMentionIds(line.slice(index, found.index + run.length));
    index = found.index + run.length;
  }
  flush();
  return output;
}

/** Sanitises model-written Markdown (see the module comment); fences are balanced at the end. */
export function sanitizeMarkdown(text: string, policy: LinkPolicy = {}): string {
  const lines = withoutHidden(text.replace(/\r\n?/g, '\n')).split('\n');
  const output: string[] = [];
  let open: { char: string; length: number } | undefined;
  for (const line of lines) {
    const fence = FENCE.exec(line);
    if (open !== undefined) {
      const closes =
        fence !== null &&
        fence[1][0] === open.char &&
        fence[1].length >= open.length &&
        fence[2].trim() === '';
      if (closes) open = undefined;
      output.push(neutraliseMentionIds(line));
      continue;
    }
    if (fence !== null && !(fence[1][0] === '`' && fence[2].includes('`'))) {
      open = { char: fence[1][0], length: fence[1].length };
      // Only the app writes suggestion blocks, on ranges it checked: the model's become plain code.
      const info = fence[2].trim().toLowerCase() === 'suggestion' ? '' : escapeText(fence[2].trim());
      output.push(`${fence[1]}${info}`);
      continue;
    }
    output.push(sanitiseLine(line, policy));
  }
  if (open !== undefined) output.push(open.char.repeat(open.length));
  return output.join('\n');
}

/** Model-written text for one line (a list item, a table cell): whitespace collapsed, then sanitised. */
export function sanitizeInline(text: string, policy: LinkPolicy = {}): string {
  return sanitizeMarkdown(text.replace(/\s*\r?\n\s*/g, ' ').trim(), policy);
}

/** At most `max` characters of model text, cut at a word and marked, so no single field can fill a comment. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const atWord = cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 200));
  return `${atWord} … (cut: longer than ${max} characters)`;
}

/**
 * At most `max` characters of Markdown, cut at a line with a visible note: a fence open at the cut is closed first,
 * so the note is not swallowed by it.
 */
export function truncateMarkdown(text: string, max: number, note: string): string {
  if (text.length <= max) return text;
  const budget = max - note.length - 64;
  const cut = text.slice(0, Math.max(0, text.lastIndexOf('\n', budget)));
  let open: { char: string; length: number } | undefined;
  for (const line of cut.split('\n')) {
    const fence = FENCE.exec(line);
    if (fence === null) continue;
    if (open === undefined) open = { char: fence[1][0], length: fence[1].length };
    else if (fence[1][0] === open.char && fence[1].length >= open.length && fence[2].trim() === '')
      open = undefined;
  }
  const closing = open === undefined ? '' : `\n${open.char.repeat(open.length)}`;
  return `${cut}${closing}\n\n${note}`;
}
