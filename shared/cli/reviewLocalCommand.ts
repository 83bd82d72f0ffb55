import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { z } from 'zod';
import { ConfigError, literalSecretValues, parseLocalReviewConfig, type LocalReviewConfig } from '../config';
import { decodeFileContent } from '../diff/fileContent';
import { splitLines } from '../diff/lineDiff';
import { formatUnifiedDiff } from '../diff/unifiedFormat';
import { createLocalGitPlatform, type LocalReview } from '../git/localGitPlatform';
import { ModelOutputError, type ChatModel } from '../llm/chatModel';
import { createChatModel } from '../llm/createChatModel';
import { createSecretReader } from '../secrets/readSecret';
import type { ReviewedFile } from '../review/collectChanges';
import { findingFingerprint } from '../review/comments';
import { askForReview, buildPlan, prepareReview } from '../review/planReview';
import type { PreparedReview } from '../review/preparedReview';
import { changeSides } from '../review/platform';
import type { Finding } from '../review/prompt';
import { describeZodIssues } from '../validation/describeZodIssues';

/**
 * `ado-reviewer review-local --base <ref> [--head <ref>]`: the app's review of a pull request, run on a local branch
 * (its changes since the merge base with `--base`), with the findings printed instead of posted.
 */

type Io = {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  cwd: string;
};

export const REVIEW_LOCAL_USAGE =
  'usage: ado-reviewer review-local --base <ref> [--head <ref>] [--dry-run] [--max-files <n>]\n' +
  '  Reviews the changes of <head> (default HEAD) since its merge base with <base>, in the git repository of the\n' +
  '  current directory, as the app reviews a pull request, and prints the findings instead of posting them.\n' +
  '  --dry-run      print the hunks and the prompt size; no model is called\n' +
  '  --max-files    review at most this many files (default: REVIEW_MAX_FILES, else 300)\n' +
  '  Environment, as the app reads it: the model settings of LLM_PROVIDER (openai: OPENAI_API_KEYS, required\n' +
  '  without --dry-run, comma-separated; azure-openai: AZURE_OPENAI_ENDPOINT and AZURE_*_DEPLOYMENT_NAME;\n' +
  '  bedrock-anthropic: AWS_*; see the README), secrets given literally, LLM_TIMEOUT (ms), and\n' +
  '  REVIEW_MAX_FILES, REVIEW_MAX_FILE_BYTES, REVIEW_MAX_PROMPT_CHARS.\n';

// ---------------------------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------------------------

/** A revision as git takes it; one starting with "-" would be read as an option. */
const gitRevision = z
  .string({ error: 'is required' })
  .trim()
  .min(1, 'must not be empty')
  .refine((value) => !value.startsWith('-'), 'must not start with "-"');

const optionsSchema = z.object({
  base: gitRevision,
  head: gitRevision.default('HEAD'),
  'dry-run': z.boolean().default(false),
  'max-files': z
    .string()
    .regex(/^\s*[1-9][0-9]*\s*$/, 'must be a positive whole number')
    .transform(Number)
    .optional(),
});

type Options = z.output<typeof optionsSchema>;

/** The options, or the problem to print above the usage. */
function parseOptions(args: string[]): Options | 'help' | { problem: string } {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        base: { type: 'string' },
        head: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'max-files': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { problem: (error as Error).message };
  }
  if (values.help === true) return 'help';
  const { help: _help, ...rest } = values;
  const parsed = optionsSchema.safeParse(rest);
  if (parsed.success) return parsed.data;
  return {
    problem: describeZodIssues(parsed.error, { pathPrefix: '--' }).join('; '),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------------------------

export async function runReviewLocalCommand(args: string[], io: Io): Promise<number> {
  const options = parseOptions(args);
  if (options === 'help') {
    io.out.write(REVIEW_LOCAL_USAGE);
    return 0;
  }
  if ('problem' in options) {
    io.err.write(`ado-reviewer review-local: ${options.problem}\n${REVIEW_LOCAL_USAGE}`);
    return 2;
  }

  let settings: LocalReviewConfig;
  try {
    settings = parseLocalReviewConfig(io.env, { model: !options['dry-run'] });
    if (options['max-files'] !== undefined) settings.limits.maxFiles = options['max-files'];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err.write(`ado-reviewer review-local: invalid configuration: ${error.problems.join('; ')}\n`);
    return 2;
  }

  try {
    const local = await createLocalGitPlatform(io.cwd, options.base, options.head);
    io.err.write(
      `Reviewing ${options.head} (${local.iteration.sourceCommitId.slice(0, 8)}) against ${options.base}: ` +
        `changes since their merge base ${local.iteration.commonCommitId.slice(0, 8)}\n`,
    );
    const { limits } = settings;
    const prepared = await prepareLocalReview(local, limits);
    if (options['dry-run']) await printDryRun(local, prepared, limits, io.out);
    else {
      const model = await createChatModel(settings.llm, { readSecret: createSecretReader(undefined) });
      await runReview(prepared, model, io);
    }
    return 0;
  } catch (error) {
    // One line, and never a key, whatever the provider's message quotes.
    let message = error instanceof Error ? error.message : String(error);
    if (error instanceof OpenAI.APIError || error instanceof ModelOutputError)
      message = `the model request failed: ${message}`;
    for (const secret of literalSecretValues(settings.llm)) message = message.split(secret).join('***');
    io.err.write(`ado-reviewer review-local: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`);
    return 1;
  }
}

/** What the app would show the model for this branch: the same preparation as for a pull request. */
function prepareLocalReview(
  local: LocalReview,
  limits: LocalReviewConfig['limits'],
): Promise<PreparedReview> {
  return prepareReview(
    local.ref,
    { platform: local.platform, limits },
    local.pullRequest,
    local.iteration,
    undefined,
  );
}

const repositoryPath = (path: string) => path.replace(/^\/+/, '');

/** A reviewed file's hunks as `git diff -U0` prints them; both sides are read again for the markers around them. */
async function unifiedHunks(local: LocalReview, file: ReviewedFile): Promise<string> {
  const { change } = file;
  const read = async (path: string | undefined, commitId: string) => {
    // Reviewed files were within the size limit when collected.
    const content =
      path === undefined
        ? undefined
        : await local.platform.getFileContent(local.ref, path, commitId, Number.POSITIVE_INFINITY);
    const decoded = content?.kind === 'content' ? decodeFileContent(content.bytes) : undefined;
    return splitLines(decoded?.kind === 'text' ? decoded.text : '');
  };
  const { leftPath: oldPath, rightPath: newPath } = changeSides(change);
  return formatUnifiedDiff(file.hunks, {
    oldName: oldPath === undefined ? null : repositoryPath(oldPath),
    newName: newPath === undefined ? null : repositoryPath(newPath),
    old: await read(oldPath, local.iteration.commonCommitId),
    new: await read(newPath, local.iteration.sourceCommitId),
  });
}

function notReviewedLines({ collected, prompt }: PreparedReview): string[] {
  return [
    ...collected.skipped.map((file) => `  ${repositoryPath(file.path)}: ${file.reason}`),
    ...prompt.omittedPaths.map((path) => `  ${repositoryPath(path)}: did not fit in the review prompt`),
  ];
}

async function printDryRun(
  local: LocalReview,
  prepared: PreparedReview,
  limits: LocalReviewConfig['limits'],
  out: NodeJS.WritableStream,
): Promise<void> {
  const { changes, collected, prompt } = prepared;
  const reviewed = new Map(collected.files.map((file) => [file.change.path, file]));
  const skipped = new Map(collected.skipped.map((file) => [file.path, file.reason]));
  for (const change of changes) {
    const from = change.originalPath === undefined ? '' : ` from ${repositoryPath(change.originalPath)}`;
    out.write(`=== ${repositoryPath(change.path)} (${change.changeFlags.join(', ')}${from})\n`);
    const file = reviewed.get(change.path);
    if (file === undefined) {
      out.write(
        `${skipped.has(change.path) ? `not reviewed: ${skipped.get(change.path)}` : 'no text changes'}\n\n`,
      );
      continue;
    }
    if (!prompt.shownPaths.has(change.path)) out.write('not reviewed: did not fit in the review prompt\n');
    out.write(`${await unifiedHunks(local, file)}\n`);
  }
  const notReviewed = notReviewedLines(prepared);
  out.write(
    [
      `Prompt: ${prompt.system.length + prompt.user.length} characters ` +
        `(system ${prompt.system.length}, user ${prompt.user.length}; REVIEW_MAX_PROMPT_CHARS ${limits.maxPromptChars})`,
      `Files shown: ${prompt.shownPaths.size}, omitted: ${prompt.omittedPaths.length}, ` +
        `skipped: ${collected.skipped.length}`,
      ...(notReviewed.length > 0 ? ['Not reviewed:', ...notReviewed] : []),
    ].join('\n') + '\n',
  );
}

/** `path:line  severity  comment`; a finding on removed lines names the old file's path and lines. */
function findingLine(
  finding: Finding,
  path: string,
  side: 'right' | 'left',
  startLine: number,
  endLine: number,
): string {
  const lines = startLine === endLine ? `${startLine}` : `${startLine}-${endLine}`;
  const where = `${repositoryPath(path)}:${lines}${side === 'left' ? ' (removed)' : ''}`;
  return `${where}  ${finding.severity}  ${finding.comment.trim().replace(/\s*\n\s*/g, ' ')}`;
}

async function runReview(prepared: PreparedReview, chatModel: ChatModel, io: Io): Promise<void> {
  io.err.write(
    `Asking the model about ${prepared.prompt.shownPaths.size} files (${prepared.prompt.user.length} chars)\n`,
  );
  const { plan, anchored } = buildPlan(prepared, await askForReview(chatModel, prepared.prompt));
  const planned = new Set(plan.threads.map((thread) => thread.fingerprint));
  const inline = anchored.inline.filter((item) => planned.delete(findingFingerprint(item)));

  const out: string[] = [
    '== Summary',
    '',
    plan.summarySection,
    '',
    `== Inline findings (${inline.length})`,
    '',
  ];
  for (const { finding, file, side, startLine, endLine } of inline) {
    const path = side === 'left' ? (file.change.originalPath ?? file.change.path) : file.change.path;
    out.push(findingLine(finding, path, side, startLine, endLine));
    // As in the posted comment: a suggestion replaces new lines, so there is none for removed ones.
    if (side === 'right' && finding.suggestion !== null && finding.suggestion.trim() !== '') {
      for (const line of finding.suggestion.replace(/\n$/, '').split('\n')) out.push(`    ${line}`);
    }
  }
  out.push('', `== Findings not on changed lines (${anchored.folded.length})`, '');
  for (const { finding, reason } of anchored.folded) {
    const [start, end] = [finding.startLine, finding.endLine].sort((a, b) => a - b);
    out.push(`${findingLine(finding, finding.path, finding.side, start, end)}  (${reason})`);
  }
  io.out.write(out.join('\n') + '\n');
}
