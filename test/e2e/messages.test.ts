import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { startReceiver } from '../events/receiver.js';
import { connectSse } from '../events/sse-client.js';
import { post, waitForState } from '../helpers/e2e.js';
import { TEST_API_KEY } from '../helpers/server-process.js';
import { sandboxServer } from './harness.js';

const secret = `whsec_${Buffer.from('e2e-secret-0123456789abcdef0123').toString('base64')}`;

interface Delivered {
  id: string;
  type: string;
  sessionId: string;
  payload: Record<string, unknown>;
}

describe('messages in and out through the real library, with events delivered', () => {
  it('delivers an incoming message to a signed webhook and to SSE, and sends a text that the phone receives', async (context) => {
    const globalHook = await startReceiver();
    const sessionHook = await startReceiver();
    context.onTestFinished(async () => {
      await globalHook.close();
      await sessionHook.close();
    });
    const server = await sandboxServer(context, {
      WEBHOOK_URL: globalHook.url,
      WEBHOOK_SECRET: secret,
      // The session's receiver is on this host, which session webhooks may reach only with this.
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    });

    const stream = await connectSse(`${server.baseUrl}/sessions/mike/events`, { 'x-api-key': TEST_API_KEY });
    context.onTestFinished(() => stream.close());
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');

    await post(
      server,
      '/sessions/mike',
      { webhook: { url: sessionHook.url, events: ['message.received'] } },
      201,
    );
    await waitForState(server, 'mike', 'QR');
    await post(server, '/sessions/mike/simulator/scan');
    await waitForState(server, 'mike', 'READY');

    const incoming = (await post(
      server,
      '/sessions/mike/simulator/messages',
      {
        from: '4915123456789',
        body: 'Olá from the phone',
      },
      201,
    )) as { id: string };

    // SSE: the session's events in order, ending with the message.
    const seen: string[] = [];
    for (;;) {
      const frame = await stream.nextEvent();
      seen.push(frame.event ?? '');
      if (frame.event === 'message.received') {
        const event = JSON.parse(frame.data ?? '{}') as Delivered;
        expect(event.payload).toMatchObject({
          id: incoming.id,
          from: '4915123456789@c.us',
          body: 'Olá from the phone',
        });
        break;
      }
    }
    expect(seen.slice(0, 1)).toEqual(['session.status']);

    // Webhooks: the session's own (filtered to messages) and the global one (everything), both signed.
    await sessionHook.received(1);
    const sessionRequest = sessionHook.requests[0];
    if (!sessionRequest) throw new Error('unreachable');
    const verified = new Webhook(secret).verify(sessionRequest.body, {
      'webhook-id': String(sessionRequest.headers['webhook-id']),
      'webhook-timestamp': String(sessionRequest.headers['webhook-timestamp']),
      'webhook-signature': String(sessionRequest.headers['webhook-signature']),
    }) as Delivered;
    expect(verified).toMatchObject({
      type: 'message.received',
      sessionId: 'mike',
      payload: { body: 'Olá from the phone' },
    });
    expect(sessionRequest.headers['x-api-key']).toBeUndefined();
    const waitGlobal = async () => {
      for (let i = 0; i < 100; i += 1) {
        const types = globalHook.requests.map((r) => (JSON.parse(r.body) as Delivered).type);
        if (types.includes('message.received')) return types;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the global webhook did not get the message');
    };
    expect(await waitGlobal()).toContain('session.status');

    // Out: a text in a common notation reaches the phone (the simulator's outbox).
    const sent = (await post(
      server,
      '/sessions/mike/messages',
      { to: '+55 (11) 91234-5678', text: 'Hello from the API' },
      201,
    )) as {
      id: string;
    };
    expect(sent.id).toMatch(/^true_5511912345678@c\.us_/);
    const outbox = (await (await server.request('GET', '/sessions/mike/simulator/outbox')).json()) as {
      messages: { id: string; to: string; body: string }[];
    };
    expect(outbox.messages).toEqual([
      expect.objectContaining({ to: '5511912345678@c.us', body: 'Hello from the API' }),
    ]);
  });

  it('answers 409 with the state when sending on a session that is not READY', async (context) => {
    const server = await sandboxServer(context);
    await post(server, '/sessions/november', undefined, 201);
    await waitForState(server, 'november', 'QR');
    const res = await server.request('POST', '/sessions/november/messages', {
      to: '5511912345678',
      text: 'x',
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'session_not_ready', state: 'QR' });
  });
});
