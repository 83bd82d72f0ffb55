import { PROPERTY } from '../../../shared/review/publish/comments';
import { reviewPullRequest } from '../../../shared/review/reviewPullRequest';
import { buildReviewContext } from '../../../shared/review/context/reviewContext';
import type { ReviewMetricsEvent } from '../../../shared/review/reviewMetrics';
import type { Files, InMemoryPlatform } from '../../support/inMemoryPlatform';
import { inMemoryReview, threadsOfKind } from '../../support/inMemoryReview';
import { flaggingReviewer } from '../../support/reviewAnswers';
import type { ScriptedChatModel } from '../../support/scriptedChatModel';

/**
 * The team's steering of a review, against in-memory ports: the configuration read from the target branch (path
 * filters, profile, thread status, status policy, auto_review), pause and ignore, fixed findings, the context the
 * planner is handed, and the metrics event.
 */

function setUp(options: { organizationYaml?: string } = {}) {
  const metrics: ReviewMetricsEvent[] = [];
  const fixture = inMemoryReview(flaggingReviewer({ 'eval(': 'high', 'console.log': 'low' }), {
    settings: { team: { organizationYaml: options.organizationYaml, learningsEnabled: true } },
    deps: { metrics: (event) => metrics.push(event) },
  });
  return { ...fixture, metrics };
}

const findings = (platform: InMemoryPlatform, ref: Parameters<InMemoryPlatform['threads']>[0]) =>
  threadsOfKind(platform, ref, 'finding');
const prompts = (model: ScriptedChatModel) => model.requests.map((request) => request.user).join('\n');

const BASE: Files = { 'README.md': 'hi\n' };

describe('the configuration on the target branch', () => {
  it('keeps excluded files out of the review: never fetched into a prompt, no thread', async () => {
    const { platform, model, deps } = setUp();
    const ref = platform.openPullRequest({
      target: { ...BASE, '.ado-reviewer.yaml': 'reviews:\n  path_filters: ["!generated/**"]\n' },
      source: { 'src/app.ts': 'eval(x);\n', 'generated/api.ts': 'eval(y);\n' },
    });
    await reviewPullRequest(ref, deps);
    expect(prompts(model)).toContain('src/app.ts');
    expect(prompts(model)).not.toContain('generated/api.ts');
    expect(findings(platform, ref).map((thread) => thread.position?.filePath)).toEqual(['/src/app.ts']);
  });

  it('ignores the file as the source branch changes it, and tells the planner it changed', async () => {
    const { platform, store, model, deps } = setUp();
    const ref = platform.openPullRequest({
      target: BASE,
      source: {
        '.ado-reviewer.yaml': 'reviews:\n  path_filters: ["!src/**"]\n',
        'src/app.ts': 'eval(x);\n',
      },
    });
    await reviewPullRequest(ref, deps);
    expect(prompts(model)).toContain('src/app.ts');
    expect(findings(platform, ref).map((thread) => thread.position?.filePath)).toEqual(['/src/app.ts']);
    const [iteration] = await platform.listIterations(ref);
    const context = await buildReviewContext(
      platform,
      store,
      ref,
      iteration,
      { appDefaults: deps.settings.policy, learningsEnabled: true },
      deps.log,
    );
    expect(context.repositoryConfig.changedOnSourceBranch).toBe(true);
    expect(context.isPathIncluded('/src/app.ts')).toBe(true);
  });

  it('falls back to the defaults on an invalid file and names the error in the log', async () => {
    const { platform, warnings, deps } = setUp();
    const ref = platform.openPullRequest({
      target: {
        ...BASE,
        '.ado-reviewer.yaml': 'reviews:\n  profile: loud\n  finding_thread_status: pending\n',
      },
      source: { 'src/app.ts': 'eval(x);\n' },
    });
    await reviewPullRequest(ref, deps);
    expect(warnings.join('\n')).toMatch(/\.ado-reviewer\.yaml: reviews\.profile \(line 2\)/);
    // The valid key of the same file still applies.
    expect(findings(platform, ref).map((thread) => thread.status)).toEqual(['pending']);
  });

  it('posts only the severities the profile reports, opens threads as configured and fails by its policy', async () => {
    const { platform, deps } = setUp({
      organizationYaml: 'reviews:\n  status_policy:\n    fail_severity: high\n',
    });
    const ref = platform.openPullRequest({
      target: {
        ...BASE,
        '.ado-reviewer.yaml': 'reviews:\n  profile: chill\n  finding_thread_status: pending\n',
      },
      source: { 'src/app.ts': 'eval(x);\nconsole.log(x);\n' },
    });
    await reviewPullRequest(ref, deps);
    const posted = findings(platform, ref);
    expect(posted.map((thread) => thread.properties[PROPERTY.severity])).toEqual(['high']);
    expect(posted[0].status).toBe('pending');
    expect(platform.statuses(ref).at(-1)).toMatchObject({ state: 'failed' });
  });

  it('skips a pull request auto_review leaves out, once per iteration, with a notApplicable status', async () => {
    const { platform, model, deps } = setUp();
    const ref = platform.openPullRequest({
      target: { ...BASE, '.ado-reviewer.yaml': 'reviews:\n  auto_review:\n    enabled: false\n' },
      source: { 'src/app.ts': 'eval(x);\n' },
    });
    const first = await reviewPullRequest(ref, deps);
    await reviewPullRequest(ref, deps);
    expect(first).toEqual({
      kind: 'done',
      passes: [{ kind: 'skipped', reason: expect.stringContaining('reviews.auto_review.enabled') }],
    });
    expect(model.requests).toHaveLength(0);
    // The target branch's configuration, which the pull request cannot change, decided: not applicable.
    expect(platform.statuses(ref)).toEqual([
      expect.objectContaining({
        state: 'notApplicable',
        description: expect.stringMatching(/^Not reviewed: /),
      }),
    ]);
  });

  it('never passes the gate for a title keyword the author wrote: pending, once per iteration', async () => {
    const { platform, model, deps } = setUp();
    const ref = platform.openPullRequest({
      target: {
        ...BASE,
        '.ado-reviewer.yaml': 'reviews:\n  auto_review:\n    ignore_title_keywords: [WIP]\n',
      },
      source: { 'src/app.ts': 'eval(x);\n' },
      title: 'WIP: parser',
    });
    const first = await reviewPullRequest(ref, deps);
    await reviewPullRequest(ref, deps);
    expect(first).toEqual({
      kind: 'done',
      passes: [
        { kind: 'skipped', reason: expect.stringContaining('reviews.auto_review.ignore_title_keywords') },
      ],
    });
    expect(model.requests).toHaveLength(0);
    expect(platform.statuses(ref)).toEqual([
      expect.objectContaining({
        state: 'pending',
        description: expect.stringMatching(/^Not reviewed: .*The gate waits for a review/),
      }),
    ]);
  });

  it('does not review a pull request whose description says ignore, and does not pass its gate', async () => {
    const { platform, model, deps } = setUp();
    const ref = platform.openPullRequest({ target: BASE, source: { 'src/app.ts': 'eval(x);\n' } });
    platform.update(ref, { description: 'Vendored drop.\n\n@<bot-id> ignore' });
    await reviewPullRequest(ref, deps);
    expect(model.requests).toHaveLength(0);
    expect(platform.statuses(ref)[0]).toMatchObject({ state: 'pending' });
  });

  it('counts findings with the severity their plan gave them, not what a thread property now says', async () => {
    const { platform, deps } = setUp();
    deps.settings = { ...deps.settings, policy: { ...deps.settings.policy, failSeverity: 'high' } };
    const ref = platform.openPullRequest({ target: BASE, source: { 'src/app.ts': 'eval(x);\n' } });
    await reviewPullRequest(ref, deps);
    for (const thread of findings(platform, ref))
      await platform.updateThreadProperties(ref, thread.id, {
        [PROPERTY.severity]: 'low',
        [PROPERTY.kind]: 'note',
      });
    platform.push(ref, { 'src/other.ts': 'export const other = 1;\n' });
    await reviewPullRequest(ref, deps);
    expect(platform.statuses(ref).at(-1)).toMatchObject({
      state: 'failed',
      description: expect.stringContaining('1 open finding of high severity or worse'),
    });
  });

  it('keeps failing the gate when `ignore` is added after a failing review, and reads severities from the plan', async () => {
    const { platform, deps } = setUp();
    deps.settings = { ...deps.settings, policy: { ...deps.settings.policy, failSeverity: 'high' } };
    const ref = platform.openPullRequest({ target: BASE, source: { 'src/app.ts': 'eval(x);\n' } });
    await reviewPullRequest(ref, deps);
    expect(platform.statuses(ref).at(-1)).toMatchObject({ state: 'failed' });
    // A participant lowers the finding's severity in the thread's properties: the gate keeps the plan's.
    for (const thread of findings(platform, ref))
      await platform.updateThreadProperties(ref, thread.id, { [PROPERTY.severity]: 'low' });
    platform.update(ref, { description: '@<bot-id> ignore' });
    platform.push(ref, { 'src/other.ts': 'export const other = 1;\n' });
    await reviewPullRequest(ref, deps);
    expect(platform.statuses(ref).at(-1)).toMatchObject({
      state: 'failed',
      description: expect.stringMatching(
        /^Not reviewed: .*Earlier iterations still fail the gate: 1 open finding/,
      ),
    });
  });
});

describe('pause, and the review command', () => {
  it('a paused pull request is not reviewed automatically, but is on request', async () => {
    const { platform, store, model, deps } = setUp();
    const ref = platform.openPullRequest({ target: BASE, source: { 'src/app.ts': 'eval(x);\n' } });
    store.putState(ref, { history: [], paused: { by: 'Ada', at: '2026-01-01T00:00:00Z' } });
    await reviewPullRequest(ref, deps);
    expect(model.requests).toHaveLength(0);
    const outcome = await reviewPullRequest(ref, deps, { kind: 'command', full: false, key: 'k' });
    expect(outcome).toMatchObject({ passes: [{ kind: 'reviewed', iterationId: 1 }, { kind: 'skipped' }] });
    // The review keeps the pause: only `resume` lifts it.
    expect((await store.readState(ref)).paused).toBeDefined();
  });

  it('a full review reviews the newest iteration again, in full', async () => {
    const { platform, model, deps } = setUp();
    const ref = platform.openPullRequest({ target: BASE, source: { 'src/app.ts': 'eval(x);\n' } });
    await reviewPullRequest(ref, deps);
    platform.push(ref, { 'src/two.ts': 'console.log(2);\n' });
    await reviewPullRequest(ref, deps);
    const outcome = await reviewPullRequest(ref, deps, { kind: 'command', full: true, key: 'full-1-2' });
    expect(outcome).toMatchObject({
      passes: [{ kind: 'reviewed', iterationId: 2, mode: 'full' }, { kind: 'skipped' }],
    });
    expect(model.requests.at(-1)?.user).toContain('src/app.ts');
  });
});

describe('fixed findings', () => {
  it('resolves a finding whose lines a push changed and that the review no longer reports', async () => {
    const { platform, deps } = setUp();
    const ref = platform.openPullRequest({
      target: BASE,
      source: { 'src/app.ts': 'const a = 1;\neval(x);\n', 'src/other.ts': 'eval(y);\n' },
    });
    await reviewPullRequest(ref, deps);
    expect(findings(platform, ref)).toHaveLength(2);
    platform.push(ref, { 'src/app.ts': 'const a = 1;\nJSON.parse(x);\n' });
    await reviewPullRequest(ref, deps);
    const [app, other] = findings(platform, ref);
    expect(app.status).toBe('fixed');
    expect(app.comments.at(-1)?.content).toMatch(/^Fixed in iteration 2/);
    expect(other.status).toBe('active');
  });

  it('leaves a thread alone once a person has set its status', async () => {
    const { platform, deps } = setUp();
    const ref = platform.openPullRequest({ target: BASE, source: { 'src/app.ts': 'eval(x);\n' } });
    await reviewPullRequest(ref, deps);
    const [thread] = findings(platform, ref);
    platform.resolveThread(ref, thread.id, 'closed');
    platform.resolveThread(ref, thread.id, 'active');
    // Reopened by a person after it was closed: still `active`, but no longer the status the app set.
    thread.properties['ado-reviewer.status'] = 'closed';
    platform.push(ref, { 'src/app.ts': 'JSON.parse(x);\n' });
    await reviewPullRequest(ref, deps);
    expect(findings(platform, ref)[0].status).toBe('active');
    expect(findings(platform, ref)[0].comments).toHaveLength(1);
  });
});

describe('the review context and metrics', () => {
  it('hands the planner the configuration, learnings for a path and the linked work items', async () => {
    const { platform, store, deps } = setUp();
    const ref = platform.openPullRequest({ target: BASE, source: { 'src/app.ts': 'eval(x);\n' } });
    platform.linkWorkItem(ref, {
      id: 7,
      type: 'User Story',
      title: 'Coupons',
      description: '<p>Customers enter a coupon.</p>',
      acceptanceCriteria: '<ul><li>Invalid coupons are refused</li></ul>',
    });
    await store.updateLearnings(ref, () => [
      {
        text: 'eval is fine in scripts/',
        path: 'scripts/**',
        author: 'Ada',
        at: 'now',
        pullRequestId: 1,
        threadId: 1,
      },
    ]);
    const seen = await buildReviewContext(
      platform,
      store,
      ref,
      (await platform.listIterations(ref))[0],
      {
        appDefaults: deps.settings.policy,
        learningsEnabled: true,
      },
      deps.log,
    );
    expect(seen.linkedWorkItemsText).toBe(
      'User Story 7: Coupons\nDescription:\nCustomers enter a coupon.\nAcceptance criteria:\n- Invalid coupons are refused',
    );
    expect(seen.learningsFor('/scripts/run.ts').map((learning) => learning.text)).toEqual([
      'eval is fine in scripts/',
    ]);
    expect(seen.learningsFor('/src/app.ts')).toEqual([]);
    expect(seen.repositoryConfig.config.reviews.profile).toBe('chill');
  });

  it('logs one metrics event per review with its files, findings and duration', async () => {
    const { platform, metrics, deps } = setUp();
    const ref = platform.openPullRequest({
      target: BASE,
      source: { 'src/app.ts': 'eval(x);\nconsole.log(1);\n' },
    });
    await reviewPullRequest(ref, deps);
    expect(metrics).toEqual([
      expect.objectContaining({
        event: 'ado-reviewer.review',
        outcome: 'reviewed',
        iterationId: 1,
        findings: { high: 1, medium: 0, low: 1 },
        posted: 2,
        durationMs: expect.any(Number),
      }),
    ]);
    expect(JSON.parse(JSON.stringify(metrics[0]))).toEqual(metrics[0]);
  });
});
