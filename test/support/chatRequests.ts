import type { ChatRequest } from '../../dev/llm/llmServer';

/** What the app asked the LLM stand-in, read back from the requests it recorded. */

/** The user prompt of a chat request ('' when there is none). */
export const userPromptOf = (request: ChatRequest) =>
  request.body.messages.find((message) => message.role === 'user')?.content ?? '';

/** The title of the pull request a prompt is about (its "Pull request: <title>" line), '' when none. */
export const pullRequestTitleOf = (request: ChatRequest) =>
  /^Pull request: (.*)$/m.exec(userPromptOf(request))?.[1] ?? '';
