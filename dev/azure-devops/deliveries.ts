/**
 * Service-hook deliveries: builds the payloads Azure DevOps sends (shapes and message texts follow the captured
 * samples in the reference material) and posts them to the subscriber set with `setSubscriber`, keeping a record
 * of each. Admin actions deliver before they return; comment events for the bot's REST writes go out after the
 * response, and `settled()` waits for those.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {
  now,
  VOTES,
  type CommentState,
  type PullRequestState,
  type ServerModel,
  type ThreadState,
} from './model';
import type {
  BuildDeliveryOptions,
  DeliveryRecord,
  Json,
  ServiceHookEventType,
  Subscriber,
} from './publicTypes';
import { commentJson, pullRequestJson, repositoryWebUrl } from './serialisers';

interface SubscriptionState extends Subscriber {
  subscriptionId: string;
  notificationCount: number;
}

export class ServiceHookDeliveries {
  readonly records: DeliveryRecord[] = [];
  private readonly pendingDeliveries = new Set<Promise<unknown>>();
  private subscription?: SubscriptionState;

  constructor(
    private readonly model: ServerModel,
    /** How long a delivery may take before it counts as failed. */
    private readonly deliveryTimeoutMs: number,
  ) {}

  get subscriptionId(): string | undefined {
    return this.subscription?.subscriptionId;
  }

  setSubscriber(subscriber: Subscriber | null): void {
    this.subscription = subscriber
      ? { ...subscriber, subscriptionId: subscriber.subscriptionId ?? randomUUID(), notificationCount: 0 }
      : undefined;
  }

  private eventMessages(
    eventType: ServiceHookEventType,
    pr: PullRequestState,
    options: BuildDeliveryOptions,
    comment?: CommentState,
  ): { message: Json; detailedMessage: Json } {
    const repository = pr.repository;
    const repoWeb = repositoryWebUrl(this.model, repository);
    const prWeb = `${repoWeb}/pullrequest/${pr.id}`;
    const actor = (options.actor ?? comment?.author ?? this.model.defaultUser).displayName;
    // Texts follow the captured deliveries (zulip/har9421 for PR events, the docs sample for comments).
    if (eventType === 'ms.vss-code.git-pullrequest-comment-event') {
      const [linkText, tail] = options.edited
        ? ['edited', ' a pull request comment']
        : ['commented', ' on a pull request'];
      const link = `${prWeb}?discussionId=${options.threadId}`;
      const message = {
        text: `${actor} has ${linkText}${tail}`,
        html: `${actor} has <a href="${link}">${linkText}</a>${tail}`,
        markdown: `${actor} has [${linkText}](${link})${tail}`,
      };
      const content = comment?.content ?? '';
      return {
        message,
        detailedMessage: {
          text: `${message.text}\r\n${content}\r\n`,
          html: `${message.html}<p>${content}</p>`,
          markdown: `${message.markdown}\r\n${content}\r\n`,
        },
      };
    }
    const verbs: Record<string, string> = {
      created: 'created',
      push: 'updated the source branch of',
      vote: `voted (${VOTES.get(pr.reviewers.get(options.actor?.id ?? '')?.vote ?? 0)}) on`,
      completed: 'completed',
      abandoned: 'abandoned',
      published: 'published',
    };
    const verb = verbs[eventType === 'git.pullrequest.created' ? 'created' : (options.action ?? 'push')];
    const subject = `pull request ${pr.id}`;
    const message = {
      text: `${actor} ${verb} ${subject} (${pr.title}) in ${repository.name}\r\n${repoWeb}/`,
      html: `${actor} ${verb} <a href="${prWeb}">${subject}</a> (${pr.title}) in <a href="${repoWeb}/">${repository.name}</a>`,
      markdown: `${actor} ${verb} [${subject}](${prWeb}) (${pr.title}) in [${repository.name}](${repoWeb}/)`,
    };
    const description = pr.description ?? '';
    return {
      message,
      detailedMessage: description
        ? {
            text: `${message.text}\r\n${description}\r\n`,
            html: `${message.html}<p>${description}</p>`,
            markdown: `${message.markdown}\r\n${description}\r\n`,
          }
        : message,
    };
  }

  buildDelivery(
    eventType: ServiceHookEventType,
    pullRequestId: number,
    options: BuildDeliveryOptions = {},
  ): Json {
    const pr = this.model.pullRequestById(pullRequestId);
    let resource: Json;
    let comment: CommentState | undefined;
    if (eventType === 'ms.vss-code.git-pullrequest-comment-event') {
      const thread = this.model.findThread(pr, options.threadId);
      comment = this.model.findComment(thread, options.commentId);
      resource = {
        comment: commentJson(this.model, pr, thread, comment),
        pullRequest: pullRequestJson(this.model, pr, 'hook'),
      };
    } else {
      resource = pullRequestJson(this.model, pr, 'hook');
    }
    const subscription = this.subscription;
    if (subscription) subscription.notificationCount += 1;
    const messages =
      subscription?.includeMessages === false
        ? { message: null, detailedMessage: null }
        : this.eventMessages(eventType, pr, options, comment);
    const baseUrl = `${this.model.orgUrl}/`;
    return {
      subscriptionId: subscription?.subscriptionId ?? '00000000-0000-0000-0000-000000000000',
      notificationId: subscription?.notificationCount ?? 1,
      id: randomUUID(),
      eventType,
      publisherId: 'tfs',
      ...messages,
      resource,
      resourceVersion: eventType === 'ms.vss-code.git-pullrequest-comment-event' ? '2.0' : '1.0',
      resourceContainers: {
        collection: { id: this.model.collectionId, baseUrl },
        account: { id: this.model.accountId, baseUrl },
        project: { id: pr.repository.project.id, baseUrl },
      },
      createdDate: now(),
    };
  }

  async deliver(
    eventType: ServiceHookEventType,
    pullRequestId: number,
    options?: BuildDeliveryOptions,
  ): Promise<DeliveryRecord> {
    if (!this.subscription) throw new Error('no subscriber set; call setSubscriber first');
    return this.sendDelivery(this.buildDelivery(eventType, pullRequestId, options));
  }

  async sendDelivery(payload: Json): Promise<DeliveryRecord> {
    const subscription = this.subscription;
    if (!subscription) throw new Error('no subscriber set; call setSubscriber first');
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      ...subscription.headers,
    };
    if (subscription.username !== undefined || subscription.password !== undefined)
      headers.Authorization = `Basic ${Buffer.from(`${subscription.username ?? ''}:${subscription.password ?? ''}`).toString('base64')}`;
    const record: DeliveryRecord = {
      eventType: String(payload.eventType),
      url: subscription.url,
      payload,
      time: now(),
    };
    this.records.push(record);
    try {
      record.status = await postJson(
        subscription.url,
        headers,
        JSON.stringify(payload),
        this.deliveryTimeoutMs,
      );
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    return record;
  }

  async deliverIfSubscribed(
    eventType: ServiceHookEventType,
    pr: PullRequestState,
    options: BuildDeliveryOptions,
  ): Promise<void> {
    if (this.subscription) await this.sendDelivery(this.buildDelivery(eventType, pr.id, options));
  }

  /** Comment events for the bot's own REST writes go out after the response, as the service sends them. */
  deliverInBackground(
    pr: PullRequestState,
    thread: ThreadState,
    comment: CommentState,
    edited: boolean,
  ): void {
    if (!this.subscription) return;
    const payload = this.buildDelivery('ms.vss-code.git-pullrequest-comment-event', pr.id, {
      threadId: thread.id,
      commentId: comment.id,
      edited,
    });
    const sending = new Promise((resolve) => setImmediate(resolve)).then(() => this.sendDelivery(payload));
    this.pendingDeliveries.add(sending);
    void sending.finally(() => this.pendingDeliveries.delete(sending));
  }

  async settled(): Promise<void> {
    while (this.pendingDeliveries.size > 0) await Promise.allSettled([...this.pendingDeliveries]);
  }
}

/** One POST on a fresh connection (no pooled keep-alive sockets left behind when a test ends). */
function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  const transport = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        agent: false,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
