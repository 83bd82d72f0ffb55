import { compileGlob } from './globs';
import type { PathInstruction, RepositoryConfig } from './repositoryConfigSchema';

/**
 * Which files a review looks at and what it is told about them. Azure DevOps names files from the repository root
 * with a leading `/`; globs are written relative to the root (`src/**`), with or without that slash. Globs
 * match dotted files and folders (`.github/`, `.eslintrc.json`) like any other, as a team writing them means; the
 * schema refused any glob `compileGlob` would not take.
 */

const relative = (path: string) => path.replace(/^\/+/, '');

const matcherOf = (globs: readonly string[]) => {
  const matchers = globs.map((glob) => compileGlob(relative(glob)));
  return (path: string) => matchers.some((matches) => matches(path));
};

/**
 * `path_filters`: an entry starting with `!` excludes, any other includes. A path is reviewed when it matches no
 * exclude and, if there is at least one include, at least one include.
 */
export function isPathIncluded(config: RepositoryConfig, path: string): boolean {
  const filters = config.reviews.path_filters;
  const includes = filters.filter((glob) => !glob.startsWith('!'));
  const excludes = filters.filter((glob) => glob.startsWith('!')).map((glob) => glob.slice(1));
  const file = relative(path);
  if (matcherOf(excludes)(file)) return false;
  return includes.length === 0 || matcherOf(includes)(file);
}

/** Every `path_instructions` entry whose glob matches the path, in the file's order. */
export function instructionsFor(config: RepositoryConfig, path: string): PathInstruction[] {
  const file = relative(path);
  return config.reviews.path_instructions.filter((entry) => matcherOf([entry.path])(file));
}
