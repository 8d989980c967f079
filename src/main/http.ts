import type { createBrowserProcesses } from '../browser/browser-processes.js';
import type { Config } from '../config.js';
import { createApp } from '../http/app.js';
import { createHealthRouter } from '../http/health.js';
import { createQrRenderer } from '../http/qr-render.js';
import { createChatsRouter } from '../http/routes/chats.js';
import { createContactsRouter } from '../http/routes/contacts.js';
import { createGroupsRouter } from '../http/routes/groups.js';
import { createMediaRouter } from '../http/routes/media.js';
import { createMessageActionsRouter } from '../http/routes/message-actions.js';
import { createMessagesRouter } from '../http/routes/messages.js';
import { createSimulatorRouter } from '../http/routes/simulator.js';
import { createWebhooksRouter } from '../http/routes/webhooks.js';
import { createHttpServer } from '../http/server.js';
import type { Logger } from '../logger.js';
import { createMediaFetcher } from '../messages/fetch-media.js';
import { createGuardedFetch } from '../messages/guarded-fetch.js';
import { createMetrics } from '../metrics/metrics.js';
import type { createAuthFolders } from '../sessions/auth-folders.js';
import type { Store } from '../store/store.js';
import type { Chrome } from './chrome.js';
import type { Sessions } from './sessions.js';
import type { Webhooks } from './webhooks.js';

export interface HttpDeps {
  config: Config;
  logger: Logger;
  apiKey: string;
  chrome: Chrome;
  processes: ReturnType<typeof createBrowserProcesses>;
  folders: ReturnType<typeof createAuthFolders>;
  store: Store;
  sessions: Sessions;
  webhooks: Webhooks;
}

/** The Express app with every router, and the HTTP server around it (not listening yet). */
export const createHttp = async (deps: HttpDeps) => {
  const { config, logger, apiKey, chrome, processes, folders, store } = deps;
  const { manager, bus } = deps.sessions;
  const { webhooks, events } = deps.webhooks;
  const metrics = createMetrics({ manager, bus, webhooks, processes, sessionsRoot: folders.root, logger });
  // Media URLs come from API clients: they may not reach this host or its private networks.
  const mediaFetch = createGuardedFetch(
    config.MEDIA_ALLOW_PRIVATE_NETWORKS ? { allowAddress: () => true } : {},
  );
  const qrRenderer = createQrRenderer();
  const chats = createChatsRouter({ manager, logger });
  // Cluster mode only: its forwarding brings undici (~6 MiB RSS) a single server does not need.
  const cluster = config.CLUSTER
    ? (await import('./cluster-routing.js')).createClusterRouting({
        config,
        logger,
        db: store.connection.db,
        manager,
        bus: deps.sessions.bus,
      })
    : null;
  const app = createApp({
    ...(cluster ? { cluster: cluster.app } : {}),
    qrRenderer,
    manager,
    config,
    logger,
    apiKey,
    health: createHealthRouter({
      dataDir: config.dataDir,
      chrome,
      logger,
      store: async () => {
        const check = await store.check();
        if (check.status === 'ok' && webhooks.recorder.failing()) {
          return {
            status: 'fail',
            problem: `The database (${store.connection.location}) refuses writes; ${webhooks.recorder.backlog()} event(s) wait in memory`,
          };
        }
        return check;
      },
    }),
    metrics,
    routers: [
      createMessagesRouter({
        manager,
        fetchMedia: createMediaFetcher({
          fetch: mediaFetch,
          maxBytes: config.MEDIA_MAX_BYTES,
          timeoutMs: config.MEDIA_TIMEOUT_MS,
        }),
        limits: { maxMediaBytes: config.MEDIA_MAX_BYTES, mediaTimeoutMs: config.MEDIA_TIMEOUT_MS },
      }),
      chats,
      createContactsRouter({ manager }),
      createMessageActionsRouter({ manager }),
      createGroupsRouter({ manager }),
      createMediaRouter({
        manager,
        limits: { maxBytes: config.MEDIA_DOWNLOAD_MAX_BYTES, timeoutMs: config.MEDIA_DOWNLOAD_TIMEOUT_MS },
      }),
      events,
      createWebhooksRouter({
        deliveries: { list: webhooks.list, retry: webhooks.retry, get: store.outbox.get },
      }),
      ...(config.SIMULATOR ? [createSimulatorRouter({ manager })] : []),
    ],
  });
  const http = createHttpServer(app, {
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    maxConnections: config.HTTP_MAX_CONNECTIONS,
  });
  return { metrics, mediaFetch, qrRenderer, chats, app, http, cluster };
};

export type Http = Awaited<ReturnType<typeof createHttp>>;
