import { errorFirstLine } from '../../errors/errorMessage';
import { isPathIncluded } from '../../repository-config';
import type {
  LinkedWorkItem,
  PullRequestIteration,
  PullRequestReader,
  PullRequestRef,
} from '../domain/platform';
import type { Learning, ReviewStore } from '../domain/reviewStore';
import { learningsFor, renderLearningsForPrompt } from './learnings';
import { fetchLinkedWorkItems, renderLinkedWorkItems } from './linkedWorkItems';
import {
  describeConfigProblems,
  readRepositoryConfig,
  type RepositoryConfigReading,
  type TeamConfigSources,
} from './repositoryConfigFile';

/** The app settings teams are steered by (shared/config/teamSettings.ts), as a review uses them. */
interface TeamReviewSettings extends TeamConfigSources {
  learningsEnabled: boolean;
}

/**
 * What the team told the reviewer about one pull request, resolved once per review and handed to the planner
 * (`PlanDependencies` carry it as `reviewContext`). Texts are untrusted: a prompt fences each one in its boundary
 * (and lists it among the texts the boundary's nonce must avoid).
 */
export interface ReviewContext {
  /** The effective configuration, its problems (shown in the summary), ignored keys, and a changed file on the source. */
  repositoryConfig: RepositoryConfigReading;
  /** The problems as lines (`source: key (line n): message`), for the summary and the log. */
  configProblems: string[];
  /** `reviews.path_filters`: an excluded file is never fetched or reviewed; the planner lists it as not reviewed. */
  isPathIncluded(path: string): boolean;
  /** The repository's learnings that apply to a file (none when learnings are off). */
  learningsFor(path: string): Learning[];
  /** `learningsFor(path)` as one text for a prompt, empty when none. */
  learningsTextFor(path: string): string;
  /** At most five, each field bounded and as text. */
  linkedWorkItems: LinkedWorkItem[];
  /** The work items as one text for a prompt, empty when none. */
  linkedWorkItemsText: string;
}

export async function buildReviewContext(
  platform: PullRequestReader,
  store: Pick<ReviewStore, 'readLearnings'>,
  ref: PullRequestRef,
  iteration: Pick<PullRequestIteration, 'targetCommitId' | 'sourceCommitId'>,
  settings: TeamReviewSettings,
  log: { warn(message: string): void },
): Promise<ReviewContext> {
  const repositoryConfig = await readRepositoryConfig(platform, ref, iteration, settings);
  const config = repositoryConfig.config;
  const learningsOn = settings.learningsEnabled && config.knowledge_base.learnings.enabled;
  const [learnings, linkedWorkItems] = await Promise.all([
    learningsOn ? store.readLearnings(ref) : Promise.resolve([]),
    // Work items are context, not the review: a token that may not read them costs the context only.
    fetchLinkedWorkItems(platform, ref).catch((error: unknown) => {
      log.warn(`PR ${ref.pullRequestId}: linked work items not read: ${errorFirstLine(error)}`);
      return [];
    }),
  ]);
  return {
    repositoryConfig,
    configProblems: describeConfigProblems(repositoryConfig),
    isPathIncluded: (path) => isPathIncluded(config, path),
    learningsFor: (path) => learningsFor(learnings, path),
    learningsTextFor: (path) => renderLearningsForPrompt(learningsFor(learnings, path)),
    linkedWorkItems,
    linkedWorkItemsText: renderLinkedWorkItems(linkedWorkItems),
  };
}
