import {
  ORGANIZATION_CONFIG_SOURCE,
  readRepositoryConfigLayer,
  REPOSITORY_CONFIG_FILE,
  resolveRepositoryConfig,
  type RepositoryConfigAppDefaults,
  type ResolvedRepositoryConfig,
} from '../../repository-config';
import type { PullRequestIteration, PullRequestReader, PullRequestRef } from '../domain/platform';

/** A configuration file is a few kilobytes; a larger one is reported, not read. */
const MAX_CONFIG_BYTES = 64 * 1024;

/** What the app settings contribute to a repository's configuration. */
export interface TeamConfigSources {
  appDefaults: RepositoryConfigAppDefaults;
  /** The organization-wide file (REVIEW_ORGANIZATION_CONFIG or YAML_CONFIG). */
  organizationYaml?: string;
}

export interface RepositoryConfigReading extends ResolvedRepositoryConfig {
  /**
   * The pull request changes `.ado-reviewer.yaml`: its version on the source branch is not used (a pull request
   * must not reconfigure its own review), and takes effect once merged.
   */
  changedOnSourceBranch: boolean;
  /**
   * Whether the organization's or the repository's file sets `reviews.profile`. Only then are findings of the
   * severities it leaves out dropped: with no file saying so, every finding is posted, as before files existed.
   */
  profileSet: boolean;
}

async function readText(
  platform: PullRequestReader,
  ref: PullRequestRef,
  commitId: string,
): Promise<{ text?: string; tooLarge: boolean }> {
  if (commitId === '') return { tooLarge: false };
  const content = await platform.getFileContent(
    ref,
    `/${REPOSITORY_CONFIG_FILE}`,
    commitId,
    MAX_CONFIG_BYTES,
  );
  if (content === undefined) return { tooLarge: false };
  if (content.kind === 'tooLarge') return { tooLarge: true };
  return { text: Buffer.from(content.bytes).toString('utf8'), tooLarge: false };
}

/**
 * The configuration a pull request is reviewed with: `.ado-reviewer.yaml` at the iteration's target commit (the
 * target branch as the pull request would merge into it, never the source branch), over the organization's file and
 * the app defaults. Never throws on the file's content: problems are returned, by key and line.
 */
export async function readRepositoryConfig(
  platform: PullRequestReader,
  ref: PullRequestRef,
  iteration: Pick<PullRequestIteration, 'targetCommitId' | 'sourceCommitId'>,
  sources: TeamConfigSources,
): Promise<RepositoryConfigReading> {
  const [target, source] = await Promise.all([
    readText(platform, ref, iteration.targetCommitId),
    readText(platform, ref, iteration.sourceCommitId),
  ]);
  const resolved = resolveRepositoryConfig({
    organizationYaml: sources.organizationYaml,
    repositoryYaml: target.text,
    appDefaults: sources.appDefaults,
  });
  const problems = target.tooLarge
    ? [
        ...resolved.problems,
        {
          source: REPOSITORY_CONFIG_FILE,
          key: '',
          message: `the file is over ${MAX_CONFIG_BYTES / 1024} KiB and was not read`,
        },
      ]
    : resolved.problems;
  const setsProfile = (yaml: string | undefined, source: string) =>
    yaml !== undefined && readRepositoryConfigLayer(yaml, source).layer.reviews?.profile !== undefined;
  return {
    ...resolved,
    problems,
    profileSet:
      setsProfile(sources.organizationYaml, ORGANIZATION_CONFIG_SOURCE) ||
      setsProfile(target.text, REPOSITORY_CONFIG_FILE),
    changedOnSourceBranch: source.text !== target.text || source.tooLarge !== target.tooLarge,
  };
}

/** One line per problem, for the log and for the summary: `source: key (line n): message`. */
export function describeConfigProblems(reading: ResolvedRepositoryConfig): string[] {
  return reading.problems.map(
    (problem) =>
      `${problem.source}: ${problem.key === '' ? '(file)' : problem.key}` +
      `${problem.line === undefined ? '' : ` (line ${problem.line})`}: ${problem.message}`,
  );
}
