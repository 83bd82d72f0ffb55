import { DEFAULT_SECRET_FILE_PATTERNS } from '../config/reviewSafetySettings';
import type { ChatModel } from '../llm/chatModel';
import { anchorFindings, type AnchoredFindings } from './anchorFindings';
import { collectChanges, type CollectedChanges, type CollectLimits } from './collectChanges';
import { findingFingerprint, PROPERTY, renderFindingComment, renderIterationSection } from './comments';
import { FAILURE_MESSAGES, newCorrelationId } from './failureMessages';
import { checkPullRequestInput, type InputChecks } from './inputChecks';
import type {
  FileChange,
  PullRequestDetails,
  PullRequestIteration,
  PullRequestReader,
  PullRequestRef,
} from './platform';
import {
  renderReviewPrompt,
  reviewAnswerSchema,
  severities,
  type RenderedPrompt,
  type ReviewAnswer,
} from './prompt';
import type { ReviewPlan } from './reviewStore';
import type { LinkPolicy } from './sanitizeModelText';
import { isSecretFile } from './secretScan';
import { containsCanary } from './untrustedBoundary';

/** What bounds a review's input and output (REVIEW_MAX_FINDINGS, REVIEW_SECRET_FILES, the organization's URL). */
export interface ReviewSafety {
  maxFindings: number;
  secretFilePatterns: string[];
  /** Links into it stay links in posted text; others become plain text. */
  orgUrl?: string;
}

export const DEFAULT_SAFETY: ReviewSafety = {
  maxFindings: 50,
  secretFilePatterns: DEFAULT_SECRET_FILE_PATTERNS,
};

/** Why a file that usually holds credentials was not sent. */
export const MAY_HOLD_SECRETS = 'not sent: may hold secrets';

export interface PlanDependencies {
  platform: PullRequestReader;
  model: ChatModel;
  log: { info(message: string): void };
  limits: CollectLimits & { maxPromptChars: number };
  safety?: ReviewSafety;
}

/** What one review is about: the changes, their diffs, and the prompt that shows them. */
export interface PreparedReview {
  iteration: PullRequestIteration;
  base: PullRequestIteration | undefined;
  /** Every change of the comparison, as the platform reported it. */
  changes: FileChange[];
  /** Changed files in the comparison (folders excluded), reviewed or not. */
  changedFiles: number;
  collected: CollectedChanges;
  prompt: RenderedPrompt;
  /** The app's own findings about the pull request's text (injection attempts, credentials). */
  checks: InputChecks;
}

/** Diffs the iteration (against the merge base, or the last reviewed iteration) and renders the prompt. */
export async function prepareReview(
  ref: PullRequestRef,
  deps: Pick<PlanDependencies, 'platform' | 'limits' | 'safety'>,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
): Promise<PreparedReview> {
  const changes = await deps.platform.listIterationChanges(ref, iteration.id, base?.id);
  const patterns = (deps.safety ?? DEFAULT_SAFETY).secretFilePatterns;
  // Not even fetched: what is not read cannot reach the model.
  const holdsSecrets = (change: FileChange) =>
    !change.isFolder &&
    [change.path, change.originalPath].some((path) => path !== undefined && isSecretFile(path, patterns));
  const fromCollection = await collectChanges(
    deps.platform,
    ref,
    iteration,
    changes.filter((change) => !holdsSecrets(change)),
    deps.limits,
    base?.sourceCommitId ?? iteration.commonCommitId,
  );
  const collected = {
    files: fromCollection.files,
    skipped: [
      ...changes.filter(holdsSecrets).map((change) => ({ path: change.path, reason: MAY_HOLD_SECRETS })),
      ...fromCollection.skipped,
    ],
  };
  const prompt = renderReviewPrompt(pullRequest, collected, deps.limits.maxPromptChars);
  const changedFiles = changes.filter((change) => !change.isFolder).length;
  const paths = changes.filter((change) => !change.isFolder).map((change) => change.path);
  const checks = checkPullRequestInput(pullRequest, collected.files, paths);
  return { iteration, base, changes, changedFiles, collected, prompt, checks };
}

/** Prompts longer than this (half the default REVIEW_MAX_PROMPT_CHARS) go to the heavy tier, the rest to reasoning. */
export const HEAVY_REVIEW_PROMPT_CHARS = 60_000;

/** The model's review of a prepared prompt (nothing to ask when no text change fits). */
export async function askForReview(model: ChatModel, prompt: RenderedPrompt): Promise<ReviewAnswer> {
  if (prompt.shownPaths.size === 0) {
    return {
      summary: 'No text changes to review.',
      walkthrough: [],
      verdict: 'Nothing to review.',
      findings: [],
    };
  }
  return model.completeStructured({
    system: prompt.system,
    user: prompt.user,
    schema: reviewAnswerSchema,
    schemaName: 'pull_request_review',
    tier: prompt.user.length > HEAVY_REVIEW_PROMPT_CHARS ? 'heavy' : 'reasoning',
  });
}

/** Diffs the iteration, asks the model, and places its findings: the threads and summary to post. */
export async function planReview(
  ref: PullRequestRef,
  deps: PlanDependencies,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
): Promise<ReviewPlan> {
  const prepared = await prepareReview(ref, deps, pullRequest, iteration, base);
  const { collected, prompt } = prepared;
  deps.log.info(
    `Reviewing PR ${ref.pullRequestId} iteration ${iteration.id}${base ? ` since ${base.id}` : ''}: ` +
      `${prompt.shownPaths.size} files in the prompt (${prompt.user.length} chars), ` +
      `${collected.skipped.length + prompt.omittedPaths.length} not reviewed`,
  );
  const { plan } = buildPlan(prepared, await askForReview(deps.model, prompt), {
    ...(deps.safety ?? DEFAULT_SAFETY),
  });
  if (plan.withheld !== undefined) {
    deps.log.info(
      `PR ${ref.pullRequestId} iteration ${iteration.id}: ${FAILURE_MESSAGES['model-output-blocked']}; ` +
        `its output was withheld (ref ${plan.withheld})`,
    );
  }
  return plan;
}

const rank = (severity: ReviewAnswer['findings'][number]['severity']) => severities.indexOf(severity);

/**
 * The answer as the plan uses it: withheld entirely when it carries the prompt's canary (the prompt leaked or the
 * model was turned), and otherwise at most `maxFindings` findings, the most severe first.
 */
function boundAnswer(answer: ReviewAnswer, prompt: RenderedPrompt, maxFindings: number) {
  if (containsCanary(answer, prompt.canary)) {
    const withheld: ReviewAnswer = {
      summary:
        "The model's output for this iteration was withheld: it contained a marker that only the review's " +
        'instructions hold, a sign that the pull request talked the model out of its instructions. Nothing the ' +
        'model wrote was posted; the checks below are the app’s own.',
      walkthrough: [],
      verdict: 'Not reviewed by the model: review this iteration by hand.',
      findings: [],
    };
    return { answer: withheld, dropped: 0, withheld: newCorrelationId() };
  }
  const kept = [...answer.findings].sort((a, b) => rank(a.severity) - rank(b.severity)).slice(0, maxFindings);
  return {
    answer: { ...answer, findings: kept },
    dropped: answer.findings.length - kept.length,
    withheld: undefined,
  };
}

/** Turns the model's answer into threads on changed lines and a summary section; also returns the placement. */
export function buildPlan(
  prepared: PreparedReview,
  modelAnswer: ReviewAnswer,
  options: Partial<ReviewSafety> = {},
): { plan: ReviewPlan; anchored: AnchoredFindings } {
  const { iteration, base, collected, prompt, checks } = prepared;
  const maxFindings = options.maxFindings ?? DEFAULT_SAFETY.maxFindings;
  const { answer, dropped, withheld } = boundAnswer(modelAnswer, prompt, maxFindings);
  const links: LinkPolicy = { allowedLinkPrefix: options.orgUrl };
  // The app's own findings are never capped away (they are bounded per file) and anchor like the model's.
  const anchored = anchorFindings(
    [...answer.findings, ...checks.findings],
    collected.files,
    prompt.shownPaths,
  );
  const fingerprints = new Set<string>();
  const threads: ReviewPlan['threads'] = [];
  for (const item of anchored.inline) {
    const fingerprint = findingFingerprint(item);
    if (fingerprints.has(fingerprint)) continue;
    fingerprints.add(fingerprint);
    const sideLines = item.side === 'right' ? item.file.newLines : item.file.oldLines;
    const endLineText = sideLines[item.endLine - 1] ?? '';
    threads.push({
      fingerprint,
      content: renderFindingComment(item, links),
      status: 'active',
      properties: {
        [PROPERTY.kind]: 'finding',
        [PROPERTY.fingerprint]: fingerprint,
        [PROPERTY.iteration]: String(iteration.id),
        [PROPERTY.severity]: item.finding.severity,
      },
      position: {
        filePath: item.file.change.path,
        side: item.side,
        startLine: item.startLine,
        endLine: item.endLine,
        endOffset: endLineText.replace(/\r$/, '').length + 1,
        iterationId: iteration.id,
        changeTrackingId: item.file.change.changeTrackingId,
      },
    });
  }
  const plan: ReviewPlan = {
    iterationId: iteration.id,
    sourceCommitId: iteration.sourceCommitId,
    mode: base === undefined ? 'full' : 'incremental',
    comparedTo: base?.id,
    files: collected.files.length,
    threads,
    ...(withheld === undefined ? {} : { withheld }),
    summarySection: renderIterationSection({
      answer,
      iterationId: iteration.id,
      sourceCommitId: iteration.sourceCommitId,
      comparedTo: base?.id,
      inlineCount: threads.length,
      changedFiles: prepared.changedFiles,
      folded: anchored.folded,
      skipped: collected.skipped,
      omittedPaths: prompt.omittedPaths,
      overLimit: { dropped, limit: maxFindings },
      notices: checks.notices,
      links,
    }),
  };
  return { plan, anchored };
}
