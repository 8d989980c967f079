import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventBus } from '../../src/events/bus.js';
import { createWebhookDispatcher, type WebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import type { WebhookSettings } from '../../src/sessions/types.js';
import { openTestStore } from '../helpers/test-store.js';
import { captureLogger, startReceiver, warnings } from './receiver.js';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const message = {
  id: 'true_5511912345678@c.us_ABC',
  from: '5511912345678@c.us',
  to: '5511987654321@c.us',
  body: 'hello',
  type: 'chat',
  timestamp: 1_700_000_000,
  fromMe: false,
  hasMedia: false,
  media: null,
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const testOutbox = async () => {
  const store = await openTestStore();
  cleanups.push(() => store.close());
  return store.outbox;
};

const setup = async (options: {
  url?: string;
  events?: string[];
  sessionWebhook?: WebhookSettings | null;
  secret?: string;
}) => {
  const { logger, lines } = captureLogger();
  const bus = createEventBus({ logger });
  const dispatcher: WebhookDispatcher = createWebhookDispatcher({
    bus,
    logger,
    config: {
      WEBHOOK_URL: options.url,
      WEBHOOK_SECRET: options.secret ?? secret,
      WEBHOOK_EVENTS: options.events ?? ['*'],
    },
    getSessionWebhook: () => options.sessionWebhook ?? null,
    outbox: await testOutbox(),
    // No waiting between attempts here: the backoff itself is tested with fake timers elsewhere.
    random: () => 0,
  });
  cleanups.push(() => dispatcher.close(100));
  return { bus, dispatcher, lines };
};

describe('webhook delivery to a real receiver', () => {
  it('posts the event signed so that standardwebhooks verifies it, with no credential of ours', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const { bus } = await setup({ url: receiver.url });

    const event = bus.publish('message.received', 'alpha', message);
    await receiver.received(1);

    const request = receiver.requests[0];
    if (request === undefined) throw new Error('no request');
    expect(request.headers['webhook-id']).toBe(event.id);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers['x-api-key']).toBeUndefined();
    expect(request.headers.cookie).toBeUndefined();
    const verified = new Webhook(secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    expect(verified).toEqual(event);
  });

  it('retries 500, 500 and delivers once on the 200, with the same webhook-id each time', async () => {
    const receiver = await startReceiver((n) => (n < 2 ? 500 : 200));
    cleanups.push(receiver.close);
    const { bus, dispatcher } = await setup({ url: receiver.url });

    const event = bus.publish('session.qr', 'alpha', { qr: '2@abc' });
    await receiver.received(3);
    await vi.waitFor(() => expect(dispatcher.stats().delivered).toBe(1));

    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id, event.id]);
    expect(dispatcher.stats()).toMatchObject({ delivered: 1, retried: 2, failed: 0 });
  });

  it('does not retry a 400', async () => {
    const receiver = await startReceiver(() => 400);
    cleanups.push(receiver.close);
    const { bus, dispatcher, lines } = await setup({ url: receiver.url });

    bus.publish('session.qr', 'alpha', { qr: '2@abc' });
    await vi.waitFor(() => expect(dispatcher.stats().failed).toBe(1));

    // Giving up is counted only after the last attempt, so this is the whole story.
    expect(dispatcher.stats()).toMatchObject({ delivered: 0, retried: 0, failed: 1 });
    expect(receiver.requests).toHaveLength(1);
    expect(warnings(lines).some((l) => l.msg.includes('kept as failed') && l.reason === 'HTTP 400')).toBe(
      true,
    );
  });

  it('a receiver that never answers holds up neither another receiver nor the publisher', async () => {
    const dead = await startReceiver(() => 'hang');
    const alive = await startReceiver();
    cleanups.push(dead.close, alive.close);
    const { bus, dispatcher } = await setup({
      url: alive.url,
      sessionWebhook: { url: dead.url, events: ['*'] },
    });

    const started = performance.now();
    for (let i = 0; i < 10; i += 1) bus.publish('session.qr', 'alpha', { qr: `2@${i}` });
    expect(performance.now() - started).toBeLessThan(100);

    await alive.received(10);
    await vi.waitFor(() => expect(dispatcher.stats().delivered).toBe(10));
    // Two in flight per receiver, so arrival order is not guaranteed (ids are, for the receiver to sort).
    const qrs = alive.requests.map((r) => (JSON.parse(r.body) as { payload: { qr: string } }).payload.qr);
    expect(qrs.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `2@${i}`));
    // The dead one got only as many as its concurrency allows; the rest wait in its own queue.
    expect(dead.requests.length).toBeLessThanOrEqual(2);
    expect(dispatcher.stats().queued).toBeGreaterThan(0);
  });

  it('sends to the global and the session webhook per their own filters, once when they are the same URL', async () => {
    const global = await startReceiver();
    const own = await startReceiver();
    cleanups.push(global.close, own.close);
    const { bus } = await setup({
      url: global.url,
      events: ['message.*'],
      sessionWebhook: { url: own.url, events: ['session.status'] },
    });

    bus.publish('session.status', 'alpha', { state: 'READY', previous: 'AUTHENTICATED', reason: null });
    bus.publish('message.received', 'alpha', message);
    await Promise.all([global.received(1), own.received(1)]);

    expect(global.requests.map((r) => JSON.parse(r.body).type)).toEqual(['message.received']);
    expect(own.requests.map((r) => JSON.parse(r.body).type)).toEqual(['session.status']);

    const same = await startReceiver();
    cleanups.push(same.close);
    const second = await setup({ url: same.url, sessionWebhook: { url: same.url, events: ['*'] } });
    second.bus.publish('session.qr', 'alpha', { qr: '2@x' });
    await vi.waitFor(() => expect(second.dispatcher.stats().delivered).toBe(1));
    expect(same.requests).toHaveLength(1);
  });

  it('sends session.removed to the session webhook even when the session is already gone', async () => {
    const own = await startReceiver();
    cleanups.push(own.close);
    let settings: WebhookSettings | null = { url: own.url, events: ['session.*'] };
    const { logger } = captureLogger();
    const bus = createEventBus({ logger });
    const dispatcher = createWebhookDispatcher({
      bus,
      logger,
      config: { WEBHOOK_URL: undefined, WEBHOOK_SECRET: secret, WEBHOOK_EVENTS: ['*'] },
      getSessionWebhook: () => settings,
      outbox: await testOutbox(),
      random: () => 0,
    });
    cleanups.push(() => dispatcher.close(100));

    bus.publish('session.status', 'alpha', { state: 'DISCONNECTED', previous: 'READY', reason: 'LOGOUT' });
    settings = null; // the manager has removed it
    bus.publish('session.removed', 'alpha', { reason: 'LOGOUT' });
    bus.publish('session.removed', 'alpha', { reason: 'again' }); // forgotten after the first
    await own.received(2);
    await vi.waitFor(() => expect(dispatcher.stats().delivered).toBe(2));
    expect(own.requests.map((r) => JSON.parse(r.body).type).sort()).toEqual([
      'session.removed',
      'session.status',
    ]);
  });

  it('sends unsigned, with one warning at the first delivery, when no secret is set', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const { logger, lines } = captureLogger();
    const bus = createEventBus({ logger });
    const dispatcher = createWebhookDispatcher({
      bus,
      logger,
      config: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: undefined, WEBHOOK_EVENTS: ['*'] },
      getSessionWebhook: () => null,
      outbox: await testOutbox(),
    });
    cleanups.push(() => dispatcher.close(100));
    expect(warnings(lines).filter((l) => l.msg.includes('WEBHOOK_SECRET'))).toHaveLength(0);
    bus.publish('session.qr', 'a', { qr: '1' });
    bus.publish('session.qr', 'a', { qr: '2' });
    await receiver.received(2);

    expect(receiver.requests[0]?.headers['webhook-signature']).toBeUndefined();
    expect(receiver.requests[0]?.headers['webhook-id']).toBeDefined();
    expect(warnings(lines).filter((l) => l.msg.includes('WEBHOOK_SECRET'))).toHaveLength(1);
  });
});
