import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventBus, nextRun } from '../../src/events/bus.js';
import { createOutboxRecorder } from '../../src/events/outbox-recorder.js';
import { eventSchema } from '../../src/events/schemas.js';
import { createEventBuffer } from '../../src/events/sse-buffer.js';
import type { AnyWaEvent, EventBus } from '../../src/events/types.js';
import { createWebhookTargets } from '../../src/events/webhook-targets.js';
import { createEventsRouter, type EventsRouterDeps } from '../../src/http/routes/events.js';
import type { Logger } from '../../src/logger.js';
import { openTestStore } from '../helpers/test-store.js';
import { captureLogger } from './receiver.js';
import { connectSse, serveRouter } from './sse-client.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The event log as main wires it: a real SQLite store, every published event recorded in it. */
const eventLog = async (bus: EventBus, logger: Logger) => {
  const store = await openTestStore();
  const recorder = createOutboxRecorder({
    bus,
    outbox: store.outbox,
    targets: createWebhookTargets({
      config: { WEBHOOK_URL: undefined, WEBHOOK_EVENTS: ['*'] },
      logger,
      getSessionWebhook: () => null,
    }),
    logger,
    now: () => new Date(),
    onRecorded: () => undefined,
  });
  cleanups.push(store.close, () => recorder.close());
  return { store, recorder, replay: { flush: recorder.flush, eventsAfter: store.outbox.eventsAfter } };
};

const setup = async (options: Partial<EventsRouterDeps> = {}) => {
  const { logger } = captureLogger();
  const bus = createEventBus({ logger });
  const { replay } = await eventLog(bus, logger);
  const router = createEventsRouter({ bus, logger, replay, ...options });
  const server = await serveRouter(router);
  cleanups.push(server.close, () => router.close());
  const connect = async (path: string, headers?: Record<string, string>) => {
    const client = await connectSse(`${server.base}${path}`, headers);
    cleanups.push(client.close);
    return client;
  };
  return { bus, router, base: server.base, connect };
};

const qr = (bus: EventBus, sessionId: string, value: string) =>
  bus.publish('session.qr', sessionId, { qr: value });
const idsOf = async (client: Awaited<ReturnType<typeof connectSse>>, count: number) => {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await client.nextEvent()).id ?? '');
  return ids;
};

describe('SSE events stream', () => {
  it('streams every event in order as id/event/data frames, with the SSE headers', async () => {
    const { bus, connect } = await setup();
    const client = await connect('/events');
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream');
    expect(client.response.headers.get('cache-control')).toBe('no-cache');
    expect(client.response.headers.get('x-accel-buffering')).toBe('no');

    const published: AnyWaEvent[] = [
      qr(bus, 'alpha', '1'),
      bus.publish('session.status', 'beta', { state: 'READY', previous: 'AUTHENTICATED', reason: null }),
      bus.publish('message.ack', 'alpha', { id: 'm1', ack: 3 }),
    ];
    for (const event of published) {
      const frame = await client.nextEvent();
      expect(frame.id).toBe(event.id);
      expect(frame.event).toBe(event.type);
      const data: unknown = JSON.parse(frame.data ?? '');
      expect(eventSchema.parse(data)).toEqual(event);
    }
  });

  it('on reconnect with Last-Event-ID replays exactly what was missed, then goes on live', async () => {
    const { bus, connect } = await setup();
    const first = await connect('/events');
    const e1 = qr(bus, 'alpha', '1');
    expect((await first.nextEvent()).id).toBe(e1.id);
    first.close();

    const missed = [qr(bus, 'alpha', '2'), qr(bus, 'beta', '3'), qr(bus, 'alpha', '4')];
    const second = await connect('/events', { 'Last-Event-ID': e1.id });
    expect(await idsOf(second, 3)).toEqual(missed.map((e) => e.id));
    const live = qr(bus, 'alpha', '5');
    expect((await second.nextEvent()).id).toBe(live.id);

    // Same through the query string, for clients that cannot set the header.
    const third = await connect(`/events?lastEventId=${encodeURIComponent(missed[1]?.id ?? '')}`);
    expect(await idsOf(third, 2)).toEqual([missed[2]?.id, live.id]);
  });

  it('GET /sessions/:id/events carries only that session, replay included', async () => {
    const { bus, connect } = await setup();
    const start = qr(bus, 'beta', '0');
    const a1 = qr(bus, 'alpha', '1');
    qr(bus, 'beta', '2');
    const client = await connect('/sessions/alpha/events', { 'Last-Event-ID': start.id });
    expect((await client.nextEvent()).id).toBe(a1.id);
    qr(bus, 'beta', '3');
    const a4 = qr(bus, 'alpha', '4');
    const frame = await client.nextEvent();
    expect(frame.id).toBe(a4.id);
    expect(JSON.parse(frame.data ?? '')).toMatchObject({ sessionId: 'alpha' });
  });

  it('replays after a Last-Event-ID the log no longer holds (by run and sequence), nothing for a foreign one', async () => {
    const { bus, connect } = await setup();
    const events = ['1', '2', '3'].map((v) => qr(bus, 'alpha', v));
    const first = events[0]?.id ?? '';
    // An id of this run that was never stored (e.g. pruned): the ones after it by sequence follow.
    const unseen = first.replace(/_\d+$/, '_00000000');
    const old = await connect('/events', { 'Last-Event-ID': unseen });
    expect(await idsOf(old, 3)).toEqual(events.map((e) => e.id));
    const foreign = await connect('/events', { 'Last-Event-ID': 'not-an-event-id' });
    const live = qr(bus, 'alpha', '4');
    expect((await foreign.nextEvent()).id).toBe(live.id);
  });

  it('sends a `: ping` comment every heartbeatMs', async () => {
    const { connect } = await setup({ heartbeatMs: 20 });
    const client = await connect('/events');
    expect(await client.next()).toEqual({ retry: '3000' });
    expect(await client.next()).toEqual({ comment: 'ping' });
    expect(await client.next()).toEqual({ comment: 'ping' });
  });

  it('unsubscribes when the client goes, and close() ends the open streams', async () => {
    const { bus, router, connect } = await setup();
    const start = bus.listenerCount();
    const a = await connect('/events');
    const b = await connect('/sessions/alpha/events');
    expect(bus.listenerCount()).toBe(start + 2);

    a.close();
    await vi.waitFor(() => expect(bus.listenerCount()).toBe(start + 1));
    router.close();
    // The stream ends from our side: the reader sees its end after the retry frame.
    expect(await b.next()).toEqual({ retry: '3000' });
    expect(await b.next()).toBeNull();
    expect(bus.listenerCount()).toBe(start);
  });

  it('answers 400 problem for a bad session id or Last-Event-ID, before any stream starts', async () => {
    const { base } = await setup();
    for (const path of [
      '/sessions/bad%20id/events',
      `/sessions/${'x'.repeat(65)}/events`,
      '/sessions/a.b/events',
    ]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid_session_id' });
    }
    const response = await fetch(`${base}/events`, { headers: { 'Last-Event-ID': 'x'.repeat(129) } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_last_event_id' });
  });
});

describe('event log replay', () => {
  it('resumes across runs: a later run sorts after an earlier one, and its ids keep increasing', async () => {
    const { logger } = captureLogger();
    const earlier = createEventBus({ logger, run: nextRun(null, 1_000_000) });
    const log = await eventLog(earlier, logger);
    const before = ['1', '2'].map((v) => qr(earlier, 'a', v));
    await log.recorder.flush();
    // The next run starts from what the log holds, even with a clock that went back.
    const run = nextRun(await log.store.outbox.lastRun(), 5);
    expect(run > (before[0]?.id.split('_')[1] ?? '')).toBe(true);
    const later = createEventBus({ logger, run });
    log.recorder.close();
    const relog = createOutboxRecorder({
      bus: later,
      outbox: log.store.outbox,
      targets: createWebhookTargets({
        config: { WEBHOOK_URL: undefined, WEBHOOK_EVENTS: ['*'] },
        logger,
        getSessionWebhook: () => null,
      }),
      logger,
      now: () => new Date(),
      onRecorded: () => undefined,
    });
    cleanups.push(() => relog.close());
    const after = ['3', '4'].map((v) => qr(later, 'a', v));
    const buffer = createEventBuffer({ flush: relog.flush, eventsAfter: log.store.outbox.eventsAfter });
    expect((await buffer.after(before[0]?.id ?? '')).map((e) => e.id)).toEqual(
      [before[1], ...after].map((e) => e?.id),
    );
    expect((await buffer.after(after[0]?.id ?? '')).map((e) => e.id)).toEqual([after[1]?.id]);
    expect(await buffer.after(after[1]?.id ?? '')).toEqual([]);
    expect(await buffer.after('anything')).toEqual([]);
  });
});
