import { startLlmServer, type LlmTestServer } from '../../../dev/llm/llmServer';
import { scriptedReview } from '../../../dev/llm/scriptedReviewer';
import { parseLocalReviewConfig } from '../../../shared/config';
import type { StructuredRequest } from '../../../shared/llm/chatModel';
import type { ModelTier } from '../../../shared/model-tiers/modelTiers';
import { createChatModel } from '../../../shared/llm/createChatModel';
import { tokenCounterFor } from '../../../shared/llm/tokenCounter';
import { createUsageLedger } from '../../../shared/llm/usageLedger';
import { PROPERTY } from '../../../shared/review/publish/comments';
import type { PipelineDependencies } from '../../../shared/review/pipeline/collect';
import { planReview } from '../../../shared/review/pipeline/planReview';
import { MODEL_ERROR } from '../../../shared/review/pipeline/reviewChunks';
import type { ReviewAnswer } from '../../../shared/review/pipeline/prompt';
import { reviewPullRequest } from '../../../shared/review/reviewPullRequest';
import type { ReviewDependencies } from '../../../shared/review/reviewRequest';
import { createSecretReader } from '../../../shared/secrets/readSecret';
import { InMemoryPlatform, type Files } from '../../support/inMemoryPlatform';
import { InMemoryReviewStore } from '../../support/inMemoryReviewStore';
import { ManualClock } from '../../support/manualClock';
import { reviewSettings } from '../../support/reviewSettings';
import { ScriptedChatModel } from '../../support/scriptedChatModel';

/**
 * The review pipeline with a scripted model: which tier each file reaches, prompts within the context, the
 * concurrency limit, findings merged across chunks, a failing chunk, incremental pushes and the cost footer.
 */

const CONTEXT = { light: 6_000, reasoning: 6_000, heavy: 8_000 };
const LIMITS = {
  tokenBudget: 1_000_000,
  concurrency: 3,
  chunkTokens: 800,
  heavyChunkTokens: 5_000,
  contextTokens: CONTEXT,
};

/** A source file of `lines` lines, one of which logs (the scripted reviewer flags console.log). */
const sourceFile = (name: string, lines: number) =>
  Array.from({ length: lines }, (_, index) =>
    index === 3 ? `console.log('${name}');` : `export const ${name}${index} = ${index};`,
  ).join('\n') + '\n';

/** Answers like the LLM stand-in's scripted reviewer, per schema; records the tier of each call. */
function scriptedModel(options: { fail?: (user: string) => boolean; delayMs?: number } = {}) {
  let inFlight = 0;
  let maxInFlight = 0;
  const model = new ScriptedChatModel(async (request: StructuredRequest<unknown>) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
      if (options.fail?.(request.user)) throw new Error('model unavailable');
      const answer = scriptedReview({
        path: '/v1/chat/completions',
        apiKey: undefined,
        body: {
          messages: [
            { role: 'system', content: request.system },
            { role: 'user', content: request.user },
          ],
          response_format: { type: 'json_schema', json_schema: { name: request.schemaName, schema: {} } },
        },
      });
      return JSON.parse(answer) as unknown;
    } finally {
      inFlight--;
    }
  });
  const tiers = () => model.requests.map((request) => request.tier as ModelTier);
  return { model, tiers, maxInFlight: () => maxInFlight };
}

/** The pipeline's settings: LIMITS (and `limits`) as the budget, answers of at most 1,000 tokens. */
const settingsWith = (limits: Partial<typeof LIMITS> = {}) =>
  reviewSettings({
    collection: { maxFiles: 300, maxFileBytes: 1_000_000 },
    budget: { ...LIMITS, ...limits },
    maxOutputTokens: 1_000,
  });

function setUp(model: ScriptedChatModel, limits: Partial<typeof LIMITS> = {}) {
  const platform = new InMemoryPlatform();
  const infos: string[] = [];
  const deps: PipelineDependencies = {
    platform,
    model,
    log: { info: (message) => infos.push(message), warn: () => undefined },
    settings: settingsWith(limits),
    usage: createUsageLedger(),
    now: () => new Date(),
  };
  return { platform, deps, infos };
}

/** The whole review over the pipeline's dependencies, posting on `platform`, its state in `store`. */
const reviewDependencies = (
  platform: InMemoryPlatform,
  deps: PipelineDependencies,
  store: InMemoryReviewStore,
): ReviewDependencies => ({
  ...deps,
  platform,
  store,
  log: { info: () => undefined, warn: () => undefined },
  now: new ManualClock().now,
});

async function plan(platform: InMemoryPlatform, deps: PipelineDependencies, target: Files, source: Files) {
  const ref = platform.openPullRequest({ target, source });
  const pullRequest = await platform.getPullRequest(ref);
  const [iteration] = await platform.listIterations(ref);
  return planReview(ref, deps, pullRequest, iteration, undefined);
}

const TARGET: Files = {
  '.gitattributes': 'generated/** linguist-generated\nthird_party/** linguist-vendored\n',
  'README.md': '# Project\n',
};

const MIXED: Files = {
  'package-lock.json': '{\n  "lockfileVersion": 3\n}\n',
  'web/app.min.js': `${'var a=1;'.repeat(200)}\n`,
  'generated/client.ts': sourceFile('client', 30),
  'third_party/lib.ts': sourceFile('lib', 30),
  'README.md': '# Project\n\nNow with words.\n',
  ...Object.fromEntries(
    Array.from({ length: 6 }, (_, index) => [`src/file${index}.ts`, sourceFile(`f${index}`, 40)]),
  ),
};

const reviewPrompts = (model: ScriptedChatModel) =>
  model.requests.filter((request) => request.schemaName === 'pull_request_review');

describe('a mixed pull request', () => {
  it('sends trivial files to no review call, and makes one light call per triage batch plus one summary', async () => {
    const { model, tiers } = scriptedModel();
    const { platform, deps } = setUp(model);
    const result = await plan(platform, deps, TARGET, MIXED);

    const triageCalls = model.requests.filter((request) => request.schemaName === 'file_triage');
    const summaryCalls = model.requests.filter((request) => request.schemaName === 'review_summary');
    expect(summaryCalls).toHaveLength(1);
    expect(tiers().filter((tier) => tier === 'light')).toHaveLength(triageCalls.length + 1);
    // Deterministic trivia never reach a model; README reaches triage only (the scripted triage calls it trivial).
    const everything = model.requests.map((request) => request.user).join('\n');
    for (const path of ['package-lock.json', 'web/app.min.js', 'generated/client.ts', 'third_party/lib.ts'])
      expect(everything).not.toContain(`### /${path}`);
    const reviewed = reviewPrompts(model)
      .map((request) => request.user)
      .join('\n');
    expect(reviewed).not.toContain('### /README.md');
    expect(triageCalls.map((request) => request.user).join('\n')).toContain('### /README.md');
    // Every source file is reviewed, in several chunks, on the reasoning tier.
    expect(reviewPrompts(model).length).toBeGreaterThan(1);
    expect(reviewPrompts(model).every((request) => request.tier === 'reasoning')).toBe(true);
    for (let index = 0; index < 6; index++) expect(reviewed).toContain(`### /src/file${index}.ts`);

    const byPath = new Map(result.fileSummaries?.map((file) => [file.path, file]));
    expect(byPath.get('/package-lock.json')).toMatchObject({ status: 'trivial', reason: 'lockfile' });
    expect(byPath.get('/web/app.min.js')).toMatchObject({ status: 'trivial', reason: 'minified' });
    expect(byPath.get('/generated/client.ts')).toMatchObject({ reason: 'generated (.gitattributes)' });
    expect(byPath.get('/third_party/lib.ts')).toMatchObject({ reason: 'vendored (.gitattributes)' });
    expect(byPath.get('/README.md')).toMatchObject({ status: 'trivial', reason: 'triage' });
    expect(byPath.get('/src/file0.ts')).toMatchObject({
      status: 'reviewed',
      summary: 'Changes 40 lines of /src/file0.ts.',
    });
    // One walkthrough table lists every changed file.
    for (const path of Object.keys(MIXED)) expect(result.summarySection).toContain(`\`/${path}\``);
    expect(result.threads).toHaveLength(6);
    expect(result.partial).toBeUndefined();
  });

  it('keeps every prompt within its tier’s context, output share included', async () => {
    const { model } = scriptedModel();
    const { platform, deps } = setUp(model);
    await plan(platform, deps, TARGET, MIXED);
    const counter = tokenCounterFor('');
    for (const request of model.requests) {
      const tier = request.tier ?? 'reasoning';
      expect(counter.count(`${request.system}\n${request.user}`) + 1_000).toBeLessThanOrEqual(CONTEXT[tier]);
    }
  });

  it('never has more calls in flight than the limit', async () => {
    const { model, maxInFlight } = scriptedModel({ delayMs: 20 });
    const { platform, deps } = setUp(model);
    await plan(platform, deps, TARGET, MIXED);
    expect(maxInFlight()).toBe(LIMITS.concurrency);
  });

  it('sends chunks with security-sensitive paths to the heavy tier', async () => {
    const { model } = scriptedModel();
    const { platform, deps } = setUp(model);
    await plan(
      platform,
      deps,
      {},
      { 'src/auth/login.ts': sourceFile('login', 60), 'src/a.ts': sourceFile('a', 60) },
    );
    const tierOf = (path: string) =>
      reviewPrompts(model).find((request) => request.user.includes(`### ${path}`))?.tier;
    expect(tierOf('/src/auth/login.ts')).toBe('heavy');
    expect(tierOf('/src/a.ts')).toBe('reasoning');
  });
});

describe('findings from several chunks', () => {
  it('are anchored on their files and the same finding from two chunks is posted once', async () => {
    // One file in two parts (hunks far apart), each part's reviewer also reporting the same finding on line 4.
    const before = Array.from({ length: 400 }, (_, index) => `export const v${index} = ${index};`);
    const after = [...before];
    after[3] = "console.log('top');";
    after[399] = "console.log('bottom');";
    for (let index = 100; index < 140; index++) after[index] = `export const w${index} = ${index};`;
    const echo = new ScriptedChatModel((request) => {
      if (request.schemaName === 'file_triage') return { files: [] };
      if (request.schemaName === 'review_summary') return { summary: 'S.', verdict: 'V.' };
      const finding = (line: number, comment: string): ReviewAnswer['findings'][number] => ({
        path: '/src/big.ts',
        side: 'right',
        startLine: line,
        endLine: line,
        severity: 'low',
        comment,
        suggestion: null,
      });
      const own = request.user.includes("console.log('bottom')")
        ? finding(400, 'Bottom log.')
        : finding(4, 'Top log.');
      return {
        summary: '',
        walkthrough: [],
        verdict: '',
        findings: [own, finding(4, 'Leftover debug logging!')],
      };
    });
    const { platform, deps } = setUp(echo, { chunkTokens: 400 });
    const result = await plan(
      platform,
      deps,
      { 'src/big.ts': `${before.join('\n')}\n` },
      { 'src/big.ts': `${after.join('\n')}\n` },
    );

    expect(reviewPrompts(echo).length).toBeGreaterThan(1);
    expect(reviewPrompts(echo)[0].user).toMatch(/### \/src\/big\.ts \(edit\) part 1 of \d/);
    const lines = result.threads.map((thread) => [thread.position?.startLine, thread.content]);
    expect(lines.filter(([line]) => line === 4).length).toBe(2); // 'Top log.' and one 'Leftover debug logging!'
    expect(lines.filter(([, content]) => String(content).includes('Leftover debug logging')).length).toBe(1);
    expect(lines.some(([line]) => line === 400)).toBe(true);
  });
});

describe('a chunk whose call keeps failing', () => {
  it('costs only its own files: the others are posted, the failed ones named, the review partial', async () => {
    const { model } = scriptedModel({
      fail: (user) => user.includes('### /src/file2.ts') && !user.includes('Files to triage'),
    });
    const { platform, deps } = setUp(model);
    const result = await plan(platform, deps, TARGET, MIXED);

    const failedFiles = result.fileSummaries
      ?.filter((file) => file.reason === MODEL_ERROR)
      .map((file) => file.path);
    expect(failedFiles).toContain('/src/file2.ts');
    expect(failedFiles?.length).toBeLessThan(6);
    expect(result.threads.length).toBe(6 - (failedFiles?.length ?? 0));
    expect(result.partial).toEqual({ notReviewed: failedFiles?.length, reasons: [MODEL_ERROR] });
    expect(result.summarySection).toMatch(
      new RegExp(`- ${MODEL_ERROR.replace(/[()]/g, '\\$&')} \\(\\d\\): .*\`/src/file2.ts\``),
    );
  });

  it('through the review: the status is not pending and says the review was partial', async () => {
    const { model } = scriptedModel({
      fail: (user) => user.includes('### /src/file2.ts') && !user.includes('Files to triage'),
    });
    const { platform, deps } = setUp(model);
    const ref = platform.openPullRequest({ target: TARGET, source: MIXED });
    const outcome = await reviewPullRequest(
      ref,
      reviewDependencies(platform, deps, new InMemoryReviewStore()),
    );
    expect(outcome).toMatchObject({ kind: 'done' });
    const status = platform.statuses(ref).at(-1);
    expect(status?.state).toBe('succeeded');
    expect(status?.description).toMatch(
      /^Partial review: \d files? not reviewed \(not reviewed \(model error\)\)/,
    );
  });
});

describe('an incremental push', () => {
  it('summarises and reviews only the files it changed, and keeps the others in the walkthrough', async () => {
    const { model } = scriptedModel();
    const { platform, deps } = setUp(model);
    const ref = platform.openPullRequest({ target: TARGET, source: MIXED });
    const store = new InMemoryReviewStore();
    const review = () => reviewPullRequest(ref, reviewDependencies(platform, deps, store));
    await review();
    const before = model.requests.length;
    platform.push(ref, { 'src/file1.ts': sourceFile('g1', 41) });
    await review();

    const second = model.requests.slice(before);
    const shown = second.flatMap((request) =>
      [...request.user.matchAll(/^### (\/\S+)/gm)].map((match) => match[1]),
    );
    expect(new Set(shown)).toEqual(new Set(['/src/file1.ts']));
    const summary = platform.threads(ref).find((thread) => thread.properties[PROPERTY.kind] === 'summary');
    const content = summary?.comments[0].content ?? '';
    expect(content).toContain('Incremental review');
    expect(content).toMatch(/`\/src\/file0.ts` \| reviewed \(iteration 1\)/);
    expect(content).toMatch(/`\/src\/file1.ts` \| reviewed \|/);
    const plan2 = await store.readPlan(ref, 2);
    expect(plan2?.fileSummaries?.map((file) => file.path).sort()).toEqual(
      Object.keys(MIXED)
        .map((path) => `/${path}`)
        .sort(),
    );
  });
});

describe('the token budget', () => {
  it('lists the chunks it cannot afford with the reason, and the review is partial', async () => {
    const { model } = scriptedModel();
    const { platform, deps } = setUp(model, { tokenBudget: 12_000 });
    const result = await plan(platform, deps, TARGET, MIXED);
    const over = result.fileSummaries?.filter((file) => file.reason?.startsWith('over the token budget'));
    expect(over?.length).toBeGreaterThan(0);
    expect(result.partial?.reasons).toContain('over the token budget (REVIEW_TOKEN_BUDGET)');
    expect(result.summarySection).toContain('- over the token budget (REVIEW_TOKEN_BUDGET) (');
  });
});

describe('the cost footer, through the openai client against the LLM stand-in', () => {
  let server: LlmTestServer;
  beforeAll(async () => {
    server = await startLlmServer({ apiKeys: ['key'], responder: scriptedReview });
  });
  afterAll(() => server?.close());

  it('adds up to the token counts the stand-in returned, per tier', async () => {
    const { llm } = parseLocalReviewConfig({
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: server.baseUrl,
      OPENAI_API_KEYS: 'key',
      LLM_MAX_OUTPUT_TOKENS: '1000',
    });
    const usage = createUsageLedger();
    const model = await createChatModel(llm, {
      readSecret: createSecretReader(undefined),
      onUsage: usage.record,
    });
    const platform = new InMemoryPlatform();
    const deps: PipelineDependencies = {
      platform,
      model,
      log: { info: () => undefined, warn: () => undefined },
      settings: settingsWith(),
      usage,
      now: () => new Date(),
    };
    const result = await plan(platform, deps, TARGET, MIXED);

    const returned = (tier: string) =>
      server.requests
        .filter((request) => request.deployment === llm.tiers[tier as ModelTier][0].name)
        .reduce(
          (sum, request) => ({
            in: sum.in + (request.usage?.promptTokens ?? 0),
            out: sum.out + (request.usage?.completionTokens ?? 0),
          }),
          { in: 0, out: 0 },
        );
    expect(result.cost?.reported).toBe(true);
    for (const tier of ['light', 'reasoning'] as const) {
      expect(result.cost?.byTier[tier]).toMatchObject({
        inputTokens: returned(tier).in,
        outputTokens: returned(tier).out,
      });
      const row = new RegExp(
        `\\| ${tier} \\| \\d+ \\| ${returned(tier).in.toLocaleString('en-US')} \\| ${returned(tier).out.toLocaleString('en-US')} \\|`,
      );
      expect(result.summarySection).toMatch(row);
    }
    expect(result.summarySection).toContain('<details><summary>Cost:');
  });
});

describe('files an author can have set aside by a heuristic', () => {
  const WHITESPACE_ONLY = 'whitespace or formatting only';
  const target: Files = {
    'src/app.ts': 'export function run(): void {\n  check("rm -rf /tmp/cache");\n}\n',
    'src/plain.ts': 'export const a = 1;\nexport const b = 2;\n',
  };
  const source: Files = {
    // Whitespace outside any string only: set aside, but the review says it did not read it.
    'src/app.ts': 'export function run(): void {\n    check("rm -rf /tmp/cache");\n}\n',
    // One long added line in a normal file: reviewed, not called minified.
    'src/plain.ts': `export const a = 1;\nexport const b = 2;\nexport const c = '${'x'.repeat(1_200)}';\n`,
  };

  it('reviews a normal file with one long line, and counts a whitespace-only change as a partial review', async () => {
    const { model } = scriptedModel();
    const { platform, deps } = setUp(model);
    const result = await plan(platform, deps, target, source);

    const byPath = new Map(result.fileSummaries?.map((file) => [file.path, file]));
    expect(byPath.get('/src/app.ts')).toMatchObject({ status: 'trivial', reason: WHITESPACE_ONLY });
    expect(byPath.get('/src/plain.ts')).toMatchObject({ status: 'reviewed' });
    expect(
      reviewPrompts(model)
        .map((request) => request.user)
        .join('\n'),
    ).toContain('### /src/plain.ts');
    expect(result.partial).toEqual({ notReviewed: 1, reasons: [WHITESPACE_ONLY] });
  });

  it('through the review: the status says the review was partial', async () => {
    const { model } = scriptedModel();
    const { platform, deps } = setUp(model);
    const ref = platform.openPullRequest({ target, source });
    await reviewPullRequest(ref, reviewDependencies(platform, deps, new InMemoryReviewStore()));
    expect(platform.statuses(ref).at(-1)?.description).toMatch(
      /^Partial review: 1 file not reviewed \(whitespace or formatting only\)/,
    );
  });
});
