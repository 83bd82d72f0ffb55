import type { ReviewThread } from '../domain/platform';

/**
 * The status the app last gave a thread, kept in the thread's properties. The app changes a thread's status only
 * while it is still the one the app set: once a person has changed it (resolved, reopened, won't fix), it is theirs.
 */
export const STATUS_SET_BY_APP = 'ado-reviewer.status';

export const isOpen = (thread: Pick<ReviewThread, 'status'>) =>
  thread.status === 'active' || thread.status === 'pending';

export const statusIsTheApps = (thread: Pick<ReviewThread, 'status' | 'properties'>) =>
  thread.properties[STATUS_SET_BY_APP] === thread.status;
