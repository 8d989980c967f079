import { describe, expect, it } from 'vitest';
import { startToQr, waitUntil } from '../helpers/e2e.js';
import { sandboxServer } from './harness.js';
import { call, readySandbox } from './whatsapp-harness.js';

interface Message {
  id: string;
  body: string;
  fromMe: boolean;
  quoted: { id: string; body: string | null } | null;
}
interface SimChat {
  id: string;
  unreadCount: number;
  chatState: string | null;
}

const ANA = '5511987654321@c.us';

describe('chats and history through the real library', () => {
  it('lists chats with their state, pages back through history, shows replies, marks read and types for a bounded time', async (context) => {
    const server = await readySandbox(context, 'desk');
    const history = Array.from({ length: 7 }, (_, i) => ({ fromMe: i % 2 === 1, body: `m${i + 1}` }));
    const seeded = (await call(server, 'POST', '/sessions/desk/simulator/chats', 201, {
      id: ANA,
      name: 'Ana',
      pinned: true,
      muted: true,
      unreadCount: 3,
      messages: history,
    })) as { messages: string[] };
    await call(server, 'POST', '/sessions/desk/simulator/chats', 201, {
      id: '5511911112222@c.us',
      name: 'Bruno',
      archived: true,
      messages: [{ fromMe: false, body: 'old news', timestamp: 1_600_000_000 }],
    });

    const page = (await call(server, 'GET', '/sessions/desk/chats?limit=1', 200)) as {
      chats: Array<Record<string, unknown>>;
      total: number;
    };
    expect(page.total).toBe(2);
    expect(page.chats).toEqual([
      expect.objectContaining({
        id: ANA,
        name: 'Ana',
        isGroup: false,
        pinned: true,
        muted: true,
        archived: false,
        unreadCount: 3,
        lastMessage: expect.objectContaining({ body: 'm7', fromMe: false }),
      }),
    ]);
    const second = (await call(server, 'GET', '/sessions/desk/chats?limit=1&offset=1', 200)) as {
      chats: Array<Record<string, unknown>>;
    };
    expect(second.chats).toEqual([expect.objectContaining({ name: 'Bruno', archived: true, pinned: false })]);

    // Newest page first, oldest first within it; `before` pages back to the start.
    const newest = (await call(server, 'GET', `/sessions/desk/chats/${ANA}/messages?limit=3`, 200)) as {
      messages: Message[];
      nextBefore: string | null;
    };
    expect(newest.messages.map((m) => m.body)).toEqual(['m5', 'm6', 'm7']);
    expect(newest.messages.map((m) => m.fromMe)).toEqual([false, true, false]);
    expect(newest.nextBefore).toBe(seeded.messages[4]);
    const older = (await call(
      server,
      'GET',
      `/sessions/desk/chats/${ANA}/messages?limit=3&before=${newest.nextBefore}`,
      200,
    )) as { messages: Message[]; nextBefore: string | null };
    expect(older.messages.map((m) => m.body)).toEqual(['m2', 'm3', 'm4']);
    const oldest = (await call(
      server,
      'GET',
      `/sessions/desk/chats/${ANA}/messages?limit=3&before=${older.nextBefore}`,
      200,
    )) as { messages: Message[]; nextBefore: string | null };
    expect(oldest).toEqual({ messages: [expect.objectContaining({ body: 'm1' })], nextBefore: null });

    // A reply from the phone, and one of ours: both carry what they quote.
    await call(server, 'POST', '/sessions/desk/simulator/messages', 201, {
      from: '5511987654321',
      body: 'about m6',
      quotedMessageId: seeded.messages[5],
    });
    const sent = (await call(server, 'POST', '/sessions/desk/messages', 201, {
      to: ANA,
      text: 'yes',
      replyTo: seeded.messages[0],
    })) as { id: string };
    const latest = (await call(server, 'GET', `/sessions/desk/chats/${ANA}/messages?limit=2`, 200)) as {
      messages: Message[];
    };
    // Both in the same second: the library orders equal timestamps as it likes.
    expect(latest.messages).toHaveLength(2);
    expect(latest.messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          body: 'about m6',
          fromMe: false,
          quoted: { id: expect.any(String), body: 'm6' },
        }),
        expect.objectContaining({
          id: sent.id,
          body: 'yes',
          fromMe: true,
          quoted: expect.objectContaining({ body: 'm1' }),
        }),
      ]),
    );

    // Read: the phone's chat has no unread message left.
    expect(await call(server, 'POST', `/sessions/desk/chats/${ANA}/read`, 200)).toEqual({ read: true });
    const simChat = async () =>
      ((await call(server, 'GET', '/sessions/desk/simulator/chats', 200)) as { chats: SimChat[] }).chats.find(
        (c) => c.id === ANA,
      );
    expect(await simChat()).toMatchObject({ unreadCount: 0 });

    // Typing: shown to the contact, then cleared by the server once the duration is over.
    expect(
      await call(server, 'POST', `/sessions/desk/chats/${ANA}/typing`, 200, {
        state: 'recording',
        durationMs: 1000,
      }),
    ).toEqual({ state: 'recording', durationMs: 1000 });
    expect(await simChat()).toMatchObject({ chatState: 'recording' });
    await waitUntil(
      'the typing indicator is cleared',
      async () => (await simChat())?.chatState === 'paused',
      5000,
    );
    await call(server, 'POST', `/sessions/desk/chats/${ANA}/typing`, 200);
    expect(await simChat()).toMatchObject({ chatState: 'typing' });
    await call(server, 'POST', `/sessions/desk/chats/${ANA}/typing`, 200, { state: 'paused' });
    expect(await simChat()).toMatchObject({ chatState: 'paused' });
  });

  it('refuses bad chat ids, bad paging and bad typing with 400 before the session is asked', async (context) => {
    const server = await sandboxServer(context);
    await startToQr(server, 'early');
    for (const bad of ['5511987654321', 'x@c.us', '123@g.us', 'a@b.c', '..%2F..%2Fetc@c.us']) {
      const problem = await call(server, 'GET', `/sessions/early/chats/${bad}/messages`, 400);
      expect(problem).toMatchObject({ code: 'invalid_chat_id' });
      await call(server, 'POST', `/sessions/early/chats/${bad}/read`, 400);
      await call(server, 'POST', `/sessions/early/chats/${bad}/typing`, 400);
    }
    await call(server, 'GET', `/sessions/early/chats/${ANA}/messages?limit=0`, 400);
    await call(server, 'GET', `/sessions/early/chats/${ANA}/messages?limit=101`, 400);
    expect(await call(server, 'GET', `/sessions/early/chats/${ANA}/messages?before=nope`, 400)).toMatchObject(
      {
        code: 'invalid_message_id',
      },
    );
    await call(server, 'GET', '/sessions/early/chats?offset=-1', 400);
    await call(server, 'POST', `/sessions/early/chats/${ANA}/typing`, 400, { durationMs: 60_000 });
    await call(server, 'POST', `/sessions/early/chats/${ANA}/typing`, 400, { state: 'dancing' });
    for (const [method, tail] of [
      ['GET', 'chats'],
      ['GET', `chats/${ANA}/messages`],
      ['POST', `chats/${ANA}/read`],
      ['POST', `chats/${ANA}/typing`],
    ] as const) {
      expect(await call(server, method, `/sessions/early/${tail}`, 409)).toMatchObject({
        code: 'session_not_ready',
        state: 'QR',
      });
    }
  });
});
