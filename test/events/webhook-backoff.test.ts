import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEventBus } from '../../src/events/bus.js';
import type { EventBus } from '../../src/events/types.js';
import { createWebhookDispatcher, type WebhookDispatcherDeps } from '../../src/events/webhook-dispatcher.js';
import { parseRetryAfter, retryDelay } from '../../src/events/webhook-retry.js';
import type { OutboxStore } from '../../src/store/outbox.js';
import { openTestStore } from '../helpers/test-store.js';
import { captureLogger, warnings } from './receiver.js';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

interface Call {
  url: string;
  eventId: string;
  signal: AbortSignal;
  answer: (status: number, headers?: Record<string, string>) => void;
}

/** A scripted fetch: every call waits until the test answers it (or its signal aborts it). */
const scriptedFetch = () => {
  const calls: Call[] = [];
  const fetchStub = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    new Promise((resolve, reject) => {
      const signal = init?.signal ?? new AbortController().signal;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      const headers = new Headers(init?.headers);
      calls.push({
        url: String(input),
        eventId: headers.get('webhook-id') ?? '',
        signal,
        answer: (status, extra) => resolve(new Response(null, { status, headers: extra ?? {} })),
      });
    });
  return { calls, fetch: fetchStub as typeof fetch };
};

const setup = (overrides: Partial<WebhookDispatcherDeps> = {}) => {
  const { logger, lines } = captureLogger();
  const bus: EventBus = createEventBus({ logger });
  const scripted = scriptedFetch();
  const dispatcher = createWebhookDispatcher({
    bus,
    logger,
    config: {
      WEBHOOK_URL: 'https://hooks.example.com/in?token=t0ps3cret',
      WEBHOOK_SECRET: secret,
      WEBHOOK_EVENTS: ['*'],
    },
    getSessionWebhook: () => null,
    outbox,
    fetch: scripted.fetch,
    random: () => 1,
    baseDelayMs: 1000,
    maxDelayMs: 30_000,
    maxAttempts: 4,
    timeoutMs: 10_000,
    ...overrides,
  });
  return { bus, dispatcher, lines, calls: scripted.calls };
};

const publishQr = (bus: EventBus, qr = '2@x') => bus.publish('session.qr', 'alpha', { qr });

/**
 * Lets the promise chains run (an answered fetch, the store's write of a published event) without
 * moving the clock: the store is real SQLite, whose writes resolve through a few promise turns.
 */
const settle = async () => {
  for (let i = 0; i < 40; i += 1) await vi.advanceTimersByTimeAsync(0);
};

/** close() waits for its grace period and the store's last writes: let the fake clock run it. */
const closeOf = async (dispatcher: { close(graceMs?: number): Promise<void> }) => {
  const closing = dispatcher.close(0);
  await vi.advanceTimersByTimeAsync(5000);
  await closing;
};

let outbox: OutboxStore;
let closeStore: () => Promise<void>;
beforeEach(async () => {
  const store = await openTestStore();
  outbox = store.outbox;
  closeStore = store.close;
  vi.useFakeTimers();
});
afterEach(async () => {
  vi.useRealTimers();
  await closeStore();
});

describe('webhook retries (fake timers)', () => {
  it('backs off exponentially, then gives up after maxAttempts', async () => {
    const { bus, dispatcher, calls, lines } = setup();
    publishQr(bus);
    await settle();
    expect(calls).toHaveLength(1);

    calls[0]?.answer(503);
    await settle();
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);

    calls[1]?.answer(502);
    await settle();
    await vi.advanceTimersByTimeAsync(1999);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(3);

    calls[2]?.answer(500);
    await settle();
    await vi.advanceTimersByTimeAsync(4000);
    expect(calls).toHaveLength(4);
    calls[3]?.answer(500);
    await settle();

    expect(dispatcher.stats()).toMatchObject({ delivered: 0, failed: 1, retried: 3, inFlight: 0 });
    expect(new Set(calls.map((c) => c.eventId)).size).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    // The token in the query string never reaches the log.
    expect(JSON.stringify(lines)).not.toContain('t0ps3cret');
    expect(warnings(lines).some((l) => l.msg.includes('kept as failed') && l.attempts === 4)).toBe(true);
    await closeOf(dispatcher);
  });

  it('waits what Retry-After says on 429, bounded by maxDelayMs', async () => {
    const { bus, dispatcher, calls } = setup();
    publishQr(bus);
    await settle();
    calls[0]?.answer(429, { 'retry-after': '7' });
    await settle();
    await vi.advanceTimersByTimeAsync(6999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);

    calls[1]?.answer(503, { 'retry-after': '3600' });
    await settle();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toHaveLength(3);
    calls[2]?.answer(204);
    await settle();
    expect(dispatcher.stats()).toMatchObject({ delivered: 1, retried: 2 });
    await closeOf(dispatcher);
  });

  it('aborts an attempt at the timeout and retries it', async () => {
    const { bus, dispatcher, calls, lines } = setup({ random: () => 0 });
    publishQr(bus);
    await settle();
    await vi.advanceTimersByTimeAsync(9999);
    expect(calls[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls[0]?.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(1); // the zero-jitter retry timer
    expect(calls).toHaveLength(2);
    expect(lines.some((l) => l.msg.includes('retrying') && l.reason === 'timeout')).toBe(true);
    calls[1]?.answer(200);
    await settle();
    expect(dispatcher.stats()).toMatchObject({ delivered: 1, retried: 1 });
    await closeOf(dispatcher);
  });

  it('does not retry a 404 or a redirect', async () => {
    const { bus, dispatcher, calls } = setup();
    publishQr(bus, 'a');
    publishQr(bus, 'b');
    await settle();
    calls[0]?.answer(404);
    calls[1]?.answer(301, { location: 'https://elsewhere.example.com/' });
    await settle();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(2);
    expect(dispatcher.stats()).toMatchObject({ failed: 2, retried: 0 });
    await closeOf(dispatcher);
  });

  it('holds only a window of deliveries in memory; the rest wait in the store and go out in order', async () => {
    const { bus, dispatcher, calls } = setup({ concurrencyPerReceiver: 1, window: 2 });
    const events = ['1', '2', '3', '4', '5'].map((qr) => publishQr(bus, qr));
    await settle();
    expect(calls.map((c) => c.eventId)).toEqual([events[0]?.id]);
    expect(dispatcher.stats()).toMatchObject({ queued: 1, inFlight: 1 });
    expect(await outbox.stats()).toMatchObject({ pending: 5, failed: 0 });

    for (let i = 0; i < 5; i += 1) {
      calls[i]?.answer(200);
      await settle();
    }
    expect(calls.map((c) => c.eventId)).toEqual(events.map((e) => e.id));
    expect(dispatcher.stats()).toMatchObject({ delivered: 5, queued: 0, inFlight: 0 });
    expect(await outbox.stats()).toMatchObject({ pending: 0, failed: 0 });
    await closeOf(dispatcher);
  });

  it('close() unsubscribes, aborts what is in flight and leaves no timer', async () => {
    const { logger } = captureLogger();
    const bus = createEventBus({ logger });
    const before = bus.listenerCount();
    const { calls, fetch } = scriptedFetch();
    const dispatcher = createWebhookDispatcher({
      bus,
      logger,
      config: { WEBHOOK_URL: 'https://a.example.com/', WEBHOOK_SECRET: secret, WEBHOOK_EVENTS: ['*'] },
      getSessionWebhook: () => ({ url: 'https://b.example.com/', events: ['*'] }),
      outbox,
      fetch,
      random: () => 1,
    });
    expect(bus.listenerCount()).toBe(before + 1);
    publishQr(bus);
    await settle();
    calls[0]?.answer(500); // a: now waiting for its retry timer
    await settle();
    expect(vi.getTimerCount()).toBeGreaterThan(0);

    await closeOf(dispatcher);
    expect(bus.listenerCount()).toBe(before);
    expect(calls[1]?.signal.aborted).toBe(true); // b: was in flight
    expect(vi.getTimerCount()).toBe(0);
    publishQr(bus);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(2);
  });
});

describe('retry arithmetic', () => {
  it('parses Retry-After as seconds or an HTTP date, and ignores junk', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('uses full jitter under a capped exponential', () => {
    const delay = (attempt: number, random: number) =>
      retryDelay({ attempt, baseMs: 1000, maxMs: 10_000, random: () => random });
    expect([1, 2, 3, 4, 5].map((a) => delay(a, 1))).toEqual([1000, 2000, 4000, 8000, 10_000]);
    expect(delay(3, 0.5)).toBe(2000);
    expect(delay(3, 0)).toBe(0);
  });
});
