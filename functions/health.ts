import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { tryGetConfig } from '../shared/config';
import { createJobQueue } from '../shared/queue/jobQueue';

/** Reports whether the app can accept deliveries: configuration valid and review queue reachable. No values. */
export async function handleHealth(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const loaded = tryGetConfig();
  if ('error' in loaded) {
    const settings = loaded.error.problems.map((problem) => problem.split(':')[0]);
    return { status: 503, jsonBody: { status: 'unhealthy', configuration: { valid: false, settings } } };
  }
  const { config } = loaded;
  let queue: { name: string; reachable: boolean; error?: string } = {
    name: config.queue.name,
    reachable: true,
  };
  try {
    await createJobQueue(config.storage, config.queue.name).checkReachable();
  } catch (error) {
    context.warn(`Health check: review queue unreachable: ${(error as Error).message}`);
    queue = {
      name: config.queue.name,
      reachable: false,
      error: (error as { code?: string }).code ?? 'unreachable',
    };
  }
  const healthy = queue.reachable;
  return {
    status: healthy ? 200 : 503,
    jsonBody: { status: healthy ? 'healthy' : 'unhealthy', configuration: { valid: true }, queue },
  };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: handleHealth });
