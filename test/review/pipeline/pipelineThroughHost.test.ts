import { startSandbox, threadKind, type Json, type Sandbox } from '../../../dev/sandbox/sandbox';
import type { ChatRequest } from '../../../dev/llm/llmServer';
import { scriptedReview } from '../../../dev/llm/scriptedReviewer';
import type { ModelTier } from '../../../shared/model-tiers/modelTiers';
import { tokenCounterFor } from '../../../shared/llm/tokenCounter';

/**
 * The review pipeline through the host: a delivery from the Azure DevOps test server → webhook (stand-in host) →
 * Azurite queue → review job → the real openai client → the LLM stand-in, answering with the scripted reviewer after
 * a latency. The pipeline's parts are tested with a scripted model in reviewPipeline.test.ts; this proves the same
 * with the app's settings, its tokenizers and the provider's usage: calls per tier, prompts within each tier's
 * context, the concurrency limit, findings of several chunks merged, a failing chunk, an incremental push and the
 * cost footer.
 */

/** A model name per tier, so the stand-in's recorded requests tell the tiers apart (o3 is a reasoning model). */
const MODELS: Record<ModelTier, string> = { light: 'gpt-4.1-mini', reasoning: 'gpt-4.1', heavy: 'o3' };
const CONTEXT: Record<ModelTier, number> = { light: 16_000, reasoning: 2_700, heavy: 2_900 };
const MAX_OUTPUT_TOKENS = 1_000;
/**
 * Two code files of this PR fit in a chunk, three do not (checked below from the prompts). The reasoning context
 * would leave a chunk about 880 diff tokens (runPipeline: its room less about 800 for instructions and the intent),
 * so this is the bound that applies.
 */
const CHUNK_TOKENS = 700;
const CONCURRENCY = 3;
/** Each answer waits this long, so that calls overlap and the concurrency is observable. */
const LATENCY_MS = 150;
/** triage.ts: a light triage call holds at most 12 files (the batch token bound is far off for these files). */
const FILES_PER_TRIAGE_CALL = 12;

const SETTINGS = {
  OPENAI_LIGHT_MODEL: MODELS.light,
  OPENAI_REASONING_MODEL: MODELS.reasoning,
  OPENAI_HEAVY_MODEL: MODELS.heavy,
  LLM_MAX_OUTPUT_TOKENS: String(MAX_OUTPUT_TOKENS),
  LLM_CONTEXT_TOKENS_LIGHT: String(CONTEXT.light),
  LLM_CONTEXT_TOKENS_REASONING: String(CONTEXT.reasoning),
  LLM_CONTEXT_TOKENS_HEAVY: String(CONTEXT.heavy),
  REVIEW_CHUNK_TOKENS: String(CHUNK_TOKENS),
  // Above any chunk here: only its path sends the migration to the heavy tier.
  REVIEW_HEAVY_CHUNK_TOKENS: '5000',
  REVIEW_CONCURRENCY: String(CONCURRENCY),
};

const CODE_FILES = Array.from({ length: 10 }, (_, index) => `src/module${String(index).padStart(2, '0')}.ts`);
/** The line of each code file the scripted reviewer flags (console.log). */
const FLAGGED_LINE = 4;

/** A code file of 16 lines, all alike but for its name; line 4 logs. */
const codeFile = (path: string) => {
  const name = /module\d+/.exec(path)?.[0] ?? 'module';
  return (
    Array.from({ length: 16 }, (_, index) =>
      index + 1 === FLAGGED_LINE
        ? `console.log('${name} loaded');`
        : `export const ${name}Value${index} = compute(${index}, '${name}');`,
    ).join('\n') + '\n'
  );
};

/** Security-sensitive by its path (SECURITY_SENSITIVE: migrations, .sql), one hunk larger than a chunk. */
const MIGRATION = 'db/migrations/0001_sessions.sql';
const migrationFile = () =>
  [
    '-- TODO: backfill the sessions of existing users.',
    ...Array.from(
      { length: 40 },
      (_, index) => `ALTER TABLE sessions ADD COLUMN attribute_${index} VARCHAR(64) NULL DEFAULT NULL;`,
    ),
    '',
  ].join('\n');

/** Files no model is asked about: lockfiles, and a file the target's .gitattributes marks generated. */
const DETERMINISTIC_TRIVIA = ['package-lock.json', 'yarn.lock', 'generated/api.ts'];
/** Files the scripted triage calls trivial (Markdown). */
const DOCS = ['docs/guide.md', 'docs/setup.md'];

const MAIN: Record<string, string> = {
  '.gitattributes': 'generated/** linguist-generated\n',
  'README.md': '# Service\n',
  'package-lock.json': '{\n  "lockfileVersion": 3,\n  "packages": {}\n}\n',
  'docs/guide.md': '# Guide\n\nStart the service.\n',
};

const TOPIC: Record<string, string> = {
  'package-lock.json': '{\n  "lockfileVersion": 3,\n  "packages": { "node_modules/lockmarker": {} }\n}\n',
  'yarn.lock': 'yarnmarker@^1.0.0:\n  version "1.0.0"\n',
  // Code that the scripted reviewer would flag, were it shown to a model.
  'generated/api.ts': "export const generatedMarker = 1;\nconsole.log('generatedMarker');\n",
  'docs/guide.md': '# Guide\n\nStart the service, then open docmarker one.\n',
  'docs/setup.md': '# Setup\n\nInstall docmarker two.\n',
  [MIGRATION]: migrationFile(),
  ...Object.fromEntries(CODE_FILES.map((path) => [path, codeFile(path)])),
};

const MODEL_FILES = CODE_FILES.length + 1 + DOCS.length;
/** What the PR's shape asks for, per tier (each derivation is checked in the tests). */
const EXPECTED_CALLS: Record<ModelTier, number> = {
  // The triage batches, and the one summary call.
  light: Math.ceil(MODEL_FILES / FILES_PER_TRIAGE_CALL) + 1,
  // The code files, two per chunk (the migration sorts first and fills a chunk of its own).
  reasoning: Math.ceil(CODE_FILES.length / 2),
  // The migration's chunk, by its path.
  heavy: 1,
};

const tierOf = (request: ChatRequest): ModelTier | undefined =>
  (Object.keys(MODELS) as ModelTier[]).find((tier) => MODELS[tier] === request.deployment);
const schemaOf = (request: ChatRequest) => request.body.response_format?.json_schema?.name;
const userPrompt = (request: ChatRequest) =>
  request.body.messages.find((message) => message.role === 'user')?.content ?? '';
const titleOf = (request: ChatRequest) => /^Pull request: (.*)$/m.exec(userPrompt(request))?.[1] ?? '';
/** The files whose diff a prompt shows, by their "### /path (flags)" headings. */
const shownFiles = (request: ChatRequest) =>
  [...userPrompt(request).matchAll(/^### (\/\S+) \(/gm)].map((match) => match[1]);
/** The rendered file sections of a prompt, inside their untrusted-file fences. */
const fileSections = (request: ChatRequest) =>
  [
    ...userPrompt(request).matchAll(/^<untrusted-file-([0-9a-f]+)>\n([\s\S]*?)\n<\/untrusted-file-\1>$/gm),
  ].map((match) => match[2]);

/** A finding every chunk reports about module00's log line, as a model told of the file in the summaries might. */
const DUPLICATE = {
  path: '/src/module00.ts',
  side: 'right',
  startLine: FLAGGED_LINE,
  endLine: FLAGGED_LINE,
  severity: 'low',
  comment: 'Leftover debug logging.',
  suggestion: null,
};

/**
 * The scripted triage's summaries, lengthened: together they are more than a chunk's context leaves for the other
 * files' summaries, so that the context (not the summaries running out) bounds each review prompt.
 */
function withLongerSummaries(answer: string): string {
  const parsed = JSON.parse(answer) as { files: { summary: string }[] };
  const more =
    ' It keeps the public exports as they were and adds values computed once, when the module loads.';
  return JSON.stringify({ files: parsed.files.map((file) => ({ ...file, summary: file.summary + more })) });
}

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    retryDelayMs: 200,
    settings: SETTINGS,
    llmServer: {
      deployments: {
        [MODELS.light]: { reasoning: false },
        [MODELS.reasoning]: { reasoning: false },
        [MODELS.heavy]: { reasoning: true },
      },
    },
    modelSettings: (llm, apiKey) => ({
      LLM_PROVIDER: 'openai',
      OPENAI_API_KEYS: apiKey,
      OPENAI_BASE_URL: llm.baseUrl,
    }),
    responder: async (request) => {
      // Waited while the stand-in counts the request in flight.
      await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
      const title = titleOf(request);
      const isReview = schemaOf(request) === 'pull_request_review';
      if (title === 'failing' && isReview && shownFiles(request).includes('/src/module04.ts'))
        return 'the model broke off mid-answer';
      const answer = scriptedReview(request);
      if (schemaOf(request) === 'file_triage') return withLongerSummaries(answer);
      if (title !== 'mixed' || !isReview) return answer;
      const parsed = JSON.parse(answer) as { findings: unknown[] };
      return JSON.stringify({ ...parsed, findings: [...parsed.findings, DUPLICATE] });
    },
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
});

async function openPullRequest(title: string) {
  const repository = await sandbox.devops.createRepository({ project: 'demo', name: title, files: MAIN });
  await sandbox.devops.push({
    repositoryId: repository.id,
    branch: 'topic',
    baseBranch: 'main',
    files: TOPIC,
  });
  const pullRequest = await sandbox.devops.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'topic',
    targetBranch: 'main',
    title,
  });
  return { repositoryId: repository.id, pullRequestId: pullRequest.pullRequestId };
}

const requestsOf = (title: string) => sandbox.llm.requests.filter((request) => titleOf(request) === title);
const summaryOf = (repositoryId: string, pullRequestId: number) =>
  sandbox.botThreads(repositoryId, pullRequestId).find((thread) => threadKind(thread) === 'summary')
    ?.comments[0].content as string;
const findingThreads = (repositoryId: string, pullRequestId: number) =>
  sandbox.botThreads(repositoryId, pullRequestId).filter((thread) => threadKind(thread) === 'finding');
const placed = (thread: Json) =>
  `${thread.threadContext.filePath}:${thread.threadContext.rightFileStart.line}-${thread.threadContext.rightFileEnd.line}`;

/** The mixed pull request, opened by the first describe and pushed to by the second. */
let repositoryId: string;
let pullRequestId: number;

describe('a mixed pull request large enough for several chunks', () => {
  let requests: ChatRequest[];
  let maxInFlight: number;

  beforeAll(async () => {
    sandbox.llm.resetMaxInFlight();
    ({ repositoryId, pullRequestId } = await openPullRequest('mixed'));
    await sandbox.settled();
    maxInFlight = sandbox.llm.maxInFlight();
    requests = requestsOf('mixed');
  });

  it('makes the calls per tier its shape asks for, and trivial files reach no review call', () => {
    const byTier = (tier: ModelTier) => requests.filter((request) => tierOf(request) === tier);
    expect(requests.every((request) => tierOf(request) !== undefined)).toBe(true);
    expect({
      light: byTier('light').length,
      reasoning: byTier('reasoning').length,
      heavy: byTier('heavy').length,
    }).toEqual(EXPECTED_CALLS);

    // Light: triage batches of at most 12 files showing each file that needs a model once, and one summary.
    const triage = byTier('light').filter((request) => schemaOf(request) === 'file_triage');
    expect(byTier('light').filter((request) => schemaOf(request) === 'review_summary')).toHaveLength(1);
    expect(triage.every((request) => shownFiles(request).length <= FILES_PER_TRIAGE_CALL)).toBe(true);
    expect(triage.flatMap(shownFiles).sort()).toEqual(
      [...CODE_FILES, MIGRATION, ...DOCS].map((path) => `/${path}`).sort(),
    );

    // Reasoning and heavy: every code file once, two per chunk; the migration alone, on the heavy tier.
    const reviewed = (tier: ModelTier) => byTier(tier).map(shownFiles);
    expect(byTier('reasoning').every((request) => schemaOf(request) === 'pull_request_review')).toBe(true);
    expect(reviewed('reasoning').flat().sort()).toEqual(CODE_FILES.map((path) => `/${path}`));
    expect(reviewed('reasoning').every((files) => files.length === 2)).toBe(true);
    expect(reviewed('heavy')).toEqual([[`/${MIGRATION}`]]);

    // The lockfiles and the generated file reach no model at all; the docs only triage.
    const everything = requests.map(userPrompt).join('\n');
    for (const marker of ['lockmarker', 'yarnmarker', 'generatedMarker'])
      expect(everything).not.toContain(marker);
    const reviewPrompts = [...byTier('reasoning'), ...byTier('heavy')].map(userPrompt).join('\n');
    for (const path of DETERMINISTIC_TRIVIA) expect(reviewPrompts).not.toContain(path);
    for (const path of DOCS) expect(reviewPrompts).not.toContain(`### /${path}`);
    expect(reviewPrompts).not.toContain('docmarker');
    expect(triage.map(userPrompt).join('\n')).toContain('docmarker');
  });

  it('packs two code files in a chunk and not three, and the migration alone: the premise of the counts', () => {
    const counter = tokenCounterFor(MODELS.reasoning);
    const sections = requests
      .filter((request) => tierOf(request) !== 'light')
      .flatMap(fileSections)
      .map((text) => ({ path: /^### (\/\S+)/.exec(text)?.[1], tokens: counter.count(text) }));
    const code = sections.filter((section) => section.path !== `/${MIGRATION}`);
    expect(code).toHaveLength(CODE_FILES.length);
    for (const section of code) {
      expect(2 * section.tokens).toBeLessThanOrEqual(CHUNK_TOKENS);
      expect(3 * section.tokens).toBeGreaterThan(CHUNK_TOKENS);
    }
    const migration = sections.find((section) => section.path === `/${MIGRATION}`);
    expect(migration?.tokens).toBeGreaterThan(CHUNK_TOKENS);
  });

  it("keeps every prompt and its output limit within its tier's context", () => {
    const sizes = requests.map((request) => {
      const tier = tierOf(request) as ModelTier;
      const counter = tokenCounterFor(MODELS[tier]);
      // The message texts as the tier's real tokenizer counts them, plus the chat format's few tokens a message.
      const prompt = request.body.messages.reduce(
        (sum, message) => sum + counter.count(message.content) + 4,
        3,
      );
      return {
        tier,
        schema: schemaOf(request),
        exactTokenizer: counter.exact,
        output: request.body.max_tokens ?? request.body.max_completion_tokens,
        prompt,
        // What the stand-in counted (and reported as usage).
        promptAsReported: request.usage?.promptTokens ?? 0,
      };
    });
    expect(sizes.filter((size) => !size.exactTokenizer || size.output !== MAX_OUTPUT_TOKENS)).toEqual([]);
    const over = sizes.filter(
      (size) => Math.max(size.prompt, size.promptAsReported) + MAX_OUTPUT_TOKENS > CONTEXT[size.tier],
    );
    expect(over).toEqual([]);

    // The premise: the context, not a lack of summaries, bounds the review prompts. A chunk could be shown all 11
    // other files' summaries (the 13 files triage saw, less its own two), and is shown fewer.
    const crossFile = requests
      .filter((request) => tierOf(request) === 'reasoning')
      .map((request) =>
        Number(/^Other files of this pull request \((\d+)\):$/m.exec(userPrompt(request))?.[1] ?? 0),
      );
    expect(crossFile.filter((count) => count >= MODEL_FILES - 2)).toEqual([]);
  });

  it('never has more model calls in flight than REVIEW_CONCURRENCY, and does run them in parallel', () => {
    expect(maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('posts the findings of every chunk on their lines, the one several chunks reported once', () => {
    const threads = findingThreads(repositoryId, pullRequestId);
    expect(threads.map(placed).sort()).toEqual(
      [
        ...CODE_FILES.map((path) => `/${path}:${FLAGGED_LINE}-${FLAGGED_LINE}`),
        `/${MIGRATION}:1-1`, // its TODO
      ].sort(),
    );
    // Every review call reported DUPLICATE; module00's chunk also found it itself.
    const reports = requests.filter((request) => schemaOf(request) === 'pull_request_review').length;
    expect(reports).toBe(EXPECTED_CALLS.reasoning + EXPECTED_CALLS.heavy);
    expect(threads.filter((thread) => placed(thread).startsWith('/src/module00.ts:'))).toHaveLength(1);
  });

  it('closes the summary with a cost footer equal to the token counts the stand-in returned, per tier', () => {
    const content = summaryOf(repositoryId, pullRequestId);
    const sum = (of: ChatRequest[], key: 'promptTokens' | 'completionTokens') =>
      of.reduce((total, request) => total + (request.usage?.[key] ?? 0), 0);
    const number = (value: number) => value.toLocaleString('en-US');
    expect(requests.every((request) => request.usage !== undefined)).toBe(true);
    expect(content).toContain(
      `<details><summary>Cost: ${requests.length} model calls, ${number(sum(requests, 'promptTokens'))} tokens in, ` +
        `${number(sum(requests, 'completionTokens'))} out,`,
    );
    for (const tier of ['light', 'reasoning', 'heavy'] as const) {
      const ofTier = requests.filter((request) => tierOf(request) === tier);
      expect(content).toContain(
        `| ${tier} | ${ofTier.length} | ${number(sum(ofTier, 'promptTokens'))} | ` +
          `${number(sum(ofTier, 'completionTokens'))} |`,
      );
    }
    expect(content).toContain('Tokens as the provider reported them');
  });
});

describe('an incremental push to it', () => {
  const CHANGED = ['src/module02.ts', 'src/module07.ts'];
  /** The line each push adds, after the first: the scripted reviewer flags its TODO. */
  const ADDED_LINE = 2;
  let pushed: ChatRequest[];

  beforeAll(async () => {
    const before = requestsOf('mixed').length;
    const edited = (path: string) => {
      const lines = codeFile(path).split('\n');
      lines.splice(ADDED_LINE - 1, 0, '// TODO: cache the values.');
      return lines.join('\n');
    };
    await sandbox.devops.push({
      repositoryId,
      branch: 'topic',
      files: Object.fromEntries(CHANGED.map((path) => [path, edited(path)])),
    });
    await sandbox.settled();
    pushed = requestsOf('mixed').slice(before);
  });

  it('re-reviews only the files it changed, in one call: two small edits fit one chunk', () => {
    // One chunk: the pipeline asks the reviewing model alone (no triage, no summary call; planReview.ts).
    expect(pushed.map((request) => [tierOf(request), schemaOf(request)])).toEqual([
      ['reasoning', 'pull_request_review'],
    ]);
    expect(pushed.flatMap(shownFiles).sort()).toEqual(CHANGED.map((path) => `/${path}`));
    const content = summaryOf(repositoryId, pullRequestId);
    expect(content).toContain('Incremental review: changes from iteration 1 to iteration 2');
    // The walkthrough keeps what iteration 1 said about the files this push did not change.
    expect(content).toMatch(/`\/src\/module00.ts` \| reviewed \(iteration 1\)/);
    expect(content).toMatch(/`\/src\/module02.ts` \| reviewed \|/);
    const threads = findingThreads(repositoryId, pullRequestId).map(placed);
    for (const path of CHANGED) expect(threads).toContain(`/${path}:${ADDED_LINE}-${ADDED_LINE}`);
  });
});

describe('a pull request one of whose chunks keeps failing', () => {
  /** module04's chunk: the code files pair up in path order (00-01, 02-03, 04-05, …). */
  const FAILED = ['/src/module04.ts', '/src/module05.ts'];
  let failing: { repositoryId: string; pullRequestId: number };
  let requests: ChatRequest[];

  beforeAll(async () => {
    failing = await openPullRequest('failing');
    await sandbox.settled();
    requests = requestsOf('failing');
  });

  it('posts the other chunks’ findings, names the failed files, and the status says the review was partial', () => {
    // The failing chunk was asked twice (the pipeline's retry), each answer unusable.
    const failedCalls = requests.filter(
      (request) => schemaOf(request) === 'pull_request_review' && shownFiles(request).includes(FAILED[0]),
    );
    expect(failedCalls.map((request) => [tierOf(request), shownFiles(request)])).toEqual([
      ['reasoning', FAILED],
      ['reasoning', FAILED],
    ]);

    const threads = findingThreads(failing.repositoryId, failing.pullRequestId).map(placed).sort();
    expect(threads).toEqual(
      [
        ...CODE_FILES.filter((path) => !FAILED.includes(`/${path}`)).map(
          (path) => `/${path}:${FLAGGED_LINE}-${FLAGGED_LINE}`,
        ),
        `/${MIGRATION}:1-1`,
      ].sort(),
    );
    const content = summaryOf(failing.repositoryId, failing.pullRequestId);
    expect(content).toContain(
      `- not reviewed (model error) (2): ${FAILED.map((path) => `\`${path}\``).join(', ')}`,
    );
    const status = (sandbox.devops.statuses(failing.repositoryId, failing.pullRequestId) as Json[]).at(-1);
    expect(status?.state).toBe('succeeded');
    expect(status?.description).toMatch(
      /^Partial review: 2 files not reviewed \(not reviewed \(model error\)\)/,
    );
  });
});
