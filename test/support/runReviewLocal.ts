import { runReviewLocalCommand } from '../../shared/cli/reviewLocalCommand';
import { capturedOutput } from './capturedOutput';

/** `ado-reviewer review-local` in `cwd` with exactly `env`, its exit code and both streams captured. */
export async function runReviewLocal(cwd: string, args: string[], env: NodeJS.ProcessEnv) {
  const [stdout, stderr] = [capturedOutput(), capturedOutput()];
  const code = await runReviewLocalCommand(args, { env, out: stdout.stream, err: stderr.stream, cwd });
  return { code, out: stdout.text(), err: stderr.text() };
}
