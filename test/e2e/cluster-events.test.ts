import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../../src/events/bus.js';
import { startClusterEventFeed } from '../../src/events/cluster-events.js';
import type { EventBus } from '../../src/events/types.js';
import { createWebhookDispatcher, type WebhookDispatcher } from '../../src/events/webhook-dispatcher.js';
import { createEventsRouter } from '../../src/http/routes/events.js';
import { createLogger } from '../../src/logger.js';
import { openStore, type StoreConnection } from '../../src/store/connect.js';
import { createOutboxStore, type OutboxStore } from '../../src/store/outbox.js';
import { startReceiver } from '../events/receiver.js';
import { connectSse, serveRouter } from '../events/sse-client.js';
import { type PostgresCluster, startPostgres } from '../helpers/postgres.js';

const logger = createLogger({ level: 'silent' });

interface Instance {
  id: string;
  connection: StoreConnection;
  outbox: OutboxStore;
  bus: EventBus;
  dispatcher: WebhookDispatcher;
}

describe('cluster mode: events of every instance, webhooks sent once (real PostgreSQL)', () => {
  let pg: PostgresCluster;
  let databases = 0;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await pg?.stop();
  }, 60_000);

  const freshDatabase = async (): Promise<string> => {
    databases += 1;
    return pg.createDatabase(`cluster_events_${databases}`);
  };

  /** One instance's store, bus and dispatcher (as main wires them with CLUSTER=true). */
  const instance = async (id: string, databaseUrl: string, webhookUrl?: string): Promise<Instance> => {
    const connection = await openStore({ dataDir: '/tmp', databaseUrl, logger, connectRetryMs: 0 });
    const outbox = createOutboxStore({ db: connection.db, instanceId: id });
    const bus = createEventBus({ logger, run: await outbox.claimRun() });
    const dispatcher = createWebhookDispatcher({
      bus,
      logger,
      config: { WEBHOOK_URL: webhookUrl, WEBHOOK_SECRET: undefined, WEBHOOK_EVENTS: ['*'] },
      getSessionWebhook: () => null,
      outbox,
      random: () => 0,
      claimSweepMs: 200,
    });
    cleanups.push(async () => {
      await dispatcher.close(100);
      await connection.close();
    });
    return { id, connection, outbox, bus, dispatcher };
  };

  it('gives every instance its own run prefix, even when they start at the same moment', async () => {
    const url = await freshDatabase();
    const connections = await Promise.all(
      [1, 2, 3].map(() => openStore({ dataDir: '/tmp', databaseUrl: url, logger, connectRetryMs: 0 })),
    );
    cleanups.push(async () => {
      for (const c of connections) await c.close();
    });
    const sameMoment = 1_800_000_000_000;
    const runs = await Promise.all(
      connections.map((c) => createOutboxStore({ db: c.db, instanceId: 'x' }).claimRun(sameMoment)),
    );
    expect(new Set(runs).size).toBe(3);
  });

  it('an SSE client on instance A receives an event published on instance B, recorded once and never re-sent', async () => {
    const url = await freshDatabase();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const a = await instance('inst-a', url, receiver.url);
    const b = await instance('inst-b', url, receiver.url);

    let listening!: () => void;
    const ready = new Promise<void>((resolve) => {
      listening = resolve;
    });
    const claims = a.outbox.claims;
    if (claims === null) throw new Error('cluster mode gives the outbox claims');
    const feed = startClusterEventFeed({
      connectionString: url,
      instanceId: a.id,
      bus: a.bus,
      eventsByIds: claims.eventsByIds,
      logger,
      onListening: listening,
    });
    cleanups.push(() => feed.close());
    await ready;
    const router = createEventsRouter({
      bus: feed,
      logger,
      replay: { flush: a.dispatcher.recorder.flush, eventsAfter: a.outbox.eventsAfter },
    });
    const server = await serveRouter(router);
    cleanups.push(async () => {
      router.close();
      await server.close();
    });
    const seenOnBusA: string[] = [];
    const unsubscribe = a.bus.subscribe((e) => seenOnBusA.push(e.id));
    cleanups.push(unsubscribe);

    const stream = await connectSse(`${server.base}/sessions/far-away/events`);
    cleanups.push(() => stream.close());
    await stream.next(); // retry:

    const published = b.bus.publish('session.status', 'far-away', {
      state: 'READY',
      previous: 'AUTHENTICATED',
      reason: null,
    });
    const frame = await stream.nextEvent();
    expect(frame.id).toBe(published.id);
    expect(JSON.parse(frame.data ?? '{}')).toMatchObject({ sessionId: 'far-away', type: 'session.status' });

    // A's own event reaches the stream too, after B's.
    const local = a.bus.publish('session.status', 'far-away', {
      state: 'STOPPED',
      previous: 'READY',
      reason: null,
    });
    expect((await stream.nextEvent()).id).toBe(local.id);

    await receiver.received(2);
    await b.dispatcher.recorder.flush();
    await a.dispatcher.recorder.flush();
    // Never through A's bus: not recorded again, not sent to the webhook again.
    expect(seenOnBusA).toEqual([local.id]);
    const stored = await a.connection.db
      .selectFrom('wa_events')
      .select('id')
      .where('id', '=', published.id)
      .execute();
    expect(stored).toHaveLength(1);
    const deliveries = await a.connection.db
      .selectFrom('wa_deliveries')
      .select(['event_id', 'claimed_by'])
      .where('event_id', '=', published.id)
      .execute();
    expect(deliveries).toEqual([{ event_id: published.id, claimed_by: 'inst-b' }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.map((r) => r.headers['webhook-id']).sort()).toEqual(
      [local.id, published.id].sort(),
    );
  });

  it('two dispatchers on one outbox deliver each event exactly once, a dead instance’s lapsed claims included', async () => {
    const url = await freshDatabase();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());

    // Left by an instance that died: recorded and claimed by it, its claims lapsed since.
    const dead = await instance('inst-dead', url, receiver.url);
    dead.dispatcher.pause();
    for (let i = 0; i < 40; i += 1) {
      dead.bus.publish('message.ack', `s-${i % 4}`, { id: `m-${i}`, ack: 1 });
    }
    await dead.dispatcher.recorder.flush();
    await dead.connection.db
      .updateTable('wa_deliveries')
      .set({ claimed_until: 0 })
      .where('claimed_by', '=', 'inst-dead')
      .execute();

    const a = await instance('inst-a', url, receiver.url);
    const b = await instance('inst-b', url, receiver.url);
    // Both read what is pending at once, as two instances starting together would.
    await Promise.all([a.dispatcher.start(), b.dispatcher.start()]);
    for (let i = 0; i < 20; i += 1) {
      (i % 2 === 0 ? a : b).bus.publish('message.ack', `s-${i % 4}`, { id: `live-${i}`, ack: 2 });
    }
    await receiver.received(60);
    // Time for any second copy to show up (sweeps run every 200 ms).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const ids = receiver.requests.map((r) => String(r.headers['webhook-id']));
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    const sentBy = await a.connection.db
      .selectFrom('wa_deliveries')
      .select(['claimed_by', 'status'])
      .where('event_id', 'in', ids)
      .execute();
    expect(sentBy.every((d) => d.status === 'delivered')).toBe(true);
    // The dead instance's deliveries were taken over by the live ones.
    expect(sentBy.some((d) => d.claimed_by === 'inst-dead')).toBe(false);
  });
});
