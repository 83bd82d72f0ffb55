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
  /** A maintainer approves a proposed learning, optionally for other files (`appliesTo`, a glob). */
  | { kind: 'approveLearning'; learning: number; appliesTo?: string }
  /** A single word after the mention that is no command: answered with the help. */
  | { kind: 'unknown'; word: string }
  /** A mention with no command: the comment is a question for the reviewer. */
  | { kind: 'question' };

interface CatalogEntry {
  /** As written after the mention; `<n>` stands for a number. */
  usage: string;
  kind: SimpleCommandKind | 'forget' | 'approveLearning';
  description: string;
  /** Only the pull request's maintainers may give it: it changes what is reviewed, gated or learnt. */
  maintainers?: true;
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
    description:
      'Stop reviewing new pushes to this pull request automatically (the merge gate waits for a review).',
    maintainers: true,
  },
  {
    usage: 'resume',
    kind: 'resume',
    description: 'Review new pushes automatically again.',
    maintainers: true,
  },
  {
    usage: 'resolve',
    kind: 'resolve',
    description: 'Resolve all of my open finding threads.',
    maintainers: true,
  },
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
    description: 'List what I have learnt in this repository, numbered, and what is only proposed.',
  },
  {
    usage: 'learnings approve <n> [<glob>]',
    kind: 'approveLearning',
    description: 'Apply proposed learning n to later reviews (of the files the glob matches, if given).',
    maintainers: true,
  },
  { usage: 'forget <n>', kind: 'forget', description: 'Forget learning number n.', maintainers: true },
  {
    usage: 'ignore',
    kind: 'ignore',
    description: 'Written in the pull request description: do not review this pull request.',
  },
  { usage: 'help', kind: 'help', description: 'Show this list.' },
];
