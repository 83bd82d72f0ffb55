import { z } from 'zod';
import type { FailSeverity } from '../config';
import { globProblem } from './globs';

/**
 * The shape of `.ado-reviewer.yaml`. Keys are named after CodeRabbit's `.coderabbit.yaml` where the meaning is the
 * same, so a team can carry its file over; `status_policy` and `finding_thread_status` are ours. Every key has a
 * default, so an empty file (or none) is a valid configuration. No transforms: a value that passes is used as
 * written, which lets a layer keep only the keys a file set (see parseRepositoryConfig).
 */

export const REPOSITORY_CONFIG_FILE = '.ado-reviewer.yaml';

/** A language tag such as `en-US` or `de-DE` (BCP 47's common form). */
const languageTag = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a language tag such as en-US or de-DE');

/** A glob the matcher takes (bounded, in its syntax); a refused one is a problem named by key and line. */
const glob = z
  .string()
  .min(1)
  .superRefine((pattern, context) => {
    const problem = globProblem(pattern);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: `glob refused: ${problem}` });
  });

/**
 * Git forbids a ref component that starts with a dot, so a pattern with one can never match a branch: it is a
 * regular expression (CodeRabbit reads base_branches as regular expressions, e.g. `release/.*`), not a glob.
 */
const branchGlob = glob.refine(
  (pattern) => !/(^|\/)\./.test(pattern),
  'a branch glob, not a regular expression: use release/* rather than release/.*',
);

const failSeverities = ['never', 'high', 'medium', 'low'] as const satisfies readonly FailSeverity[];

export const repositoryConfigSchema = z
  .object({
    language: languageTag.default('en-US').describe('The language the reviewer writes in, e.g. de-DE.'),
    tone_instructions: z
      .string()
      .max(250)
      .default('')
      .describe('How the reviewer should sound, e.g. "Be brief and friendly." (at most 250 characters).'),
    reviews: z
      .object({
        profile: z
          .enum(['chill', 'assertive'])
          .default('chill')
          .describe('chill: high and medium findings are posted; assertive: low ones too.'),
        high_level_summary: z
          .boolean()
          .default(true)
          .describe('Write what the pull request does at the top of the summary thread.'),
        collapse_walkthrough: z
          .boolean()
          .default(false)
          .describe('Fold the file-by-file walkthrough in the summary thread.'),
        maintainers: z
          .array(z.string().trim().min(1).max(256))
          .max(20)
          .default([])
          .describe(
            "Who may pause, resume and resolve reviews and approve learnings, besides the pull request's required " +
              'reviewers: team names (or ids) of the project, or identity ids.',
          ),
        path_filters: z
          .array(glob)
          .default([])
          .describe(
            'Globs of the files reviewed; a leading ! excludes. With any include, only matching files are ' +
              'reviewed; an exclude always wins.',
          ),
        path_instructions: z
          .array(
            z.object({
              path: glob.describe('A glob of the files these instructions apply to.'),
              instructions: z.string().min(1).describe('What to look for in those files.'),
            }),
          )
          .default([])
          .describe('Extra review instructions per path; every matching entry applies, in order.'),
        auto_review: z
          .object({
            enabled: z.boolean().default(true).describe('Review pull requests automatically.'),
            drafts: z
              .boolean()
              .default(false)
              .describe('Review draft pull requests too (default: the REVIEW_DRAFTS app setting).'),
            base_branches: z
              .array(branchGlob)
              .default([])
              .describe(
                'Globs of the target branches reviewed automatically, e.g. main, release/*; empty: all.',
              ),
            ignore_title_keywords: z
              .array(z.string().min(1))
              .default([])
              .describe('Pull requests whose title contains one of these (any case) are not reviewed.'),
          })
          .prefault({}),
        status_policy: z
          .object({
            fail_severity: z
              .enum(failSeverities)
              .default('never')
              .describe(
                'The PR status fails on open findings of this severity or worse; never: it only informs ' +
                  '(default: the REVIEW_FAIL_SEVERITY app setting).',
              ),
            fail_threshold: z
              .number()
              .int()
              .positive()
              .default(1)
              .describe('How many such findings fail it (default: the REVIEW_FAIL_THRESHOLD app setting).'),
          })
          .prefault({}),
        finding_thread_status: z
          .enum(['active', 'pending'])
          .default('active')
          .describe('The status new finding threads are opened with.'),
      })
      .prefault({}),
    chat: z
      .object({
        auto_reply: z.boolean().default(true).describe('Answer comments that mention the reviewer.'),
      })
      .prefault({}),
    knowledge_base: z
      .object({
        learnings: z
          .object({
            enabled: z
              .boolean()
              .default(true)
              .describe(
                'Remember what reviewers teach the bot in this repository and use it in later reviews.',
              ),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .describe(`ado-reviewer repository configuration (${REPOSITORY_CONFIG_FILE})`);

export type RepositoryConfig = z.infer<typeof repositoryConfigSchema>;
export type PathInstruction = RepositoryConfig['reviews']['path_instructions'][number];

/** What one file (or layer) set: any key may be missing; lists are whole. */
export type RepositoryConfigLayer = DeepPartial<RepositoryConfig>;

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
