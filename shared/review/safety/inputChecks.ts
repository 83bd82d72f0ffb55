import type { ReviewedFile } from '../domain/changedFile';
import { injectionFindingText, injectionSigns } from './injectionCheck';
import type { PullRequestDetails } from '../domain/platform';
import type { Finding } from '../domain/finding';
import { credentialKinds } from './secretScan';
import { codeSpan } from './sanitizeModelText';

/**
 * What the app itself finds in a pull request's text, whatever the model says: attempts to steer an AI reviewer,
 * and credentials. At most one finding per file and kind, on the first added line it concerns, so a hostile pull
 * request cannot flood the review; signs outside the diff (title, description, paths) are notes for the summary.
 */
export interface InputChecks {
  findings: Finding[];
  notices: string[];
}

function firstAddedLine(file: ReviewedFile, test: (line: string) => string[]) {
  let first: { line: number; labels: string[] } | undefined;
  let count = 0;
  for (const hunk of file.hunks) {
    hunk.added.forEach((text, index) => {
      const labels = test(text);
      if (labels.length === 0) return;
      count++;
      first ??= { line: hunk.newStart + index, labels };
    });
  }
  return first === undefined ? undefined : { ...first, count };
}

const moreLines = (count: number) =>
  count > 1 ? ` (and ${count - 1} more line${count > 2 ? 's' : ''} in this file)` : '';

/** `paths` are every changed path, reviewed or not: all of them are shown in the summary or the prompt. */
export function checkPullRequestInput(
  pullRequest: PullRequestDetails,
  files: ReviewedFile[],
  paths: string[],
): InputChecks {
  const findings: Finding[] = [];
  const notices: string[] = [];
  const about = (path: string, line: number, severity: Finding['severity'], comment: string): Finding => ({
    path,
    side: 'right',
    startLine: line,
    endLine: line,
    severity,
    comment,
    suggestion: null,
  });
  for (const [where, text] of [
    ['the title', pullRequest.title],
    ['the description', pullRequest.description],
  ] as const) {
    const signs = injectionSigns(text);
    if (signs.length > 0) notices.push(injectionFindingText(signs, where));
  }
  for (const path of paths) {
    const signs = injectionSigns(path);
    if (signs.length > 0) notices.push(injectionFindingText(signs, `the path ${codeSpan(path)}`));
  }
  for (const file of files) {
    const path = file.change.path;
    const injected = firstAddedLine(file, (line) => injectionSigns(line, { path }));
    if (injected !== undefined) {
      findings.push(
        about(
          path,
          injected.line,
          'medium',
          injectionFindingText(injected.labels, 'this line') + moreLines(injected.count),
        ),
      );
    }
    const secret = firstAddedLine(file, credentialKinds);
    if (secret !== undefined) {
      findings.push(
        about(
          path,
          secret.line,
          'high',
          `**Possible credential** on this line: it looks like ${secret.labels.join(', ')}${moreLines(secret.count)}. ` +
            'It was masked before the review. Keep secrets out of the repository (a vault or pipeline secret), and ' +
            'rotate this one if it is real: it is in the branch history now.',
        ),
      );
    }
  }
  return { findings, notices };
}
