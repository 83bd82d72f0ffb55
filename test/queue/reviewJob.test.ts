import { encodeReviewJob, parseReviewJob, type ReviewJob } from '../../shared/queue/reviewJob';

const pullRequestJob: ReviewJob = {
  version: 1,
  eventId: 'd1e96858-24cd-4064-9e08-0c55db2ff3fa',
  eventType: 'git.pullrequest.created',
  kind: 'pullRequest',
  projectId: '068d2409-14eb-4d8a-88bf-c8a9e7f5b4e2',
  repositoryId: '98f0ce59-a912-43d5-96d2-bc0942a03f7b',
  pullRequestId: 1,
};

describe('parseReviewJob', () => {
  it('reads back what encodeReviewJob wrote', () => {
    const message = Buffer.from(encodeReviewJob(pullRequestJob), 'base64').toString('utf8');
    expect(parseReviewJob(message)).toEqual(pullRequestJob);
  });

  it('still parses messages queued with fields since removed, and drops those fields', () => {
    const queuedBefore = {
      ...pullRequestJob,
      sourceCommitId: '8b913c8e0d0492952bd215da12df9a422182e9c5',
      targetCommitId: '2f8a5b1c7d3e4f6a9b0c1d2e3f4a5b6c7d8e9f0a',
      actorId: '107e08c7-2725-675e-a1b0-281729035ea6',
      enqueuedAt: '2024-05-01T12:00:00.000Z',
    };
    expect(parseReviewJob(queuedBefore)).toEqual(pullRequestJob);
    expect(parseReviewJob(JSON.stringify(queuedBefore))).toEqual(pullRequestJob);
  });

  it('keeps what a comment job is answered with', () => {
    const commentJob = {
      ...pullRequestJob,
      eventType: 'ms.vss-code.git-pullrequest-comment-event',
      kind: 'comment',
      commentId: 2,
      threadId: 7,
      actorId: '107e08c7-2725-675e-a1b0-281729035ea6',
      enqueuedAt: '2024-05-01T12:00:00.000Z',
    };
    const { enqueuedAt: _dropped, ...expected } = commentJob;
    expect(parseReviewJob(commentJob)).toEqual(expected);
  });

  it('names what is wrong with a message that is not a job', () => {
    expect(() => parseReviewJob({ ...pullRequestJob, pullRequestId: 0 })).toThrow(
      /^Not a review job: pullRequestId: /,
    );
    expect(() => parseReviewJob('[]')).toThrow(/^Not a review job: /);
  });
});

describe('review job bounds', () => {
  it.each([
    ['a repository id naming another container', { repositoryId: '../../azure-webjobs-secrets/x' }],
    ['a project id that is not a GUID', { projectId: 'project' }],
    ['a huge event id', { eventId: 'e'.repeat(70_000) }],
    ['a pull request id beyond 32 bits', { pullRequestId: 2 ** 31 }],
  ])('refuses %s, when reading and when writing', (_name, change) => {
    const job = { ...pullRequestJob, ...change } as ReviewJob;
    expect(() => parseReviewJob(job)).toThrow(/^Not a review job: /);
    expect(() => encodeReviewJob(job)).toThrow();
  });
});
