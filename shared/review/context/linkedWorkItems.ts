import type { LinkedWorkItem, PullRequestReader, PullRequestRef } from '../domain/platform';
import { capText } from '../safety/sanitizeModelText';
import { maskCredentials } from '../safety/secretScan';

/**
 * The work items linked to a pull request, as the reviewer reads them: what the change is for, and what it must do.
 * Written by people, so untrusted: bounded here (count and length), and fenced wherever a prompt shows them.
 */

const MAX_LINKED_WORK_ITEMS = 5;
const MAX_TITLE_CHARS = 300;
const MAX_FIELD_CHARS = 2_000;

/** Work item descriptions are HTML: the text is what matters to a reviewer. */
function htmlAsText(html: string): string {
  return html
    .replace(/<(br|\/p|\/div|\/li|\/h\d)\s*\/?>/gi, '\n')
    .replace(/<li[^>]*>/gi, '- ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The linked work items, at most MAX_LINKED_WORK_ITEMS, each field as bounded, credential-masked text. */
export async function fetchLinkedWorkItems(
  platform: PullRequestReader,
  ref: PullRequestRef,
): Promise<LinkedWorkItem[]> {
  const items = await platform.listLinkedWorkItems(ref, MAX_LINKED_WORK_ITEMS);
  const bounded = (text: string, max: number) => maskCredentials(capText(htmlAsText(text), max));
  return items.slice(0, MAX_LINKED_WORK_ITEMS).map((item) => ({
    id: item.id,
    type: bounded(item.type, 50),
    title: bounded(item.title, MAX_TITLE_CHARS),
    description: bounded(item.description, MAX_FIELD_CHARS),
    acceptanceCriteria: bounded(item.acceptanceCriteria, MAX_FIELD_CHARS),
  }));
}

/** The work items as one text, for a prompt to fence (`boundary.fence('work-items', text)`); empty when none. */
export function renderLinkedWorkItems(items: readonly LinkedWorkItem[]): string {
  return items
    .map((item) =>
      [
        `${item.type || 'Work item'} ${item.id}: ${item.title}`,
        ...(item.description === '' ? [] : ['Description:', item.description]),
        ...(item.acceptanceCriteria === '' ? [] : ['Acceptance criteria:', item.acceptanceCriteria]),
      ].join('\n'),
    )
    .join('\n\n');
}
