import { appError } from '../error-catalog.js';
import type { ChatView, MessageView } from './port.js';
import type { SessionRunner } from './runner.js';

export interface ChatPage {
  chats: ChatView[];
  total: number;
  offset: number;
  limit: number;
}

export interface MessagePage {
  messages: MessageView[];
  /** Pass as `before` for the page of older messages; null when there are none. */
  nextBefore: string | null;
}

/** How many messages one history request may make the page load, whatever `before` asks for. */
export const MAX_HISTORY_SCAN = 1000;

const read = {
  what: 'chat read',
  code: 'chats_failed',
  failure: 'WhatsApp Web did not read the chats',
} as const;

/** Pinned chats first, then the most recent; `offset`/`limit` over that order. */
export const listChats = async (
  run: SessionRunner,
  page: { offset: number; limit: number },
): Promise<ChatPage> => {
  const all = await run(read, (wa) => wa.chats());
  const sorted = [...all].sort(
    (a, b) => Number(b.pinned) - Number(a.pinned) || b.timestamp - a.timestamp || a.id.localeCompare(b.id),
  );
  return { chats: sorted.slice(page.offset, page.offset + page.limit), total: all.length, ...page };
};

/**
 * The newest `limit` messages of a chat, oldest first; with `before`, the `limit` messages older
 * than that one. The library loads history from the newest end, so the window grows until `before`
 * is in it with `limit` messages ahead of it, or the history ends (bounded by MAX_HISTORY_SCAN).
 */
export const chatMessages = async (
  run: SessionRunner,
  chatId: string,
  page: { limit: number; before?: string | undefined },
): Promise<MessagePage> => {
  const { limit, before } = page;
  let window = before === undefined ? limit : limit + 1;
  for (;;) {
    const messages = await run(read, (wa) => wa.messages(chatId, window));
    const exhausted = messages.length < window || window >= MAX_HISTORY_SCAN;
    if (before === undefined) return pageOf(messages.slice(-limit), messages.length === window);
    const at = messages.findIndex((m) => m.id === before);
    if (at >= 0 && (at >= limit || exhausted)) {
      return pageOf(messages.slice(Math.max(0, at - limit), at), at > limit || !exhausted);
    }
    if (exhausted) {
      throw appError('message_not_found', `No message ${before} in the history of ${chatId}.`);
    }
    window = Math.min(MAX_HISTORY_SCAN, window * 2);
  }
};

const pageOf = (messages: MessageView[], more: boolean): MessagePage => ({
  messages,
  nextBefore: more && messages.length > 0 ? (messages[0]?.id ?? null) : null,
});

export const markRead = (run: SessionRunner, chatId: string): Promise<boolean> =>
  run(
    { what: 'mark read', code: 'mark_read_failed', failure: 'WhatsApp Web did not mark the chat read' },
    (wa) => wa.markRead(chatId),
  );
