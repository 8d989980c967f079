import type { Config } from '../config.js';
import { createWebhookDispatcher } from '../events/webhook-dispatcher.js';
import { createWebhookFetch } from '../events/webhook-url-guard.js';
import { createEventsRouter } from '../http/routes/events.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { Sessions } from './sessions.js';

/** Webhook delivery (pending ones of an earlier run sent again) and the SSE events router. */
export const startWebhooks = async (deps: {
  config: Config;
  logger: Logger;
  sessions: Sessions;
  store: Store;
}) => {
  const { config, logger, store } = deps;
  const { bus, manager } = deps.sessions;
  // Both before restore(): the first events of restored sessions must be buffered and delivered.
  // Session webhooks go through the connect-time address guard; the operator's WEBHOOK_URL does not.
  const webhookFetch = createWebhookFetch({
    globalUrl: config.WEBHOOK_URL,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
  });
  const webhooks = createWebhookDispatcher({
    bus,
    logger,
    config,
    fetch: webhookFetch,
    getSessionWebhook: (id) => manager.get(id).webhook,
    outbox: store.outbox,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    maxDelayMs: config.WEBHOOK_MAX_DELAY_MS,
  });
  // Pending deliveries left by an earlier run (SIGTERM, crash) go out again, with their webhook-id.
  await webhooks.start();
  // Cluster mode: SSE carries the events of sessions running on every instance. Loaded only there:
  // it brings pg (~30 ms of every start, and its memory, otherwise, with SQLite).
  const feed =
    config.CLUSTER && config.DATABASE_URL && store.outbox.claims
      ? (await import('../events/cluster-events.js')).startClusterEventFeed({
          connectionString: config.DATABASE_URL,
          instanceId: config.INSTANCE_ID,
          bus,
          eventsByIds: store.outbox.claims.eventsByIds,
          logger,
        })
      : null;
  const router = createEventsRouter({
    bus: feed ?? bus,
    logger,
    maxStreamsPerKey: config.SSE_MAX_STREAMS_PER_KEY,
    replay: { flush: webhooks.recorder.flush, eventsAfter: store.outbox.eventsAfter },
  });
  const closeStreams = router.close.bind(router);
  // Closing the streams also ends the feed's connection (shutdown calls events.close()).
  const events = Object.assign(router, {
    close() {
      closeStreams();
      void feed?.close();
    },
  });
  return { webhookFetch, webhooks, events };
};

export type Webhooks = Awaited<ReturnType<typeof startWebhooks>>;
