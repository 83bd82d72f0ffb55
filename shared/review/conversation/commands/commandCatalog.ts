/**
 * The commands a comment can give the reviewer by mentioning it (`@<bot> review`). One list, read by the parser
 * (which words are commands) and by the help reply (what each does), so the two cannot disagree.
 */

export type SimpleCommandKind =
  | 'review'
  | 'fullReview'
  | 'pause'
  | 'resume'
  | 'resolve'
  | 'summary'
  | 'configuration'
  | 'learnings'
  | 'ignore'
  | 'help';

export type CommentCommand =
  | { kind: SimpleCommandKind }
  | { kind: 'forget'; learning: number }
  /** A single word after the mention that is no command: answered with the help. */
  | { kind: 'unknown'; word: string }
  /** A mention with no command: the comment is a question for the reviewer. */
  | { kind: 'question' };

interface CatalogEntry {
  /** As written after the mention; `<n>` stands for a number. */
  usage: string;
  kind: SimpleCommandKind | 'forget';
  description: string;
}

export const commandCatalog: readonly CatalogEntry[] = [
  {
    usage: 'review',
    kind: 'review',
    description: 'Review the pushes not reviewed yet, even when automatic reviews are off or paused.',
  },
  {
    usage: 'full review',
    kind: 'fullReview',
    description: 'Review the whole pull request again, from the start.',
  },
  {
    usage: 'pause',
    kind: 'pause',
    description: 'Stop reviewing new pushes to this pull request automatically.',
  },
  { usage: 'resume', kind: 'resume', description: 'Review new pushes automatically again.' },
  { usage: 'resolve', kind: 'resolve', description: 'Resolve all of my open finding threads.' },
  { usage: 'summary', kind: 'summary', description: 'Write the summary thread again.' },
  {
    usage: 'configuration',
    kind: 'configuration',
    description:
      'Show the configuration this pull request is reviewed with, and any problems in .ado-reviewer.yaml.',
  },
  {
    usage: 'learnings',
    kind: 'learnings',
    description: 'List what I have learnt in this repository, numbered.',
  },
  { usage: 'forget <n>', kind: 'forget', description: 'Forget learning number n.' },
  {
    usage: 'ignore',
    kind: 'ignore',
    description: 'Written in the pull request description: do not review this pull request.',
  },
  { usage: 'help', kind: 'help', description: 'Show this list.' },
];
