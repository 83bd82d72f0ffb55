import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseServiceHookEvent, pullRequestOf, threadIdOf } from '../../shared/events/serviceHookEvent';

const samplesDir = path.join(__dirname, '../fixtures/service-hooks');
const samples = readdirSync(samplesDir).filter((file) => file.endsWith('.json'));
const subscribed = [
  'git.pullrequest.created',
  'git.pullrequest.updated',
  'ms.vss-code.git-pullrequest-comment-event',
];

describe('parseServiceHookEvent on real deliveries', () => {
  it('has samples of each subscribed event type', () => {
    for (const eventType of subscribed)
      expect(samples.some((file) => file.includes(`__${eventType}__`))).toBe(true);
  });

  it.each(samples)('%s parses', (file) => {
    const body = readFileSync(path.join(samplesDir, file), 'utf8');
    const raw = JSON.parse(body.replace(/^\uFEFF/, ''));
    const parsed = parseServiceHookEvent(body);
    if (subscribed.includes(raw.eventType)) {
      expect(parsed.kind).toBe('event');
      if (parsed.kind !== 'event') return;
      const pullRequest = pullRequestOf(parsed.event);
      const rawPullRequest = raw.resource.pullRequest ?? raw.resource;
      expect(pullRequest.pullRequestId).toBe(rawPullRequest.pullRequestId);
      expect(pullRequest.repository.id).toBe(rawPullRequest.repository.id);
      expect(parsed.event.id).toBe(raw.id);
    } else {
      expect(parsed).toEqual({ kind: 'unhandled', eventId: raw.id, eventType: raw.eventType });
    }
  });

  it('finds the thread id of a comment event in its threads link', () => {
    const file = samples.find((name) => name.startsWith('msdocs2024__ms.vss-code'));
    const parsed = parseServiceHookEvent(readFileSync(path.join(samplesDir, file as string), 'utf8'));
    if (parsed.kind !== 'event' || parsed.event.eventType !== 'ms.vss-code.git-pullrequest-comment-event') {
      throw new Error('expected a comment event');
    }
    expect(threadIdOf(parsed.event)).toBe(5);
  });
});

describe('parseServiceHookEvent on malformed bodies', () => {
  const created = readFileSync(path.join(samplesDir, 'zulip__git.pullrequest.created__opened.json'), 'utf8');

  it.each([
    ['not JSON', '{"eventType": ', /not valid JSON/],
    ['an empty body', '', /not valid JSON/],
    ['a JSON array', '[]', /not a service-hook event/],
    ['an envelope without eventType', JSON.stringify({ id: 'x', resource: {} }), /eventType/],
    [
      'an envelope without resource',
      JSON.stringify({ id: 'x', eventType: 'git.pullrequest.created' }),
      /resource/,
    ],
    [
      'a created event whose PR id is a string',
      created.replace('"pullRequestId": 1,', '"pullRequestId": "1",'),
      /malformed git.pullrequest.created event: resource.pullRequestId/,
    ],
  ])('rejects %s with a reason', (_name, body, reason) => {
    const parsed = parseServiceHookEvent(body);
    expect(parsed.kind).toBe('malformed');
    if (parsed.kind === 'malformed') {
      expect(parsed.reason).toMatch(reason);
      expect(parsed.reason).not.toContain('\n');
    }
  });
});

describe('identifiers a job carries', () => {
  const created = readFileSync(path.join(samplesDir, 'zulip__git.pullrequest.created__opened.json'), 'utf8');
  const withRepositoryId = (id: unknown) => {
    const delivery = JSON.parse(created);
    delivery.resource.repository.id = id;
    return JSON.stringify(delivery);
  };

  it.each([
    '../../azure-webjobs-secrets/x',
    'not-a-guid',
    'a'.repeat(70_000),
    '98f0ce59-a912-43d5-96d2-bc0942a03f7b/..',
  ])('refuses a repository id that is not a GUID (%#)', (id) => {
    const parsed = parseServiceHookEvent(withRepositoryId(id));
    expect(parsed.kind).toBe('malformed');
    if (parsed.kind === 'malformed') expect(parsed.reason).not.toContain(id.slice(0, 20));
  });

  it('says where a body stops being JSON without quoting it', () => {
    expect(parseServiceHookEvent('{"password": "hunter2-hunter2" x')).toEqual({
      kind: 'malformed',
      reason: 'body is not valid JSON at position 31 (line 1, column 32)',
    });
  });
});
