import { startLlmServer, type LlmTestServer } from '../../../dev/llm/llmServer';
import { runReviewLocal } from '../../support/runReviewLocal';
import { scratchGitRepository, type ScratchGitRepository } from '../../support/scratchGitRepository';

/**
 * A model (and a pull request's file names) with terminal escape sequences and other control characters, through
 * review-local against the LLM stand-in: what would be posted is stripped of them, and nothing printed to the
 * terminal, on either stream, carries one raw.
 */

const API_KEY = 'sk-control-characters-0123456789';
const ESC = '\u001b';
/** Clear the screen, retitle the window, write the clipboard (OSC 52), C1 CSI, bell, backspace, CR, DEL, NUL. */
const HOSTILE =
  `Looks fine${ESC}[2J${ESC}[H${ESC}]0;owned${ESC}\\ ${ESC}]52;c;cm0gLXJmIH4=\u0007 then` +
  ` \u009b31mred\u0008 back\rover\u007f del\u0000 nul\u000b\u000c end`;
/** Every control character but tab and line feed (and CR before LF), as the terminal would obey them. */
// eslint-disable-next-line no-control-regex -- matching them is the point
const RAW_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/;
const ODD_NAME = `notes/${ESC}]0;pwned\u0007.txt`;

let repo: ScratchGitRepository;
let server: LlmTestServer;

beforeAll(async () => {
  repo = scratchGitRepository('control-characters-');
  repo.write('src/calc.ts', 'export const a = 1;\nexport const b = 2;\nexport const c = a / b;\n');
  repo.commitAll('Base');
  repo.git('checkout', '-q', '-b', 'feature');
  repo.write('src/calc.ts', 'export const a = 1;\nexport const b = 2;\nexport const c = b / a;\n');
  repo.write(ODD_NAME, `a note${ESC}[8m hidden\n`);
  repo.commitAll('Swap the division');
  server = await startLlmServer({ apiKeys: [API_KEY] });
});

afterAll(async () => {
  await server?.close();
  repo?.remove();
});

const env = () => ({ OPENAI_API_KEYS: API_KEY, OPENAI_BASE_URL: server.baseUrl, OPENAI_MODEL: 'test-model' });
const review = (...args: string[]) => runReviewLocal(repo.dir, ['--base', 'main', ...args], env());

it('strips control characters from what the model wrote, and prints none raw', async () => {
  server.respondWith(() =>
    JSON.stringify({
      summary: HOSTILE,
      walkthrough: [{ path: `src/calc.ts${ESC}[31m`, change: HOSTILE }],
      verdict: HOSTILE,
      findings: [
        {
          ...{ path: 'src/calc.ts', side: 'right', startLine: 3, endLine: 3, severity: 'high' },
          ...{ comment: HOSTILE, suggestion: `export const c = a / b;${ESC}[8m` },
        },
        {
          ...{ path: `src/${ESC}[1mcalc.ts`, side: 'right', startLine: 1, endLine: 1, severity: 'low' },
          ...{ comment: HOSTILE, suggestion: null },
        },
        {
          ...{ path: ODD_NAME, side: 'right', startLine: 1, endLine: 1, severity: 'low' },
          ...{ comment: 'A note.', suggestion: null },
        },
      ],
    }),
  );
  const { code, out, err } = await review();
  expect(code).toBe(0);
  expect(out).not.toMatch(RAW_CONTROL);
  expect(err).not.toMatch(RAW_CONTROL);
  // The text around them stays: sequences lose their ESC (what is left is plain text), a lone CR breaks the line
  // (as in any Markdown the model writes), the other controls are dropped.
  const sanitised = 'Looks fine\\[2J\\[H\\]0;owned \\]52;c;cm0gLXJmIH4= then 31mred back\nover del nul end';
  expect(out).toContain(`== Summary\n\nFull review of iteration 1 (`);
  // The summary, the verdict and the folded finding; the inline one, indented under its position.
  expect(out.split(sanitised)).toHaveLength(3 + 1);
  expect(out).toContain(`**🔴 High** — ${sanitised.replace('\n', '\n    ')}`);
  expect(out).toContain('`src/[1mcalc.ts` lines 1–1');
  expect(out).toContain('```suggestion\n    export const c = a / b;[8m\n    ```');
  // A file name is the pull request's, not the model's: posted without, printed with its control characters escaped.
  expect(out).toContain('| `/notes/]0;pwned.txt` | reviewed |');
  expect(out).toContain('notes/\\u001b]0;pwned\\u0007.txt:1  low\n    **🟡 Low** — A note.');
});

it("escapes the model's answer where an error quotes it on stderr", async () => {
  server.respondWith(() => `not JSON${ESC}]0;owned\u0007${ESC}[2J`);
  const { out, err } = await review();
  expect(out + err).not.toMatch(RAW_CONTROL);
  expect(err).toContain('not JSON\\u001b]0;owned\\u0007\\u001b[2J');
});

it('prints file names and content with their control characters escaped in --dry-run', async () => {
  const { code, out } = await review('--dry-run');
  expect(code).toBe(0);
  expect(out).not.toMatch(RAW_CONTROL);
  expect(out).toContain('=== notes/\\u001b]0;pwned\\u0007.txt (add)');
  expect(out).toContain('+a note\\u001b[8m hidden');
});
