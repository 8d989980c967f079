import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, type TestContext } from 'vitest';
import { sandboxEnv, sandboxServer } from '../e2e/harness.js';
import { startReceiver } from '../events/receiver.js';
import { post, startToReady, waitUntil } from '../helpers/e2e.js';
import { removeDir, type ServerProcess, startServer } from '../helpers/server-process.js';
import { backends, useBackend } from './backends.js';

const secret = `whsec_${Buffer.from('outbox-test-secret-0123456789abcd').toString('base64')}`;
const COUNT = 50;

/** A port nothing listens on (yet): the receiver is down, connections are refused. */
const reservePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

interface DeliveryItem {
  id: string;
  eventId: string;
  status: string;
  attempts: number;
}

const deliveries = async (server: ServerProcess, query: string): Promise<DeliveryItem[]> => {
  const res = await server.request('GET', `/webhooks/deliveries?limit=200&${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: DeliveryItem[] }).items;
};

describe.each(backends)('the webhook outbox on %s', (backend) => {
  const store = useBackend(backend);

  const scenario = async (context: TestContext, stop: 'SIGTERM' | 'SIGKILL') => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-outbox-'));
    context.onTestFinished(() => removeDir(dataDir));
    const port = await reservePort();
    const env = {
      ...(await store.env()),
      WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
      WEBHOOK_EVENTS: 'message.received',
      WEBHOOK_SECRET: secret,
      // The receiver stays down for the whole first run: keep trying, and soon after it is back.
      WEBHOOK_MAX_ATTEMPTS: '1000',
      WEBHOOK_MAX_DELAY_MS: '1000',
    };

    const first = await startServer({ ...sandboxEnv, ...env }, { dataDir });
    context.onTestFinished(() => first.stop('SIGKILL').then(() => undefined));
    await startToReady(first, 'whiskey');
    for (let i = 1; i <= COUNT; i += 1) {
      await post(
        first,
        '/sessions/whiskey/simulator/messages',
        { from: '4915123456789', body: `m${i}` },
        201,
      );
    }
    // Accepted means in the store: every message has its pending delivery before the server goes.
    await waitUntil(
      'every message is in the outbox',
      async () => (await deliveries(first, 'status=pending')).length === COUNT,
      30_000,
    );
    const result = await first.stop(stop);
    if (stop === 'SIGTERM') expect(result.code).toBe(0);

    const receiver = await startReceiver(() => 204, port);
    context.onTestFinished(() => receiver.close());
    const second = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    await receiver.received(COUNT);
    await waitUntil(
      'the outbox is delivered',
      async () => (await deliveries(second, 'status=delivered')).length === COUNT,
      30_000,
    );
    expect(await deliveries(second, 'status=pending')).toEqual([]);

    const verifier = new Webhook(secret);
    const bodies = receiver.requests.map((request) => {
      const event = verifier.verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as { id: string; payload: { body: string } };
      expect(event.id).toBe(request.headers['webhook-id']);
      return event.payload.body;
    });
    const expected = Array.from({ length: COUNT }, (_, i) => `m${i + 1}`).sort();
    expect([...new Set(bodies)].sort()).toEqual(expected);
    const ids = new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));
    expect(ids.size).toBe(COUNT);
    return receiver.requests.length;
  };

  it('receiver down, 50 messages, SIGTERM, start again, receiver up: all 50 arrive signed, each exactly once', async (context) => {
    expect(await scenario(context, 'SIGTERM')).toBe(COUNT);
  });

  it('the same with kill -9 of the server: all 50 arrive (at least once)', async (context) => {
    expect(await scenario(context, 'SIGKILL')).toBeGreaterThanOrEqual(COUNT);
  });
});
