import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventBus } from '../../src/events/bus.js';
import { createWebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import { createWebhookFetch } from '../../src/events/webhook-url-guard.js';
import type { WebhookSettings } from '../../src/sessions/types.js';
import { openTestStore } from '../helpers/test-store.js';
import { buildApp, PROBLEM_TYPE } from '../http/harness.js';
import { captureLogger, startReceiver } from './receiver.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a session webhook URL is refused at creation when it points inward', () => {
  it.for([
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:3000/sessions/x/stop',
    'http://10.0.0.5:8080/in',
    'http://172.17.0.1/',
    'http://192.168.1.1/',
    'http://[::1]:3000/',
    'http://[::ffff:127.0.0.1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:7f00:1::1]/',
    'http://[fec0::1]/',
    'http://0x7f.1/',
    'http://2130706433/',
    'http://localhost:3000/',
  ])('%s: 400 webhook_url_forbidden, and no session is created', async (url) => {
    const { app, manager } = buildApp();
    const res = await request(app).post('/sessions/alice').send({ webhook: { url } }).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'webhook_url_forbidden',
      errors: [{ path: 'body.webhook.url', message: 'must point to a public address' }],
    });
    expect(manager.callsOf('create')).toEqual([]);
  });

  it('accepts a public address', async () => {
    const { app, manager } = buildApp();
    await request(app)
      .post('/sessions/alice')
      .send({ webhook: { url: 'https://8.8.8.8/hook' } })
      .expect(201);
    expect(manager.callsOf('create')).toHaveLength(1);
  });

  it('accepts a private address with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true', async () => {
    const { app } = buildApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
    await request(app)
      .post('/sessions/alice')
      .send({ webhook: { url: 'http://169.254.169.254/' } })
      .expect(201);
  });
});

const testOutbox = async () => {
  const store = await openTestStore();
  cleanups.push(() => store.close());
  return store.outbox;
};

const dispatcherWith = async (options: {
  globalUrl?: string;
  sessionWebhook: WebhookSettings | null;
  allowPrivate?: boolean;
}) => {
  const { logger, lines } = captureLogger();
  const bus = createEventBus({ logger });
  const fetch = createWebhookFetch({
    globalUrl: options.globalUrl,
    allowPrivate: options.allowPrivate ?? false,
  });
  const dispatcher = createWebhookDispatcher({
    bus,
    logger,
    config: { WEBHOOK_URL: options.globalUrl, WEBHOOK_SECRET: undefined, WEBHOOK_EVENTS: ['*'] },
    getSessionWebhook: () => options.sessionWebhook,
    fetch,
    outbox: await testOutbox(),
    random: () => 0,
  });
  cleanups.push(
    () => fetch.close(),
    () => dispatcher.close(100),
  );
  return { bus, dispatcher, lines };
};

describe('a session webhook is checked again at delivery, by the connection itself', () => {
  it('never connects to a session webhook whose name resolves to this host, and does not retry it', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    // Set before the guard existed, or restored from disk: `localhost` resolves to 127.0.0.1 when
    // the connection is made, and that lookup is where the address is refused.
    const url = receiver.url.replace('127.0.0.1', 'localhost');
    const { bus, dispatcher, lines } = await dispatcherWith({ sessionWebhook: { url, events: ['*'] } });
    bus.publish('session.qr', 'alpha', { qr: '2@abc' });
    await vi.waitFor(() => expect(dispatcher.stats().failed).toBe(1));
    expect(receiver.requests).toHaveLength(0);
    expect(dispatcher.stats()).toMatchObject({ delivered: 0, retried: 0 });
    expect(
      lines.some(
        (l) =>
          l.msg.startsWith('Webhook delivery failed; kept as failed') && l.reason === 'forbidden address',
      ),
    ).toBe(true);
  });

  it('delivers to the operator’s WEBHOOK_URL on this host: the global webhook is not guarded', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const { bus, dispatcher } = await dispatcherWith({ globalUrl: receiver.url, sessionWebhook: null });
    bus.publish('session.qr', 'alpha', { qr: '2@abc' });
    await receiver.received(1);
    await vi.waitFor(() => expect(dispatcher.stats().delivered).toBe(1));
  });

  it('delivers the global webhook but not a private session webhook for the same event', async () => {
    const global = await startReceiver();
    const own = await startReceiver();
    cleanups.push(global.close, own.close);
    const { bus, dispatcher } = await dispatcherWith({
      globalUrl: global.url,
      sessionWebhook: { url: own.url, events: ['*'] },
    });
    bus.publish('session.qr', 'alpha', { qr: '2@abc' });
    await vi.waitFor(() => expect(dispatcher.stats()).toMatchObject({ delivered: 1, failed: 1 }));
    expect(global.requests).toHaveLength(1);
    expect(own.requests).toHaveLength(0);
  });

  it('delivers to a private session webhook with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const { bus, dispatcher } = await dispatcherWith({
      sessionWebhook: { url: receiver.url.replace('127.0.0.1', 'localhost'), events: ['*'] },
      allowPrivate: true,
    });
    bus.publish('session.qr', 'alpha', { qr: '2@abc' });
    await receiver.received(1);
    await vi.waitFor(() => expect(dispatcher.stats().delivered).toBe(1));
  });

  it('does not follow a receiver’s redirect (a signed POST is never re-sent elsewhere)', async () => {
    const inner = await startReceiver();
    cleanups.push(inner.close);
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.writeHead(307, { location: inner.url }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as { port: number }).port;
    const { bus, dispatcher } = await dispatcherWith({
      sessionWebhook: { url: `http://127.0.0.1:${port}/`, events: ['*'] },
      allowPrivate: true,
    });
    bus.publish('session.qr', 'alpha', { qr: '2@abc' });
    await vi.waitFor(() => expect(dispatcher.stats().failed).toBe(1));
    expect(inner.requests).toHaveLength(0);
  });
});
