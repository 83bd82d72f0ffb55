import type { StructuredRequest } from '../../../shared/llm/chatModel';
import type { FileContent, PullRequestRef } from '../../../shared/review/domain/platform';
import { planReview } from '../../../shared/review/pipeline/planReview';
import { createUsageLedger } from '../../../shared/llm/usageLedger';
import type { PipelineDependencies } from '../../../shared/review/pipeline/collect';
import { InMemoryPlatform, type Files } from '../../support/inMemoryPlatform';
import { reviewSettings } from '../../support/reviewSettings';
import { ScriptedChatModel } from '../../support/scriptedChatModel';

/**
 * Light triage starts while later files are still being read, and packs the same batches whatever order the reads
 * finish in: the batches follow the order of the changes, not of the answers.
 */

const LIMITS = {
  tokenBudget: 1_000_000,
  concurrency: 4,
  chunkTokens: 1_000,
  heavyChunkTokens: 5_000,
  contextTokens: { light: 8_000, reasoning: 8_000, heavy: 8_000 },
};

const FILES = 40;
const path = (index: number) => `src/file${String(index).padStart(2, '0')}.ts`;
const source: Files = Object.fromEntries(
  Array.from({ length: FILES }, (_, index) => [
    path(index),
    Array.from({ length: 30 }, (_, line) => `export const value${index}_${line} = ${line};`).join('\n') +
      '\n',
  ]),
);

/** Every file needs review, no findings: only the order and content of the calls matter here. */
function answer(request: StructuredRequest<unknown>): unknown {
  const shown = [...request.user.matchAll(/^### (\S+) \(/gm)].map((match) => match[1]);
  if (request.schemaName === 'file_triage')
    return {
      files: shown.map((shownPath) => ({
        path: shownPath,
        summary: 'Adds values.',
        verdict: 'needs-review',
      })),
    };
  if (request.schemaName === 'review_summary') return { summary: 'Adds values.', verdict: 'Fine.' };
  return {
    summary: 'Adds values.',
    walkthrough: shown.map((shownPath) => ({ path: shownPath, change: 'Adds values.' })),
    verdict: 'Fine.',
    findings: [],
  };
}

/** Reads that wait on `gate(path)` before answering. */
class GatedPlatform extends InMemoryPlatform {
  constructor(private readonly gate: (path: string) => Promise<void>) {
    super();
  }

  override async getFileContent(
    ref: PullRequestRef,
    filePath: string,
    commitId: string,
    maxBytes: number,
  ): Promise<FileContent | undefined> {
    await this.gate(filePath);
    return super.getFileContent(ref, filePath, commitId, maxBytes);
  }
}

async function review(platform: InMemoryPlatform, model: ScriptedChatModel) {
  const deps: PipelineDependencies = {
    platform,
    model,
    log: { info: () => undefined, warn: () => undefined },
    settings: reviewSettings({
      collection: { maxFiles: 300, maxFileBytes: 1_000_000 },
      budget: LIMITS,
      maxOutputTokens: 1_000,
    }),
    usage: createUsageLedger(),
    now: () => new Date(),
  };
  const ref = platform.openPullRequest({ target: {}, source });
  const pullRequest = await platform.getPullRequest(ref);
  const [iteration] = await platform.listIterations(ref);
  return planReview(ref, deps, pullRequest, iteration, undefined);
}

const triageBatches = (model: ScriptedChatModel) =>
  model.requests
    .filter((request) => request.schemaName === 'file_triage')
    .map((request) => [...request.user.matchAll(/^### (\S+) \(/gm)].map((match) => match[1]));

describe('triage while the files are read', () => {
  it('asks about the first batches before the last file is read', async () => {
    let triageAsked!: () => void;
    const asked = new Promise<void>((resolve) => (triageAsked = resolve));
    const model = new ScriptedChatModel((request) => {
      if (request.schemaName === 'file_triage') triageAsked();
      return answer(request);
    });
    const lastFile = `/${path(FILES - 1)}`;
    let triageBeforeLastRead = false;
    const platform = new GatedPlatform(async (filePath) => {
      if (filePath !== lastFile) return;
      // Held until triage has begun, or 5 s: a pipeline that waits for every file before triage never begins.
      triageBeforeLastRead = await Promise.race([
        asked.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000).unref()),
      ]);
    });

    const plan = await review(platform, model);

    expect(triageBeforeLastRead).toBe(true);
    expect(plan.fileSummaries?.filter((file) => file.status === 'reviewed')).toHaveLength(FILES);
  });

  it('packs the same batches when the reads finish in reverse order', async () => {
    const inOrder = new ScriptedChatModel(answer);
    await review(new InMemoryPlatform(), inOrder);

    const reversed = new ScriptedChatModel(answer);
    // The later the file, the sooner its read answers.
    const delay = (filePath: string) => FILES - Number(/file(\d+)/.exec(filePath)?.[1] ?? 0);
    await review(
      new GatedPlatform((filePath) => new Promise((resolve) => setTimeout(resolve, delay(filePath) * 3))),
      reversed,
    );

    expect(triageBatches(inOrder).length).toBeGreaterThan(1);
    expect(triageBatches(reversed).sort()).toEqual(triageBatches(inOrder).sort());
  });
});
