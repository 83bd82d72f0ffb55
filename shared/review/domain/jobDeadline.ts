import type { ChatModel } from '../../llm/chatModel';

/**
 * When a review job must have handed over by: the host kills an invocation at host.json's functionTimeout, so a job
 * stops starting work it cannot finish well before that, and leaves the rest to the job it re-enqueues.
 */
export interface JobDeadline {
  at: Date;
  /** The longest one model call can take (its timeout over every try): none is started with less time left. */
  modelCallMs: number;
}

export class DeadlineReachedError extends Error {
  constructor(remainingMs: number) {
    super(
      `${Math.max(0, Math.round(remainingMs / 1000))} s left before the job's deadline: too little for a model call`,
    );
    this.name = 'DeadlineReachedError';
  }
}

/** Throws DeadlineReachedError when a model call started now could run past the deadline. */
export function assertTimeForModelCall(deadline: JobDeadline | undefined, now: () => Date): void {
  if (deadline === undefined) return;
  const remainingMs = deadline.at.getTime() - now().getTime();
  if (remainingMs < deadline.modelCallMs) throw new DeadlineReachedError(remainingMs);
}

/** The model, checking the deadline before each call. */
export function modelWithinDeadline(
  model: ChatModel,
  deadline: JobDeadline | undefined,
  now: () => Date,
): ChatModel {
  if (deadline === undefined) return model;
  return {
    completeStructured(request) {
      assertTimeForModelCall(deadline, now);
      return model.completeStructured(request);
    },
  };
}
