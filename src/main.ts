import { accessSync, chmodSync, constants as fsConstants, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { apiKeyFingerprint, apiKeyStrength, MIN_API_KEY_LENGTH, resolveApiKey } from './api-key.js';
import { createBrowserProcesses } from './browser/browser-processes.js';
import { resolveChrome } from './browser/chrome.js';
import { chromeArgsFor } from './browser/chrome-flags.js';
import { reapOrphans } from './browser/orphans.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { toError } from './errors.js';
import { createEventBus, nextRun } from './events/bus.js';
import { createWebhookDispatcher } from './events/webhook-dispatcher.js';
import { createWebhookFetch } from './events/webhook-url-guard.js';
import { createApp } from './http/app.js';
import { createHealthRouter } from './http/health.js';
import { createQrRenderer } from './http/qr-render.js';
import { createChatsRouter } from './http/routes/chats.js';
import { createContactsRouter } from './http/routes/contacts.js';
import { createEventsRouter } from './http/routes/events.js';
import { createGroupsRouter } from './http/routes/groups.js';
import { createMediaRouter } from './http/routes/media.js';
import { createMessageActionsRouter } from './http/routes/message-actions.js';
import { createMessagesRouter } from './http/routes/messages.js';
import { createSimulatorRouter } from './http/routes/simulator.js';
import { createWebhooksRouter } from './http/routes/webhooks.js';
import { createHttpServer } from './http/server.js';
import { createLogger, type Logger } from './logger.js';
import { createMediaFetcher } from './messages/fetch-media.js';
import { createGuardedFetch } from './messages/guarded-fetch.js';
import { createMetrics } from './metrics/metrics.js';
import { installSafetyNet } from './safety-net.js';
import { createAuthFolders } from './sessions/auth-folders.js';
import { createDefaultSession } from './sessions/default-session.js';
import { createSessionManager } from './sessions/manager.js';
import { createWwebjsClientFactory } from './sessions/wwebjs-client.js';
import { prepareSimulatorCache } from './simulator/web-cache.js';
import { StoreStartError } from './store/connect.js';
import { createStore, type Store } from './store/store.js';
import { printQrCodesToTerminal } from './terminal-qr.js';
import { withTimeout } from './timeout.js';

const USAGE = `wa-sessions: a REST API server for many WhatsApp Web sessions.

Usage: npm start            (or: node dist/main.js)
       node dist/main.js --help

Every setting comes from the environment (or a .env file); see .env.example and README.md.
The most used: PORT (3000), DATA_DIR (./data), API_KEY, CHROME_PATH, SIMULATOR (false).`;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

/**
 * DATA_DIR holds every WhatsApp login (the browser profiles) and the API key: only the server's user
 * may enter it, whatever mode an earlier version or a volume mount gave it.
 */
const ensurePrivateDir = (dir: string): void => {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    accessSync(dir, fsConstants.W_OK);
  } catch (err) {
    fail(`DATA_DIR=${dir} is not a writable folder: ${toError(err).message}`);
  }
};

const listen = (server: Server, config: Config): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });

const run = async (): Promise<void> => {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const logger: Logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  // Everything the server and its browsers create (profiles, caches, the trash) is private to this
  // user: folders 0700, files 0600. Chromium inherits the umask.
  process.umask(0o077);
  ensurePrivateDir(config.dataDir);
  const lock = await acquireDataDirLock(config.dataDir);
  if (!lock.acquired) {
    return fail(
      `DATA_DIR=${config.dataDir} is in use by another wa-sessions server (pid ${lock.holderPid}): ` +
        'stop it first, or give this server its own DATA_DIR',
    );
  }
  // Every way out (exit 0 after a shutdown, exit 1 on a fatal error) releases it; a kill -9 leaves a
  // lock whose pid is gone, which the next start takes over.
  process.on('exit', lock.release);
  if (lock.tookOverFrom !== null)
    logger.warn({ pid: lock.tookOverFrom }, 'Took over the DATA_DIR lock of a server that is gone');
  const apiKey = await resolveApiKey({
    configured: config.API_KEY,
    dataDir: config.dataDir,
    write: (text) => process.stderr.write(text),
  });
  const strength = apiKeyStrength(apiKey.key, config.HOST);
  if (strength.verdict === 'refused') fail(strength.message);
  if (strength.verdict === 'weak') logger.warn({ minLength: MIN_API_KEY_LENGTH }, strength.message);
  logger.info(
    { source: apiKey.source, generated: apiKey.generated, fingerprint: apiKeyFingerprint(apiKey.key) },
    'Every route but /health/* requires the API key',
  );

  const chrome = resolveChrome({
    chromePath: config.CHROME_PATH,
    headless: config.HEADLESS,
    pathEnv: config.pathEnv,
  });
  if (!chrome.found) logger.error({ problem: chrome.problem }, chrome.problem);
  else logger.info({ executablePath: chrome.executablePath, headless: chrome.headless }, 'Chromium found');

  const processes = createBrowserProcesses({ logger });
  const folders = createAuthFolders({ dataDir: config.dataDir, logger });
  // The store: sessions registry, webhook outbox, event log (SQLite in DATA_DIR, or DATABASE_URL).
  let store: Store;
  try {
    store = await createStore({
      dataDir: config.dataDir,
      databaseUrl: config.DATABASE_URL,
      connectRetryMs: config.DATABASE_CONNECT_RETRY_MS,
      retentionMs: config.WEBHOOK_RETENTION,
      folders,
      logger,
    });
  } catch (err) {
    if (err instanceof StoreStartError) return fail(err.message);
    throw err;
  }
  // Event ids of this run sort after every id stored, so Last-Event-ID resumes across restarts.
  const bus = createEventBus({ logger, run: nextRun(await store.outbox.lastRun()) });
  const reaping = {
    processes,
    sessionsRoot: folders.root,
    chromePath: chrome.found ? chrome.executablePath : null,
    logger,
  };
  // The library keeps the WhatsApp Web page it ran in a local cache, by default ./.wwebjs_cache in
  // the working directory (read-only in the image): always point it under DATA_DIR.
  const web = config.SIMULATOR
    ? await prepareSimulatorCache(path.join(config.dataDir, 'simulator-cache'))
    : {
        ...(config.WA_WEB_VERSION ? { webVersion: config.WA_WEB_VERSION } : {}),
        webVersionCache: {
          type: 'local' as const,
          path: config.WA_WEB_CACHE_DIR ?? path.join(config.dataDir, 'wa-web-cache'),
          strict: false,
        },
      };
  if (config.SIMULATOR)
    logger.warn('SIMULATOR=true: every session runs on the offline WhatsApp Web simulator');

  const clientFactory = createWwebjsClientFactory({
    executablePath: chrome.found ? chrome.executablePath : '',
    headless: chrome.found ? chrome.headless : 'shell',
    args: chromeArgsFor({
      preset: config.CHROME_FLAGS_PRESET,
      sandbox: config.CHROME_SANDBOX,
      extra: config.CHROME_ARGS,
    }),
    env: config.browserEnv,
    protocolTimeoutMs: config.PROTOCOL_TIMEOUT_MS,
    launchTimeoutMs: config.LAUNCH_TIMEOUT_MS,
    logger,
    ...web,
  });
  const manager = createSessionManager({
    config,
    logger,
    bus,
    clientFactory,
    folders,
    processes,
    browserMissing: chrome.found ? null : chrome.problem,
    records: store.sessions,
  });

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
  const events = createEventsRouter({
    bus,
    logger,
    maxStreamsPerKey: config.SSE_MAX_STREAMS_PER_KEY,
    replay: { flush: webhooks.recorder.flush, eventsAfter: store.outbox.eventsAfter },
  });
  const metrics = createMetrics({ manager, bus, webhooks, processes, sessionsRoot: folders.root, logger });
  // Media URLs come from API clients: they may not reach this host or its private networks.
  const mediaFetch = createGuardedFetch(
    config.MEDIA_ALLOW_PRIVATE_NETWORKS ? { allowAddress: () => true } : {},
  );
  const qrRenderer = createQrRenderer();
  const chats = createChatsRouter({ manager, logger });
  const app = createApp({
    qrRenderer,
    manager,
    config,
    logger,
    apiKey: apiKey.key,
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

  const defaultSession = config.DEFAULT_SESSION
    ? createDefaultSession({ id: config.DEFAULT_SESSION, manager, bus, logger })
    : null;

  let stopping: Promise<void> | null = null;
  const shutdown = (code: number, why: string): Promise<void> => {
    if (stopping) return stopping;
    const shutdownDeadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS - 500;
    logger.info({ why }, 'Shutting down: closing every session (auth folders kept)');
    defaultSession?.close();
    // No new webhook delivery starts; those in flight finish (or stay pending) in webhooks.close().
    webhooks.pause();
    // Open SSE streams would keep http.close() from ever finishing.
    events.close();
    chats.close();
    http.close();
    http.closeIdleConnections();
    const work = async () => {
      try {
        await withTimeout(manager.shutdown(), Math.max(500, config.SHUTDOWN_TIMEOUT_MS - 1000), 'shutdown');
      } catch (err) {
        logger.error({ err: toError(err) }, 'Sessions did not close in time: killing their browsers');
      }
      // Whatever is left — a browser that did not close in time, or one still launching for a
      // session that was torn down — is ours (its profile is under DATA_DIR): it must not outlive us.
      await reapOrphans({ ...reaping, killWaitMs: 500 }).catch((err: unknown) =>
        logger.error({ err: toError(err) }, 'Could not kill the browsers left at shutdown'),
      );
      // What is left of SHUTDOWN_TIMEOUT_MS for deliveries in flight; then every result and event is written.
      await webhooks.close(Math.max(0, shutdownDeadline - Date.now()));
      await store
        .close()
        .catch((err: unknown) => logger.warn({ err: toError(err) }, 'Could not close the store'));
      void webhookFetch.close();
      metrics.close();
      app.close();
      void mediaFetch.close();
      http.closeAllConnections();
      logger.info({ code }, 'Stopped');
      logger.flush();
      process.exit(code);
    };
    stopping = work();
    return stopping;
  };

  installSafetyNet({ logger, onFatal: () => void shutdown(1, 'uncaught exception') });
  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.on('SIGINT', () => void shutdown(0, 'SIGINT'));

  // On a terminal every QR is drawn; in a log collector only the default session's, whose user
  // asked to link from the terminal (docker logs shows it).
  if (process.stdout.isTTY || config.DEFAULT_SESSION) {
    printQrCodesToTerminal({
      bus,
      render: qrRenderer.terminal,
      logger,
      write: (text) => process.stdout.write(text),
      ...(process.stdout.isTTY || !config.DEFAULT_SESSION ? {} : { onlySession: config.DEFAULT_SESSION }),
    });
  }

  // Before the first request: a session created now must not be taken for an orphan and killed.
  await reapOrphans({ ...reaping, killWaitMs: 5000 });
  try {
    await listen(http, config);
  } catch (err) {
    fail(`Cannot listen on ${config.HOST}:${config.PORT} (PORT, HOST): ${toError(err).message}`);
  }
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ host: config.HOST, port }, `wa-sessions listening on http://${config.HOST}:${port}`);

  if (config.RESTORE_ON_START && chrome.found) await manager.restore();
  // After restore, which brings the default session back (paired) when its folder exists.
  if (defaultSession && chrome.found) await defaultSession.start();
};

run().catch((err: unknown) => {
  if (err instanceof ConfigError) fail(err.message);
  process.stderr.write(`wa-sessions failed to start: ${toError(err).stack ?? String(err)}\n`);
  process.exit(1);
});
