import {
  openSamplePullRequest,
  SAMPLE_FEATURE,
  startSandbox,
  threadKind,
  type Json,
  type Sandbox,
} from '../../dev/sandbox/sandbox';
import { FAILURE_MESSAGES } from '../../shared/review/domain/failures';
import { userPromptOf as promptOf } from '../support/chatRequests';

/**
 * A service-hook delivery becomes a posted review, end to end: Azure DevOps test server → webhook (stand-in host)
 * → Azurite queue → review function → real azure-devops-node-api and openai clients → threads and statuses.
 */

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ retryDelayMs: 200 });
});

afterAll(async () => {
  await sandbox?.close();
});

const lineOf = (file: string, needle: string) =>
  (SAMPLE_FEATURE[file] as string).split('\n').findIndex((line) => line.includes(needle)) + 1;

const threadsOf = (repositoryId: string, pullRequestId: number) =>
  sandbox.devops.threads(repositoryId, pullRequestId) as Json[];
const isSummary = (thread: Json) => threadKind(thread) === 'summary';
const inlineThreads = (threads: Json[]) =>
  threads.filter((thread) => thread.threadContext?.filePath !== undefined);

describe('a pull request with added, edited and deleted files', () => {
  let repositoryId: string;
  let pullRequestId: number;

  beforeAll(async () => {
    ({ repositoryId, pullRequestId } = await openSamplePullRequest(sandbox));
    await sandbox.settled();
  });

  it('gets exactly one summary thread', () => {
    const summaries = threadsOf(repositoryId, pullRequestId).filter(isSummary);
    expect(summaries).toHaveLength(1);
    const content = summaries[0].comments[0].content as string;
    expect(content).toMatch(/^## ado-reviewer summary\n\nFull review of iteration 1 \(/);
    expect(content).toMatch(/### Review history[\s\S]*\| 1 \| [0-9a-f]{8} \| full \| 3 \| 3 \|/);
    expect(content).toContain('### Walkthrough');
    expect(content).toContain('`/src/discounts.ts`');
    expect(content).toContain('### Verdict');
    expect(content).toMatch(/3 inline findings posted/);
  });

  it("closes the summary with the cost, in the tokens the model's provider reported", () => {
    const content = threadsOf(repositoryId, pullRequestId).find(isSummary)?.comments[0].content as string;
    const reported = sandbox.llm.requests.map((request) => request.usage);
    const tokensIn = reported.reduce((sum, usage) => sum + (usage?.promptTokens ?? 0), 0);
    const tokensOut = reported.reduce((sum, usage) => sum + (usage?.completionTokens ?? 0), 0);
    expect(tokensIn).toBeGreaterThan(0);
    expect(content).toContain(
      `<details><summary>Cost: ${reported.length} model calls, ${tokensIn.toLocaleString('en-US')} tokens in, ` +
        `${tokensOut.toLocaleString('en-US')} out,`,
    );
    expect(content).toContain('Tokens as the provider reported them');
  });

  it('gets inline threads on exactly the changed lines that the findings cite', () => {
    const inline = inlineThreads(threadsOf(repositoryId, pullRequestId));
    const placed = inline
      .map((thread) => ({
        path: thread.threadContext.filePath,
        start: thread.threadContext.rightFileStart,
        end: thread.threadContext.rightFileEnd,
      }))
      .sort((a, b) => `${a.path}${a.start.line}`.localeCompare(`${b.path}${b.start.line}`));
    const endOffset = (file: string, line: number) =>
      (SAMPLE_FEATURE[file] as string).split('\n')[line - 1].length + 1;
    const cartLine = lineOf('src/cart.ts', 'coupon == undefined');
    const evalLine = lineOf('src/discounts.ts', 'eval(');
    const logLine = lineOf('src/discounts.ts', 'console.log');
    expect(placed).toEqual([
      {
        path: '/src/cart.ts',
        start: { line: cartLine, offset: 1 },
        end: { line: cartLine, offset: endOffset('src/cart.ts', cartLine) },
      },
      {
        path: '/src/discounts.ts',
        start: { line: evalLine, offset: 1 },
        end: { line: evalLine, offset: endOffset('src/discounts.ts', evalLine) },
      },
      {
        path: '/src/discounts.ts',
        start: { line: logLine, offset: 1 },
        end: { line: logLine, offset: endOffset('src/discounts.ts', logLine) },
      },
    ]);
  });

  it('ties each inline thread to the iteration and the file change', async () => {
    const inline = inlineThreads(threadsOf(repositoryId, pullRequestId));
    const { WebApi, getPersonalAccessTokenHandler } = await import('azure-devops-node-api');
    const git = await new WebApi(
      sandbox.devops.orgUrl,
      getPersonalAccessTokenHandler(sandbox.devops.token),
    ).getGitApi();
    const changes = await git.getPullRequestIterationChanges(repositoryId, pullRequestId, 1, 'demo');
    const trackingIds = new Map(
      changes.changeEntries?.map((entry) => [entry.item?.path, entry.changeTrackingId]),
    );
    for (const thread of inline) {
      expect(thread.pullRequestThreadContext).toMatchObject({
        changeTrackingId: trackingIds.get(thread.threadContext.filePath),
        iterationContext: { firstComparingIteration: 1, secondComparingIteration: 1 },
      });
    }
  });

  it('offers a suggestion that replaces the cited line', () => {
    const evalThread = inlineThreads(threadsOf(repositoryId, pullRequestId)).find((thread) =>
      String(thread.comments[0].content).includes('eval'),
    ) as Json;
    expect(evalThread.comments[0].content).toContain(
      '```suggestion\n  const rules = JSON.parse(coupon);\n```',
    );
  });

  it('posts nothing on the deleted file and shows the model only the PR diff', () => {
    expect(
      inlineThreads(threadsOf(repositoryId, pullRequestId)).some((t) =>
        t.threadContext.filePath.includes('legacy'),
      ),
    ).toBe(false);
    const prompt = promptOf(sandbox.llm.requests[0]);
    expect(prompt).toContain(
      '### /src/legacy/oldPricing.ts (delete)\n--- a/src/legacy/oldPricing.ts\n+++ b/dev/null',
    );
    expect(prompt).toContain('-    1 export const LEGACY_MARKUP = 1.2;');
  });

  it('shows a pending status while reviewing, then succeeded, on the iteration', () => {
    const statuses = sandbox.devops.statuses(repositoryId, pullRequestId) as Json[];
    expect(
      statuses.map((status) => [
        status.state,
        status.iterationId,
        `${status.context.genre}/${status.context.name}`,
      ]),
    ).toEqual([
      ['pending', 1, 'ado-reviewer/review'],
      ['succeeded', 1, 'ado-reviewer/review'],
    ]);
    expect(statuses[1].description).toBe('3 open findings (1 high, 1 medium, 1 low)');
  });

  it('never sends a secret to the model', () => {
    const everything = JSON.stringify(sandbox.llm.requests.map((request) => request.body));
    expect(everything).not.toContain(sandbox.devops.token);
    expect(everything).not.toContain(sandbox.webhook.password);
  });
});

// The placement rules are unit-tested (publish/anchorFindings.test.ts); this proves what the real client sends for each side.
describe('findings placed on what Azure DevOps shows', () => {
  it('go on added lines on the right, removed lines on the left, or into the summary', async () => {
    sandbox.llm.respondWith(() =>
      JSON.stringify({
        summary: 'Adds coupons.',
        walkthrough: [],
        verdict: 'Fine.',
        findings: [
          {
            path: '/src/catalog.ts',
            side: 'right',
            startLine: 4,
            endLine: 4,
            severity: 'medium',
            comment: 'File not in the PR.',
            suggestion: null,
          },
          {
            path: 'src/cart.ts',
            side: 'right',
            startLine: 14,
            endLine: 15,
            severity: 'high',
            comment: 'Changed lines.',
            suggestion: null,
          },
          {
            path: '/src/cart.ts',
            side: 'left',
            startLine: 8,
            endLine: 8,
            severity: 'medium',
            comment: 'The removed signature.',
            suggestion: 'x',
          },
        ],
      }),
    );
    const { repositoryId, pullRequestId } = await openSamplePullRequest(sandbox, 'placed-findings');
    await sandbox.settled();
    const threads = threadsOf(repositoryId, pullRequestId);
    const inline = inlineThreads(threads).map((thread) => {
      const side = thread.threadContext.rightFileStart ? 'right' : 'left';
      return [
        side,
        thread.threadContext[`${side}FileStart`].line,
        thread.threadContext[`${side}FileEnd`].line,
        String(thread.comments[0].content).replace(/^\*\*.*?\*\* — /, ''),
      ];
    });
    expect(inline.sort()).toEqual([
      ['left', 8, 8, 'The removed signature.'],
      ['right', 14, 15, 'Changed lines.'],
    ]);
    const left = inlineThreads(threads).find((thread) => thread.threadContext.leftFileStart) as Json;
    expect(left.threadContext.leftFileEnd.offset).toBe(
      'export function total(lines: CartLine[]): number {'.length + 1,
    );
    expect(left.comments[0].content).not.toContain('```suggestion');
    const summary = threads.find(isSummary)?.comments[0].content as string;
    expect(summary).toContain('### Other findings');
    expect(summary).toMatch(
      /`\/src\/catalog.ts` lines 4–4 \(not a file shown in this review\): File not in the PR\./,
    );
  });
});

describe('a target branch that moved on after the branch point', () => {
  it('is not reviewed as if the PR reverted it', async () => {
    sandbox.llm.respondWith((request) =>
      JSON.stringify({
        summary: 's',
        walkthrough: [],
        verdict: 'v',
        findings: [],
        echo: promptOf(request).length,
      }),
    );
    const repository = await sandbox.devops.createRepository({
      project: 'demo',
      name: 'moving-target',
      files: { 'a.txt': 'one\ntwo\n', 'b.txt': 'alpha\n' },
    });
    await sandbox.devops.push({
      repositoryId: repository.id,
      branch: 'topic',
      baseBranch: 'main',
      files: { 'a.txt': 'one\ntwo\nthree\n' },
    });
    await sandbox.devops.push({
      repositoryId: repository.id,
      branch: 'main',
      files: { 'b.txt': 'alpha\nmain-only change\n' },
    });
    const before = sandbox.llm.requests.length;
    await sandbox.devops.createPullRequest({
      repositoryId: repository.id,
      sourceBranch: 'topic',
      targetBranch: 'main',
      title: 't',
    });
    await sandbox.settled();
    const prompts = sandbox.llm.requests.slice(before).map(promptOf);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('+++ b/a.txt');
    expect(prompts[0]).not.toContain('b.txt');
    expect(prompts[0]).not.toContain('main-only change');
  });
});

describe('a review that cannot complete', () => {
  it('goes to the poison queue after maxDequeueCount tries; the poison function logs the cause and sets error', async () => {
    sandbox.llm.respondWith(() => ({ status: 400, error: 'model is unavailable' }));
    const { repositoryId, pullRequestId } = await openSamplePullRequest(sandbox, 'failing-review');
    await sandbox.settled();
    const failures = sandbox.host.logs.filter(
      (entry) =>
        entry.functionName === 'reviewJob' &&
        /failed \(try \d\): review failed: model-request-refused \(ref [0-9a-f]{12}/.test(entry.message),
    );
    expect(failures.map((entry) => entry.message.match(/try (\d)/)?.[1])).toEqual(['1', '2', '3', '4', '5']);
    // The provider's words stay in the log, under the correlation id the PR shows; the PR gets the fixed sentence.
    const classified = sandbox.host.logs
      .map((entry) =>
        /failed \(model-request-refused, ref ([0-9a-f]{12})\): .*model is unavailable/.exec(entry.message),
      )
      .filter((match) => match !== null);
    expect(classified).toHaveLength(5);
    // What the host logged of each try is the class and that try's id, never the provider's message.
    expect(failures.map((entry) => /ref ([0-9a-f]{12})/.exec(entry.message)?.[1])).toEqual(
      classified.map((match) => match?.[1]),
    );
    // The poison handler reports the last try's.
    const ref = classified.at(-1)?.[1];
    const poisonLog = sandbox.host.logs.filter((entry) => entry.functionName === 'reviewJobPoison');
    expect(poisonLog.map((entry) => entry.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `PR ${pullRequestId} \\(git.pullrequest.created\\) failed every try .* Last error: model-request-refused \\(ref ${ref}`,
        ),
      ),
    ]);
    const statuses = sandbox.devops.statuses(repositoryId, pullRequestId) as Json[];
    expect(statuses.at(-1)).toMatchObject({
      state: 'error',
      description: `Review failed after every retry: ${FAILURE_MESSAGES['model-request-refused']} (ref ${ref})`,
    });
    expect(JSON.stringify(statuses)).not.toContain('model is unavailable');
    expect(statuses.some((status) => status.state === 'pending')).toBe(true);
  });
});
