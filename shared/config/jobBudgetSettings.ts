import { positiveInt } from './fields';

/**
 * host.json's `functionTimeout` in seconds (duplicated here so no file is read at start-up; a test checks that the
 * two agree). The host kills an invocation that runs longer, mid-write.
 */
export const HOST_FUNCTION_TIMEOUT_SECONDS = 600;

/** Room left after the deadline for handing over: releasing the lock and re-enqueueing the job. */
const HAND_OVER_MARGIN_SECONDS = 60;

export const jobBudgetShape = {
  /**
   * How long one review job may work before it saves its progress, lets go of the pull request and re-enqueues
   * itself; below the host's functionTimeout so the host never kills it part-way.
   */
  REVIEW_JOB_DEADLINE_SECONDS: positiveInt(HOST_FUNCTION_TIMEOUT_SECONDS - HAND_OVER_MARGIN_SECONDS).refine(
    (seconds) => seconds <= HOST_FUNCTION_TIMEOUT_SECONDS - 10,
    `must leave at least 10 s below host.json's functionTimeout (${HOST_FUNCTION_TIMEOUT_SECONDS} s)`,
  ),
};

export interface JobBudget {
  jobDeadlineSeconds: number;
}

export function jobBudgetOf(env: { REVIEW_JOB_DEADLINE_SECONDS: number }): JobBudget {
  return { jobDeadlineSeconds: env.REVIEW_JOB_DEADLINE_SECONDS };
}
