import type { PullRequestDetails, PullRequestReader, PullRequestRef } from '../domain/platform';
import type { BudgetLedger } from './afford';
import { packChunks, type ChunkLimits } from './chunking';
import type { ReviewedFile } from '../domain/changedFile';
import type { FileOutcomes } from './fileOutcomes';
import { renderFile } from './prompt';
import type { ReviewStages } from './stageContext';
import type { TeamGuidance } from './teamGuidance';
import { StreamingTriage, type FileTriage } from './triage';
import { readGitAttributes, trivialReason, type AttributeRule } from './trivialFiles';

/**
 * Stage 2: triage, file by file as the collection hands them on. The deterministic rules first (lockfiles,
 * minified files, `.gitattributes` linguist rules); then light triage, which starts as soon as the files so far
 * are more than one chunk holds, while the rest are still being read. Until then the pull request may fit in one
 * chunk, which is reviewed in one call without triage (should the files then fit after all, say one too large for
 * any context, the triage made is used).
 */

interface TriageOutcome {
  /** The files past the deterministic rules, in the collection's order. */
  needModel: ReviewedFile[];
  /** Of those, the files light triage did not call trivial. */
  toReview: ReviewedFile[];
  verdicts: Map<string, FileTriage>;
  /** The pull request is reviewed in one call, without triage or a summary call. */
  singleChunk: boolean;
  limits: ChunkLimits;
}

interface TriageInput {
  platform: PullRequestReader;
  ref: PullRequestRef;
  pullRequest: PullRequestDetails;
  /** The merge base, whose `.gitattributes` the rules are read from. */
  commonCommitId: string;
  stages: ReviewStages;
  ledger: BudgetLedger;
  guidance: TeamGuidance | undefined;
  files: FileOutcomes;
  /** Off for a preview without a model: only the deterministic rules apply. */
  lightTriage: boolean;
}

export class TriageStage {
  private readonly triage: StreamingTriage;
  private readonly arrived: ReviewedFile[] = [];
  private readonly needModel: ReviewedFile[] = [];
  private needModelTokens = 0;
  private rules: AttributeRule[] | undefined;
  private readonly rulesRead: Promise<AttributeRule[]>;

  constructor(private readonly input: TriageInput) {
    this.triage = new StreamingTriage(
      input.pullRequest,
      input.stages.context,
      input.ledger.triageTokens,
      input.guidance,
    );
    this.rulesRead = readGitAttributes(input.platform, input.ref, input.commonCommitId);
    this.rulesRead.then(
      (rules) => {
        this.rules = rules;
        this.takeArrived();
      },
      // Awaited in finish, where its error ends the review.
      () => undefined,
    );
  }

  /** The collection's `onFile`: each diffed file as soon as it and the files before it are collected. */
  readonly add = (file: ReviewedFile): void => {
    this.arrived.push(file);
    this.takeArrived();
  };

  /** Once the collection is done: light triage of what it needs, and its verdicts. */
  async finish(): Promise<TriageOutcome> {
    this.rules = await this.rulesRead;
    this.takeArrived();
    const { input, needModel } = this;
    const limits = input.ledger.chunkLimits(input.pullRequest, needModel, input.guidance);
    const singleChunk =
      !this.triage.hasStarted && packChunks(needModel, input.stages.countDiff, limits).chunks.length <= 1;
    if (!singleChunk && input.lightTriage) this.triage.start();
    const verdicts = await this.triage.finish();
    for (const file of needModel) {
      const verdict = verdicts.get(file.change.path);
      if (verdict !== undefined && !verdict.needsReview)
        input.files.trivial(file.change.path, 'triage', verdict.summary);
    }
    const toReview = needModel.filter((file) => verdicts.get(file.change.path)?.needsReview ?? true);
    return { needModel, toReview, verdicts, singleChunk, limits };
  }

  private takeArrived(): void {
    const { rules, input } = this;
    if (rules === undefined) return;
    for (const file of this.arrived.splice(0)) {
      const reason = trivialReason(file, rules);
      if (reason !== undefined) {
        input.files.trivial(file.change.path, reason);
        continue;
      }
      this.needModel.push(file);
      this.triage.add(file);
      this.needModelTokens += input.stages.countDiff(renderFile(file));
      const overOneChunk = this.needModel.length > 1 && this.needModelTokens > input.ledger.chunkTokens;
      if (overOneChunk && input.lightTriage) this.triage.start();
    }
  }
}
