import type { ChatRequest } from './llmServer';

/**
 * A deterministic stand-in for the model, for the demo and sandbox: it reads the diff in the review prompt the way
 * the model is asked to, and flags a few well-known smells on added lines. It proves the plumbing, not the judgement.
 */

const rules: {
  pattern: RegExp;
  severity: 'high' | 'medium' | 'low';
  comment: string;
  fix?: (line: string) => string;
}[] = [
  {
    pattern: /\beval\s*\(/,
    severity: 'high',
    comment: '`eval` runs arbitrary code; parse the input instead.',
    fix: (line) => line.replace(/\beval\s*\(/, 'JSON.parse('),
  },
  {
    pattern: /[^=!]==[^=]/,
    severity: 'medium',
    comment: 'Loose equality coerces types; use `===`.',
    fix: (line) => line.replace(/([^=!])==([^=])/, '$1===$2'),
  },
  { pattern: /console\.log\(/, severity: 'low', comment: 'Leftover debug logging.' },
  {
    pattern: /\bTODO\b/,
    severity: 'low',
    comment: 'Unfinished work is being merged; track it in a work item.',
  },
];

interface Finding {
  path: string;
  side: 'right';
  startLine: number;
  endLine: number;
  severity: string;
  comment: string;
  suggestion: string | null;
}

/** Answers questions in threads by quoting the line the thread is on, so tests can see what the model was shown. */
function scriptedReply(prompt: string): string {
  // The discussion is fenced in untrusted-text boundaries: the question is its last line inside them.
  const lines = prompt.split('\n').filter((line) => !/^<\/?untrusted-[a-z-]+-[0-9a-f]+>$/.test(line));
  const question = (lines.at(-1) ?? '').replace(/^[^:]*: /, '');
  const line = /, lines (\d+)–/.exec(prompt)?.[1];
  const code = line === undefined ? undefined : new RegExp(`^\\s*${line} (.*)$`, 'm').exec(prompt)?.[1];
  const about = code === undefined ? '' : ` Line ${line} reads \`${code.trim()}\`.`;
  return JSON.stringify({ reply: `You asked: "${question}".${about}` });
}

/** A file's heading in a review prompt: "### <path> (flags)", and " part i of n" for a chunk. */
const FILE_HEADING = /^### (\/.*?) \([^)]*\)(?: part \d+ of \d+)?$/;

/** The files of a prompt, by their "### <path> (flags)" headings. */
const shownFiles = (prompt: string) =>
  [...prompt.matchAll(new RegExp(FILE_HEADING.source, 'gm'))].map((match) => match[1]);

/** An added line of a review prompt's numbered diff ("+   12 text"), with the file whose heading it is under. */
export interface AddedLine {
  path: string;
  line: number;
  text: string;
}

/** The added lines of a review prompt, read the way the model is asked to read them (none before the first file). */
export function addedLines(prompt: string): AddedLine[] {
  const lines: AddedLine[] = [];
  let path = '';
  for (const line of prompt.split('\n')) {
    const heading = FILE_HEADING.exec(line);
    if (heading) {
      path = heading[1];
      continue;
    }
    const added = /^\+\s*(\d+) (.*)$/.exec(line);
    if (added && path !== '') lines.push({ path, line: Number(added[1]), text: added[2] });
  }
  return lines;
}

/** Triage: every file needs review, except those whose added lines are all Markdown prose. */
function scriptedTriage(prompt: string): string {
  const sections = prompt.split(/^(?=### \/)/m).slice(1);
  return JSON.stringify({
    files: sections.map((section) => {
      const path = shownFiles(section)[0] ?? '';
      const added = section.split('\n').filter((line) => /^\+\s*\d+ /.test(line)).length;
      return {
        path,
        summary: `Changes ${added} line${added === 1 ? '' : 's'} of ${path}.`,
        verdict: path.endsWith('.md') ? 'trivial' : 'needs-review',
      };
    }),
  });
}

/** The overall summary: how many files the per-file summaries name. */
function scriptedSummary(prompt: string): string {
  const files = /^Changed files \((\d+)\):$/m.exec(prompt)?.[1] ?? '0';
  return JSON.stringify({
    summary: `This pull request changes ${files} files.`,
    verdict: /Findings \([1-9]\d* high/.test(prompt)
      ? 'Not ready: fix the high-severity finding first.'
      : 'Looks reasonable after the small fixes below.',
  });
}

/** A dismissal, in a few languages, as the model is asked to recognise one. */
const DISMISSAL = /false positive|won'?t fix|by design|faux positif|kein fehler|falso positivo/i;

/**
 * Answers a reply in a finding thread: a dismissal is acknowledged, and its reason (after "because") becomes the
 * learning; anything else is answered like a question.
 */
function scriptedConversation(prompt: string): string {
  const lines = prompt.split('\n').filter((line) => !/^<\/?untrusted-[a-z-]+-[0-9a-f]+>$/.test(line));
  const comment = (lines.at(-1) ?? '').replace(/^[^:]*: /, '');
  const dismisses = DISMISSAL.test(comment);
  const reason = /\bbecause\b\s*(.+)$/i.exec(comment)?.[1]?.trim();
  return JSON.stringify({
    reply: dismisses ? 'Understood, I will leave this one.' : `You said: "${comment}".`,
    dismisses,
    learning: dismisses && reason !== undefined ? reason : null,
    appliesTo: null,
  });
}

export function scriptedReview(request: ChatRequest): string {
  if (request.body.response_format?.json_schema?.name === 'finding_conversation') {
    return scriptedConversation(
      request.body.messages.find((message) => message.role === 'user')?.content ?? '',
    );
  }
  const prompt = request.body.messages.find((message) => message.role === 'user')?.content ?? '';
  const schema = request.body.response_format?.json_schema?.name;
  if (schema === 'thread_reply') return scriptedReply(prompt);
  if (schema === 'file_triage') return scriptedTriage(prompt);
  if (schema === 'review_summary') return scriptedSummary(prompt);
  const findings = addedLines(prompt).flatMap(({ path, line, text }): Finding[] => {
    const rule = rules.find((candidate) => candidate.pattern.test(text));
    if (rule === undefined) return [];
    return [
      {
        path,
        side: 'right',
        startLine: line,
        endLine: line,
        severity: rule.severity,
        comment: rule.comment,
        suggestion: rule.fix ? rule.fix(text) : null,
      },
    ];
  });
  const files = shownFiles(prompt);
  return JSON.stringify({
    summary: `This pull request changes ${files.length} file${files.length === 1 ? '' : 's'}.`,
    walkthrough: files.map((file) => ({ path: file, change: 'Updated.' })),
    verdict: findings.some((finding) => finding.severity === 'high')
      ? 'Not ready: fix the high-severity finding first.'
      : 'Looks reasonable after the small fixes below.',
    findings,
  });
}
