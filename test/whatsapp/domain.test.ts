import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { chatMessages, MAX_HISTORY_SCAN } from '../../src/whatsapp/chats.js';
import { changeParticipants } from '../../src/whatsapp/groups.js';
import { parseChatId, parseMessageId } from '../../src/whatsapp/ids.js';
import { downloadMedia } from '../../src/whatsapp/media.js';
import { REVOKE_WINDOW_S, revokeForEveryone } from '../../src/whatsapp/message-actions.js';
import type { GroupView, MessageView, WhatsAppPort } from '../../src/whatsapp/port.js';
import type { SessionRunner } from '../../src/whatsapp/runner.js';
import { createTypingIndicators } from '../../src/whatsapp/typing.js';
import { createFakePort } from '../helpers/fake-port.js';

const runnerOf =
  (port: WhatsAppPort): SessionRunner =>
  (_call, work) =>
    work(port);

const msg = (n: number, fields: Partial<MessageView> = {}): MessageView => ({
  id: `false_5511912345678@c.us_3EB0${String(n).padStart(4, '0')}`,
  chatId: '5511912345678@c.us',
  from: '5511912345678@c.us',
  to: '15550000001@c.us',
  author: null,
  fromMe: false,
  type: 'chat',
  body: `m${n}`,
  timestamp: 1_700_000_000 + n,
  ack: 1,
  hasMedia: false,
  media: null,
  quoted: null,
  ...fields,
});

const rejects = async (work: Promise<unknown>, status: number, code: string) => {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ status, code });
};

describe('ids are checked before anything reaches the browser', () => {
  it('takes chat ids of people, groups and lids, and refuses every other shape with 400', () => {
    expect(parseChatId('5511912345678@c.us')).toBe('5511912345678@c.us');
    expect(parseChatId('5511912345678@s.whatsapp.net')).toBe('5511912345678@c.us');
    expect(parseChatId('120363012345678901@g.us')).toBe('120363012345678901@g.us');
    for (const bad of ['5511912345678', 'x@c.us', '../@c.us', '1@x.y', '', 42]) {
      expect(() => parseChatId(bad)).toThrow(
        expect.objectContaining({ status: 400, code: 'invalid_chat_id' }),
      );
    }
  });

  it('takes message ids as WhatsApp writes them, and nothing else', () => {
    for (const good of [
      'true_5511912345678@c.us_3EB0C0FFEE12',
      'false_120363012345678901@g.us_ABCDEF1234_5511912345678@c.us',
    ]) {
      expect(parseMessageId(good)).toBe(good);
    }
    for (const bad of [
      'nope',
      'maybe_5511912345678@c.us_3EB0',
      'true_5511912345678@c.us_3EB0/../x',
      `true_5511912345678@c.us_${'A'.repeat(65)}`,
    ]) {
      expect(() => parseMessageId(bad)).toThrow(
        expect.objectContaining({ status: 400, code: 'invalid_message_id' }),
      );
    }
  });
});

describe('history paging', () => {
  const history = Array.from({ length: 30 }, (_, i) => msg(i + 1));
  const port = (calls: number[]) =>
    createFakePort({
      messages: async (_chat, limit) => {
        calls.push(limit);
        return history.slice(-limit);
      },
    });

  it('widens the window until `before` has a full page ahead of it', async () => {
    const calls: number[] = [];
    const page = await chatMessages(runnerOf(port(calls)), '5511912345678@c.us', {
      limit: 5,
      before: history[9]?.id,
    });
    expect(page.messages.map((m) => m.body)).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
    expect(page.nextBefore).toBe(history[4]?.id);
    // m10 is 21st from the newest: 24 newest hold it with only 3 ahead, 48 hold the whole history.
    expect(calls).toEqual([6, 12, 24, 48]);
  });

  it('answers 404 for a `before` that is not in the history, once the whole history is read', async () => {
    const calls: number[] = [];
    await rejects(
      chatMessages(runnerOf(port(calls)), '5511912345678@c.us', { limit: 5, before: msg(99).id }),
      404,
      'message_not_found',
    );
    expect(calls.at(-1)).toBeLessThanOrEqual(MAX_HISTORY_SCAN);
    expect(calls).toEqual([6, 12, 24, 48]);
  });
});

describe('media downloads', () => {
  it('refuses an oversized file from its announced size without downloading it', async () => {
    const download = vi.fn(async () => ({ mimetype: 'image/png', filename: null, data: 'AAAA' }));
    const port = createFakePort({
      message: async () =>
        msg(1, {
          hasMedia: true,
          media: { mimetype: 'image/png', size: 5000, filename: null, caption: null },
        }),
      downloadMedia: download,
    });
    await rejects(
      downloadMedia(runnerOf(port), msg(1).id, { maxBytes: 1000, timeoutMs: 1000 }),
      413,
      'media_too_large',
    );
    expect(download).not.toHaveBeenCalled();
  });

  it('refuses a file that is larger than it announced before decoding it', async () => {
    const port = createFakePort({
      message: async () =>
        msg(1, { hasMedia: true, media: { mimetype: 'image/png', size: 10, filename: null, caption: null } }),
      downloadMedia: async () => ({ mimetype: 'image/png', filename: null, data: 'A'.repeat(4000) }),
    });
    await rejects(
      downloadMedia(runnerOf(port), msg(1).id, { maxBytes: 1000, timeoutMs: 1000 }),
      413,
      'media_too_large',
    );
  });
});

describe('delete for everyone', () => {
  it('refuses a message older than the window and asks nothing of WhatsApp', async () => {
    const revoke = vi.fn(async () => undefined);
    const port = createFakePort({ message: async () => msg(1, { fromMe: true }), revoke });
    const later = () => (msg(1).timestamp + REVOKE_WINDOW_S + 1) * 1000;
    await rejects(revokeForEveryone(runnerOf(port), msg(1).id, later), 422, 'not_revocable');
    expect(revoke).not.toHaveBeenCalled();
  });
});

describe('participant changes', () => {
  it('answers per participant from the group as it is afterwards', async () => {
    const me = { id: '15550000001@c.us', isAdmin: true, isSuperAdmin: true };
    const ana = { id: '5511933332222@c.us', isAdmin: false, isSuperAdmin: false };
    const bruno = { id: '5511955554444@c.us', isAdmin: false, isSuperAdmin: false };
    const view = (participants: GroupView['participants']): GroupView => ({
      id: '120363000000000001@g.us',
      subject: 'G',
      description: '',
      owner: me.id,
      createdAt: 1,
      participants,
      iAmAdmin: true,
    });
    let current = view([me, ana, bruno]);
    const change = vi.fn(async () => {
      // WhatsApp promotes Ana but not Bruno.
      current = view([me, { ...ana, isAdmin: true }, bruno]);
    });
    const port = createFakePort({ group: async () => current, changeParticipants: change });
    const results = await changeParticipants(runnerOf(port), current.id, 'promote', [
      ana.id,
      bruno.id,
      '5511900000000@c.us',
    ]);
    expect(results.map((r) => [r.id, r.code])).toEqual([
      [ana.id, 200],
      [bruno.id, 500],
      ['5511900000000@c.us', 404],
    ]);
    expect(change).toHaveBeenCalledWith(current.id, 'promote', [ana.id, bruno.id]);
  });
});

describe('typing indicators', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('clears the state after its duration, and close() cancels every pending clear', async () => {
    vi.useFakeTimers();
    const states: string[] = [];
    const port = createFakePort({
      chatState: async (_chat, state) => {
        states.push(state);
      },
    });
    const typing = createTypingIndicators({ logger: createLogger({ level: 'silent' }) });
    await typing.show({ sessionId: 's', chatId: 'a@c.us' }, runnerOf(port), 'typing', 1000);
    await typing.show({ sessionId: 's', chatId: 'b@c.us' }, runnerOf(port), 'recording', 1000);
    expect(typing.pending()).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(states).toEqual(['typing', 'recording', 'paused', 'paused']);
    expect(typing.pending()).toBe(0);

    await typing.show({ sessionId: 's', chatId: 'a@c.us' }, runnerOf(port), 'typing', 1000);
    typing.close();
    expect(typing.pending()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(states).toEqual(['typing', 'recording', 'paused', 'paused', 'typing']);
  });
});
