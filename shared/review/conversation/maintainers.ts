import type { PullRequestDetails, PullRequestReader, PullRequestRef } from '../domain/platform';

/**
 * Who may steer the reviewer on a pull request — switch its reviews off or on, resolve its findings, approve or
 * forget what it learnt: the pull request's required reviewers (a required team's members too), and the teams and
 * identities `reviews.maintainers` names (the organization's file gives the default). Anyone else who can comment,
 * the pull request's author included, may ask questions and ask for reviews, never switch them off: a comment, a
 * reply, a title and a description are all the author's input, never a maintainer's decision.
 */
export interface Maintainers {
  includes(identityId: string): Promise<boolean>;
  /** Who they are, in words, for a refusal. */
  readonly description: string;
}

/** An identity id (a GUID); anything else in `reviews.maintainers` names a team of the project. */
const IDENTITY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function maintainersOf(
  ref: PullRequestRef,
  platform: Pick<PullRequestReader, 'listTeamMembers'>,
  pullRequest: Pick<PullRequestDetails, 'requiredReviewers'>,
  configured: readonly string[],
): Maintainers {
  const people = new Set<string>();
  const teams: string[] = [];
  for (const reviewer of pullRequest.requiredReviewers) {
    if (reviewer.isContainer) teams.push(reviewer.id);
    else people.add(reviewer.id);
  }
  for (const entry of configured) {
    // An id may be a person's or a team's: both are tried.
    if (IDENTITY_ID.test(entry)) people.add(entry.toLowerCase());
    teams.push(entry);
  }
  let members: Promise<Set<string>> | undefined;
  const teamMembers = async () => {
    const lists = await Promise.all(teams.map((team) => platform.listTeamMembers(ref, team)));
    return new Set(lists.flatMap((list) => list ?? []));
  };
  const named = configured.filter((entry) => !IDENTITY_ID.test(entry));
  return {
    async includes(identityId) {
      const id = identityId.toLowerCase();
      if (people.has(id)) return true;
      members ??= teamMembers();
      return (await members).has(id);
    },
    description:
      "the pull request's required reviewers" +
      (named.length === 0 ? '' : ` and the members of ${named.map((team) => `"${team}"`).join(', ')}`) +
      ' (`reviews.maintainers` in .ado-reviewer.yaml names more)',
  };
}
