import { errorMessage } from '../errors/errorMessage';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { z } from 'zod';
import { ConfigError, literalSecretValues, parseLocalReviewConfig, type LocalReviewConfig } from '../config';
import { decodeFileContent } from '../diff/fileContent';
import { splitLines } from '../diff/lineDiff';
import { formatUnifiedDiff } from '../diff/unifiedFormat';
import { createLocalGitPlatform, type LocalReview } from '../git/localGitPlatform';
import { localReviewContext } from '../git/localReviewContext';
import { previewLocalReview, type LocalReviewPreview } from '../git/localReviewPreview';
import { ModelOutputError } from '../llm/chatModel';
import { createChatModel } from '../llm/createChatModel';
import { createUsageLedger } from '../llm/usageLedger';
import { createSecretReader } from '../secrets/readSecret';
import type { ReviewedFile } from '../review/domain/changedFile';
import { PROPERTY } from '../review/publish/comments';
import { planReview } from '../review/pipeline/planReview';
import { changeSides, type FileChange } from '../review/domain/platform';
import type { ReviewPlan } from '../review/domain/reviewStore';
import { describeZodIssues } from '../validation/describeZodIssues';
import { printable } from './terminalText';

/**
 * `ado-reviewer review-local --base <ref> [--head <ref>]`: the app's review of a pull request, run on a local branch
 * (its changes since the merge base with `--base`): the same pipeline (planReview) with the repository's
 * `.ado-reviewer.yaml`, and the findings and what the pipeline reports printed instead of posted.
 */

type Io = {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  cwd: string;
};

const REVIEW_LOCAL_USAGE =
  'usage: ado-reviewer review-local --base <ref> [--head <ref>] [--dry-run] [--max-files <n>]\n' +
  '  Reviews the changes of <head> (default HEAD) since its merge base with <base>, in the git repository of the\n' +
  '  current directory, as the app reviews a pull request, and prints the findings instead of posting them.\n' +
  '  The .ado-reviewer.yaml is read at <base>, as a pull request reads it at its target branch (path filters,\n' +
  '  path instructions, language, tone); a local branch has no learnings and no linked work items.\n' +
  '  --dry-run      no model is called: print each changed file with its hunks, or why it is not reviewed or set\n' +
  '                 aside without a model (lockfile, minified, linguist-generated or -vendored), its diff tokens,\n' +
  '                 the chunks the rest would be packed into before light triage (which may set more aside; one\n' +
  '                 chunk is one review call, without triage) and the budget figures\n' +
  '  --max-files    review at most this many files (default: REVIEW_MAX_FILES, else 300)\n' +
  '  Environment, as the app reads it: the model settings of LLM_PROVIDER (openai: OPENAI_API_KEYS, required\n' +
  '  without --dry-run, comma-separated; azure-openai: AZURE_OPENAI_ENDPOINT and AZURE_*_DEPLOYMENT_NAME;\n' +
  '  bedrock-anthropic: AWS_*; see the README), secrets given literally, LLM_TIMEOUT (ms), LLM_MAX_OUTPUT_TOKENS,\n' +
  '  REVIEW_MAX_FILES, REVIEW_MAX_FILE_BYTES, REVIEW_TOKEN_BUDGET, REVIEW_CONCURRENCY, REVIEW_CHUNK_TOKENS,\n' +
  '  REVIEW_HEAVY_CHUNK_TOKENS, LLM_CONTEXT_TOKENS_*, LLM_PRICES, REVIEW_MAX_FINDINGS, REVIEW_SECRET_FILES and\n' +
  '  REVIEW_ORGANIZATION_CONFIG (or YAML_CONFIG).\n';

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
    return { problem: errorMessage(error) };
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
    if (options['max-files'] !== undefined) settings.review.collection.maxFiles = options['max-files'];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err.write(`ado-reviewer review-local: invalid configuration: ${error.problems.join('; ')}\n`);
    return 2;
  }
  // One line, never a key and no escape sequence, whatever a provider's message (or the model's answer) quotes.
  const secrets = literalSecretValues(settings.llm);
  const oneLine = (message: string) =>
    printable(
      secrets
        .reduce((text, secret) => text.split(secret).join('***'), message)
        .replace(/\s*\n\s*/g, ' ')
        .trim(),
    );
  // Model text and the repository's file names and content may hold escape sequences: none reaches the terminal.
  const print = (text: string) => io.out.write(printable(text));
  const warn = (message: string) => io.err.write(`warning: ${oneLine(message)}\n`);

  try {
    const local = await createLocalGitPlatform(io.cwd, options.base, options.head);
    io.err.write(
      `Reviewing ${options.head} (${local.iteration.sourceCommitId.slice(0, 8)}) against ${options.base}: ` +
        `changes since their merge base ${local.iteration.commonCommitId.slice(0, 8)}\n`,
    );
    const reviewContext = await localReviewContext(local, settings.review.team.organizationYaml, { warn });
    for (const problem of reviewContext.configProblems) warn(problem);
    const { budget } = settings.review;
    if (options['dry-run']) {
      await printDryRun(
        local,
        await previewLocalReview(local, settings.review, reviewContext),
        settings,
        print,
      );
    } else {
      const usage = createUsageLedger();
      const model = await createChatModel(settings.llm, {
        readSecret: createSecretReader(undefined),
        onUsage: usage.record,
      });
      io.err.write(
        `Reviewing through the pipeline: REVIEW_TOKEN_BUDGET ${budget.tokenBudget}, ` +
          `REVIEW_CHUNK_TOKENS ${budget.chunkTokens}, REVIEW_CONCURRENCY ${budget.concurrency}\n`,
      );
      const plan = await planReview(
        local.ref,
        // The pipeline's info lines are the app's structured log (its cost event): printed below as text instead.
        {
          ...{ platform: local.platform, model, usage, settings: settings.review, reviewContext },
          ...{ log: { info: () => undefined, warn }, now: () => new Date() },
        },
        local.pullRequest,
        local.iteration,
        undefined,
      );
      const changes = await local.platform.listIterationChanges(local.ref, local.iteration.id);
      print(renderPlan(plan, changes));
      if (plan.withheld !== undefined)
        warn(`the model's output was withheld: it held the prompt's canary (ref ${plan.withheld})`);
    }
    return 0;
  } catch (error) {
    let message = errorMessage(error);
    if (error instanceof OpenAI.APIError || error instanceof ModelOutputError)
      message = `the model request failed: ${message}`;
    io.err.write(`ado-reviewer review-local: ${oneLine(message)}\n`);
    return 1;
  }
}

const repositoryPath = (path: string) => path.replace(/^\/+/, '');

// ---------------------------------------------------------------------------------------------------------------
// --dry-run
// ---------------------------------------------------------------------------------------------------------------

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

const reasonLines = (entries: Iterable<readonly [string, string]>) =>
  [...entries].map(([path, reason]) => `  ${repositoryPath(path)}: ${reason}`);

async function printDryRun(
  local: LocalReview,
  preview: LocalReviewPreview,
  settings: LocalReviewConfig,
  print: (text: string) => void,
): Promise<void> {
  const { prepared, setAside, tokens, chunks, tooLarge } = preview;
  const reviewed = new Map(prepared.collected.files.map((file) => [file.change.path, file]));
  const skipped = new Map(prepared.collected.skipped.map((file) => [file.path, file.reason]));
  for (const change of prepared.changes) {
    if (change.isFolder) continue;
    const from = change.originalPath === undefined ? '' : ` from ${repositoryPath(change.originalPath)}`;
    print(`=== ${repositoryPath(change.path)} (${change.changeFlags.join(', ')}${from})\n`);
    const file = reviewed.get(change.path);
    const reason = skipped.get(change.path);
    if (file === undefined || file.hunks.length === 0) {
      print(`${reason === undefined ? 'no text changes' : `not reviewed: ${reason}`}\n\n`);
      continue;
    }
    const aside = setAside.get(change.path);
    if (aside !== undefined) print(`set aside without a model: ${aside}\n`);
    print(`${await unifiedHunks(local, file)}\n`);
  }

  const limits = settings.review.budget;
  const total = [...tokens.values()].reduce((sum, count) => sum + count, 0);
  const counted = preview.exactTokens ? "the reviewing model's tokenizer" : '3.5 characters a token';
  const notReviewed = [...prepared.collected.skipped, ...tooLarge]
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map((file) => [file.path, file.reason] as const);
  const budgetSource =
    limits.deprecatedPromptChars === undefined
      ? ''
      : ` (from the deprecated REVIEW_MAX_PROMPT_CHARS ${limits.deprecatedPromptChars})`;
  const lines = [
    `Changed files: ${prepared.changedFiles}; to the model: ${tokens.size} (${total} diff tokens, ${counted}); ` +
      `set aside without a model: ${setAside.size}; not reviewed: ${notReviewed.length}`,
    chunks.length <= 1
      ? `Chunks: ${chunks.length}: one review call, without triage`
      : `Chunks: ${chunks.length}, before light triage (the light tier first triages and summarises these ` +
        `${tokens.size} files in batches; what it calls trivial is not reviewed), then one light summary call`,
    ...chunks.map(
      (chunk) =>
        `  chunk ${chunk.index + 1} (${chunk.tier}, ${chunk.tokens} tokens): ` +
        chunk.parts.map((part) => `${repositoryPath(part.file.change.path)} (${part.tokens})`).join(', '),
    ),
    ...(setAside.size > 0 ? ['Set aside without a model:', ...reasonLines(setAside)] : []),
    ...(notReviewed.length > 0 ? ['Not reviewed:', ...reasonLines(notReviewed)] : []),
    `Budget: REVIEW_TOKEN_BUDGET ${limits.tokenBudget}${budgetSource}, REVIEW_CHUNK_TOKENS ${limits.chunkTokens}, ` +
      `REVIEW_HEAVY_CHUNK_TOKENS ${limits.heavyChunkTokens}, REVIEW_CONCURRENCY ${limits.concurrency}`,
  ];
  print(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// The review's output
// ---------------------------------------------------------------------------------------------------------------

const calls = (count: number) => `${count} model call${count === 1 ? '' : 's'}`;

const indented = (text: string) =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? '' : `    ${line}`));

/**
 * The plan as text: the summary section as it would be posted (its "Other findings" are those not on changed
 * lines), each inline finding with the comment it would post, the files not reviewed or set aside and why, whether
 * the review is partial, and the cost per tier.
 */
function renderPlan(plan: ReviewPlan, changes: FileChange[]): string {
  const originalPaths = new Map(changes.map((change) => [change.path, change.originalPath]));
  const out: string[] = [
    '== Summary',
    '',
    plan.summarySection,
    '',
    `== Inline findings (${plan.threads.length})`,
    '',
  ];
  for (const thread of plan.threads) {
    const position = thread.position;
    if (position === undefined) continue;
    // A finding on removed lines names the old file's path and lines.
    const removed = position.side === 'left';
    const path = removed ? (originalPaths.get(position.filePath) ?? position.filePath) : position.filePath;
    const lines =
      position.startLine === position.endLine
        ? `${position.startLine}`
        : `${position.startLine}-${position.endLine}`;
    out.push(
      `${repositoryPath(path)}:${lines}${removed ? ' (removed)' : ''}  ${thread.properties[PROPERTY.severity]}`,
      ...indented(thread.content),
    );
  }
  const files = plan.fileSummaries ?? [];
  const listed = (status: 'not-reviewed' | 'trivial') =>
    reasonLines(
      files.filter((file) => file.status === status).map((file) => [file.path, file.reason ?? ''] as const),
    );
  const notReviewed = listed('not-reviewed');
  const trivial = listed('trivial');
  out.push('', `== Not reviewed (${notReviewed.length})`, '', ...notReviewed);
  out.push('', `== Trivial, not sent for review (${trivial.length})`, '', ...trivial);
  if (plan.partial !== undefined) {
    out.push(
      '',
      `Partial review: ${plan.partial.notReviewed} file${plan.partial.notReviewed === 1 ? '' : 's'} not reviewed ` +
        `(${plan.partial.reasons.join('; ')})`,
    );
  }
  if (plan.cost !== undefined) {
    const { cost } = plan;
    const usd = (value: number | undefined) =>
      value === undefined ? 'unknown price' : `$${value.toFixed(4)}`;
    out.push('', `== Cost (${calls(cost.calls.length)}, ≈ ${usd(cost.totalCostUsd)})`, '');
    for (const [tier, entry] of Object.entries(cost.byTier)) {
      out.push(
        `  ${tier}: ${calls(entry.calls)}, ${entry.inputTokens} tokens in, ${entry.outputTokens} out, ` +
          `≈ ${usd(entry.costUsd)}`,
      );
    }
    out.push(
      cost.reported ? '  (tokens as the provider reported them)' : '  (tokens counted by ado-reviewer)',
    );
  }
  return `${out.join('\n')}\n`;
}
