import { describe, expect, it } from 'vitest';
import { startReceiver } from '../events/receiver.js';
import { connectSse } from '../events/sse-client.js';
import { post, startToQr, waitForState } from '../helpers/e2e.js';
import { TEST_API_KEY } from '../helpers/server-process.js';
import { sandboxServer } from './harness.js';
import { call } from './whatsapp-harness.js';

interface Delivered {
  type: string;
  sessionId: string;
  payload: Record<string, unknown>;
}

const PHONE = '4915123456789';
const CHAT = `${PHONE}@c.us`;

describe('reactions, edits and deletions through the real library', () => {
  it('turns a contact reaction, edit and deletion into events (SSE and a filtered webhook), and sends ours', async (context) => {
    const hook = await startReceiver();
    context.onTestFinished(() => hook.close());
    // The receiver runs on this host: the session webhook address guard is lifted.
    const server = await sandboxServer(context, { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    const stream = await connectSse(`${server.baseUrl}/sessions/talk/events`, { 'x-api-key': TEST_API_KEY });
    context.onTestFinished(() => stream.close());
    const next = async (type: string): Promise<Delivered> => {
      for (;;) {
        const frame = await stream.nextEvent();
        if (frame.event === type) return JSON.parse(frame.data ?? '{}') as Delivered;
      }
    };

    await post(
      server,
      '/sessions/talk',
      { webhook: { url: hook.url, events: ['message.reaction', 'message.revoked', 'message.edited'] } },
      201,
    );
    await waitForState(server, 'talk', 'QR');
    await post(server, '/sessions/talk/simulator/scan');
    await waitForState(server, 'talk', 'READY');

    const { id: incoming } = (await call(server, 'POST', '/sessions/talk/simulator/messages', 201, {
      from: PHONE,
      body: 'the parcel is late',
    })) as { id: string };
    await next('message.received');

    await call(server, 'POST', '/sessions/talk/simulator/reactions', 201, {
      from: PHONE,
      messageId: incoming,
      reaction: '😡',
    });
    expect((await next('message.reaction')).payload).toMatchObject({
      messageId: incoming,
      chatId: CHAT,
      from: CHAT,
      reaction: '😡',
    });
    await call(server, 'POST', '/sessions/talk/simulator/reactions', 201, {
      from: PHONE,
      messageId: incoming,
      reaction: '',
    });
    expect((await next('message.reaction')).payload).toMatchObject({ messageId: incoming, reaction: '' });

    await call(server, 'POST', '/sessions/talk/simulator/edit', 200, {
      messageId: incoming,
      body: 'the parcel is very late',
    });
    expect((await next('message.edited')).payload).toEqual({
      id: incoming,
      chatId: CHAT,
      from: CHAT,
      fromMe: false,
      body: 'the parcel is very late',
      previousBody: 'the parcel is late',
    });

    await call(server, 'POST', '/sessions/talk/simulator/revoke', 200, { messageId: incoming });
    expect((await next('message.revoked')).payload).toMatchObject({
      id: incoming,
      chatId: CHAT,
      fromMe: false,
    });

    // The webhook asked for these three families only: none of the session's other events.
    await hook.received(4);
    const types = hook.requests.map((r) => (JSON.parse(r.body) as Delivered).type);
    expect(types).toEqual(['message.reaction', 'message.reaction', 'message.edited', 'message.revoked']);

    // Ours: a reaction the phone receives, and a deletion for everyone of our own message.
    const { id: second } = (await call(server, 'POST', '/sessions/talk/simulator/messages', 201, {
      from: PHONE,
      body: 'thanks',
    })) as { id: string };
    expect(
      await call(server, 'POST', `/sessions/talk/messages/${second}/reaction`, 200, { reaction: '👍🏽' }),
    ).toEqual({ messageId: second, reaction: '👍🏽' });
    const { id: mine } = (await call(server, 'POST', '/sessions/talk/messages', 201, {
      to: CHAT,
      text: 'sorry about that',
      replyTo: second,
    })) as { id: string };
    await call(server, 'DELETE', `/sessions/talk/messages/${mine}`, 204);
    expect((await next('message.revoked')).payload).toMatchObject({ id: mine, fromMe: true });
    const outbox = (await call(server, 'GET', '/sessions/talk/simulator/outbox', 200)) as {
      messages: Array<{ id: string; revoked: boolean }>;
      reactions: Array<{ messageId: string; reaction: string }>;
    };
    expect(outbox.reactions).toEqual([{ messageId: second, reaction: '👍🏽' }]);
    expect(outbox.messages).toEqual([expect.objectContaining({ id: mine, revoked: true })]);
    // Deleting it again changes nothing and is not an error.
    await call(server, 'DELETE', `/sessions/talk/messages/${mine}`, 204);

    // Refusals: someone else's message, an unknown one, a reaction that is not an emoji.
    expect(await call(server, 'DELETE', `/sessions/talk/messages/${second}`, 422)).toMatchObject({
      code: 'not_revocable',
    });
    await call(server, 'DELETE', `/sessions/talk/messages/false_${CHAT}_3EB0FFFFFFFFFFFF`, 404);
    await call(server, 'POST', `/sessions/talk/messages/false_${CHAT}_3EB0FFFFFFFFFFFF/reaction`, 404, {
      reaction: '👍',
    });
    await call(server, 'POST', `/sessions/talk/messages/${second}/reaction`, 400, { reaction: 'ok' });
    const stillThere = (await call(server, 'GET', `/sessions/talk/chats/${CHAT}/messages?limit=10`, 200)) as {
      messages: Array<{ id: string; type: string }>;
    };
    expect(stillThere.messages.find((m) => m.id === second)?.type).toBe('chat');
  });

  it('refuses malformed message ids with 400 before the session is asked', async (context) => {
    const server = await sandboxServer(context);
    await startToQr(server, 'early');
    await call(server, 'DELETE', '/sessions/early/messages/nope', 400);
    await call(server, 'POST', '/sessions/early/messages/nope/reaction', 400, { reaction: '👍' });
    expect(
      await call(server, 'DELETE', `/sessions/early/messages/false_${CHAT}_3EB0AAAA`, 409),
    ).toMatchObject({ code: 'session_not_ready' });
  });
});
