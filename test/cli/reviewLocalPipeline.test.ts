import path from 'node:path';
import { startLlmServer, type ChatRequest, type LlmTestServer } from '../../dev/llm/llmServer';
import { scriptedReview } from '../../dev/llm/scriptedReviewer';
import { runReviewLocal } from '../support/runReviewLocal';
import { userPromptOf } from '../support/chatRequests';
import { scratchGitRepository, type ScratchGitRepository } from '../support/scratchGitRepository';

/**
 * review-local over the review pipeline, against a real git repository and the LLM stand-in over loopback HTTP: a
 * branch of several chunks reviewed in full, the base branch's `.ado-reviewer.yaml` (path filters, language)
 * applied, the token budget from the environment, and a dry run that calls no model.
 */

const API_KEY = 'sk-local-pipeline-test-key-0123456789';

let repo: ScratchGitRepository;

/** A module whose line 4 logs: the scripted reviewer flags every added `console.log(` line. */
const moduleSource = (name: string) =>
  Array.from({ length: 40 }, (_, index) =>
    index === 3 ? `console.log('${name} loaded');` : `export const ${name}Value${index} = ${index} * 2;`,
  ).join('\n') + '\n';

const MODULES = Array.from({ length: 8 }, (_, index) => `src/module${index}.ts`);
const FILTERED = 'generated-docs/reference.ts';
const FILTERED_MARKER = 'FILTERED_FILE_MARKER';
const LOCKFILE = 'package-lock.json';

/** Chunks of at most 600 diff tokens: each module (about 400 at 3.5 characters a token) gets one of its own. */
const CHUNKED = { REVIEW_CHUNK_TOKENS: '600' };

beforeAll(() => {
  repo = scratchGitRepository('review-local-pipeline-');
  // The target branch's configuration, as a pull request into main is reviewed with.
  repo.write(
    '.ado-reviewer.yaml',
    ['language: de-DE', 'reviews:', '  path_filters:', '    - "!generated-docs/**"', ''].join('\n'),
  );
  repo.write('README.md', '# Project\n');
  repo.commitAll('Base');

  repo.git('checkout', '-q', '-b', 'feature');
  for (const file of MODULES) repo.write(file, moduleSource(path.basename(file, '.ts')));
  repo.write(FILTERED, `export const marker = '${FILTERED_MARKER}';\nconsole.log('${FILTERED_MARKER}');\n`);
  repo.write(LOCKFILE, '{\n  "lockfileVersion": 3,\n  "LOCKFILE_MARKER": true\n}\n');
  repo.write('README.md', '# Project\n\nNow with modules.\n');
  repo.commitAll('Add the modules');
});

afterAll(() => repo.remove());

let server: LlmTestServer;
beforeAll(async () => {
  server = await startLlmServer({ apiKeys: [API_KEY], responder: scriptedReview });
});
afterAll(() => server.close());

const modelEnv = () => ({
  OPENAI_API_KEYS: API_KEY,
  OPENAI_BASE_URL: server.baseUrl,
  OPENAI_MODEL: 'heavy-model',
  OPENAI_LIGHT_MODEL: 'light-model',
  OPENAI_REASONING_MODEL: 'reasoning-model',
});

async function run(args: string[], env: NodeJS.ProcessEnv) {
  const before = server.requests.length;
  const result = await runReviewLocal(repo.dir, args, env);
  expect(result.out + result.err).not.toContain(API_KEY);
  return { ...result, requests: server.requests.slice(before) };
}

const ofSchema = (requests: ChatRequest[], name: string) =>
  requests.filter((request) => request.body.response_format?.json_schema?.name === name);
const systemPromptOf = (request: ChatRequest) =>
  request.body.messages.find((message) => message.role === 'system')?.content ?? '';
/** The lines of the output's `== <title> (n)` section, up to the next blank line after its entries. */
const section = (out: string, title: string) =>
  new RegExp(`^== ${title} \\((\\d+)\\)\\n\\n((?:.+\\n)*)`, 'm').exec(out);

describe('review-local of a branch larger than one chunk', () => {
  it('reviews every file through triage and several chunks, and prints the findings of each', async () => {
    const { code, out, err, requests } = await run(['--base', 'main', '--head', 'feature'], {
      ...modelEnv(),
      ...CHUNKED,
    });
    expect(err).not.toContain('review-local:');
    expect(code).toBe(0);

    const triage = ofSchema(requests, 'file_triage');
    const reviews = ofSchema(requests, 'pull_request_review');
    const summaries = ofSchema(requests, 'review_summary');
    expect(triage.length).toBeGreaterThan(0);
    expect(triage.every((request) => request.body.model === 'light-model')).toBe(true);
    expect(reviews.length).toBeGreaterThan(1);
    expect(reviews.every((request) => request.body.model === 'reasoning-model')).toBe(true);
    expect(summaries).toHaveLength(1);

    // Every module reached a review prompt; they were spread over more than one.
    const reviewedIn = (file: string) =>
      reviews.filter((request) => userPromptOf(request).includes(`### /${file} (`));
    for (const file of MODULES) expect(reviewedIn(file).length).toBeGreaterThan(0);
    expect(new Set(MODULES.map((file) => reviews.indexOf(reviewedIn(file)[0]))).size).toBeGreaterThan(1);

    // The finding of each chunk, on its changed line.
    const inline = section(out, 'Inline findings');
    expect(inline?.[1]).toBe(String(MODULES.length));
    for (const file of MODULES)
      expect(inline?.[2]).toContain(`${file}:4  low\n    **🟡 Low** — Leftover debug logging.\n`);

    // Triage's trivial call and the lockfile set aside without a model are listed, never reviewed.
    const trivial = section(out, 'Trivial, not sent for review');
    expect(trivial?.[2]).toContain('  README.md: triage\n');
    expect(trivial?.[2]).toMatch(new RegExp(`^ {2}${LOCKFILE}: .*lockfile`, 'm'));
    const everything = requests.map((request) => userPromptOf(request)).join('\n');
    expect(everything).not.toContain('LOCKFILE_MARKER');
    expect(reviews.some((request) => userPromptOf(request).includes('### /README.md ('))).toBe(false);

    expect(out).not.toContain('Partial review');
    expect(out).toMatch(/^ {2}light: \d+ model calls?, \d+ tokens in, \d+ out/m);
    expect(out).toMatch(new RegExp(`^ {2}reasoning: ${reviews.length} model calls, \\d+ tokens in`, 'm'));
  });

  it('leaves out what .ado-reviewer.yaml path_filters exclude, and writes in its language', async () => {
    const { code, out, requests } = await run(['--base', 'main', '--head', 'feature'], {
      ...modelEnv(),
      ...CHUNKED,
    });
    expect(code).toBe(0);
    expect(requests.length).toBeGreaterThan(0);

    // Never read, so never sent (the summary call names it among the files not reviewed); listed with the reason.
    for (const request of requests) {
      expect(JSON.stringify(request.body.messages)).not.toContain(FILTERED_MARKER);
      expect(userPromptOf(request)).not.toContain(`### /${FILTERED} (`);
    }
    expect(section(out, 'Not reviewed')?.[2]).toContain(
      `  ${FILTERED}: path filter (reviews.path_filters)\n`,
    );
    expect(out).not.toContain(`${FILTERED}:2`);

    // Every call whose text is shown (triage summaries, reviews, the summary) is told the language.
    for (const request of requests) expect(systemPromptOf(request)).toContain('German (Germany) (de-DE)');
  });

  it('reviews what REVIEW_TOKEN_BUDGET allows and says the review is partial', async () => {
    const { code, out, requests } = await run(['--base', 'main', '--head', 'feature'], {
      ...modelEnv(),
      ...CHUNKED,
      REVIEW_TOKEN_BUDGET: '12000',
    });
    expect(code).toBe(0);
    const reviews = ofSchema(requests, 'pull_request_review');
    expect(reviews.length).toBeGreaterThan(0);
    expect(reviews.length).toBeLessThan(MODULES.length);

    const overBudget = MODULES.filter((file) =>
      out.includes(`  ${file}: over the token budget (REVIEW_TOKEN_BUDGET)\n`),
    );
    expect(overBudget.length).toBeGreaterThan(0);
    expect(out).toContain(
      `Partial review: ${overBudget.length} file${overBudget.length === 1 ? '' : 's'} not reviewed ` +
        '(over the token budget (REVIEW_TOKEN_BUDGET))',
    );
    for (const file of overBudget)
      expect(reviews.some((request) => userPromptOf(request).includes(`### /${file} (`))).toBe(false);
  });
});

describe('review-local --dry-run of a branch larger than one chunk', () => {
  it('calls no model, and shows the files, their triage outcome, the chunks and the budget', async () => {
    const { code, out, requests } = await run(['--base', 'main', '--head', 'feature', '--dry-run'], {
      // A model is configured and reachable: a call would be recorded.
      ...modelEnv(),
      ...CHUNKED,
    });
    expect(code).toBe(0);
    expect(requests).toHaveLength(0);

    expect(out).toMatch(
      new RegExp(
        `^=== ${LOCKFILE} \\(add\\)\\nset aside without a model: .*lockfile.*\\n--- /dev/null\\n`,
        'm',
      ),
    );
    expect(out).toMatch(
      new RegExp(
        `^=== ${FILTERED} \\(add\\)\\nnot reviewed: path filter \\(reviews\\.path_filters\\)\\n`,
        'm',
      ),
    );
    expect(out).not.toContain(FILTERED_MARKER);
    for (const file of MODULES) expect(out).toContain(`+++ b/${file}\n`);

    const chunks = Number(/^Chunks: (\d+), before light triage/m.exec(out)?.[1]);
    expect(chunks).toBeGreaterThan(1);
    const chunkLines = out.match(/^ {2}chunk \d+ \(reasoning, \d+ tokens\): .*$/gm) ?? [];
    expect(chunkLines).toHaveLength(chunks);
    // Every module and the README go to the model (only the model's triage could set the README aside).
    for (const file of [...MODULES, 'README.md'])
      expect(chunkLines.filter((line) => line.includes(` ${file} (`))).toHaveLength(1);
    expect(chunkLines.join('\n')).not.toContain(LOCKFILE);
    expect(out).toMatch(/^Budget: REVIEW_TOKEN_BUDGET 3000000, REVIEW_CHUNK_TOKENS 600, /m);
  });
});
