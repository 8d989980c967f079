import { accessSync, chmodSync, constants as fsConstants, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { resolveApiKey } from './api-key.js';
import { createBrowserProcesses } from './browser/browser-processes.js';
import { resolveChrome } from './browser/chrome.js';
import { chromeArgsFor } from './browser/chrome-flags.js';
import { reapOrphans } from './browser/orphans.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { toError } from './errors.js';
import { createEventBus } from './events/bus.js';
import { createWebhookDispatcher } from './events/webhook-dispatcher.js';
import { createApp } from './http/app.js';
import { createHealthRouter } from './http/health.js';
import { createQrRenderer } from './http/qr-render.js';
import { createEventsRouter } from './http/routes/events.js';
import { createMessagesRouter } from './http/routes/messages.js';
import { createSimulatorRouter } from './http/routes/simulator.js';
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
  logger.info(
    { source: apiKey.source, generated: apiKey.generated },
    'Every route but /health/* requires the API key',
  );

  const chrome = resolveChrome({
    chromePath: config.CHROME_PATH,
    headless: config.HEADLESS,
    pathEnv: config.pathEnv,
  });
  if (!chrome.found) logger.error({ problem: chrome.problem }, chrome.problem);
  else logger.info({ executablePath: chrome.executablePath, headless: chrome.headless }, 'Chromium found');

  const bus = createEventBus({ logger });
  const processes = createBrowserProcesses({ logger });
  const folders = createAuthFolders({ dataDir: config.dataDir, logger });
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
  });

  // Both before restore(): the first events of restored sessions must be buffered and delivered.
  const webhooks = createWebhookDispatcher({
    bus,
    logger,
    config,
    getSessionWebhook: (id) => manager.get(id).webhook,
  });
  const events = createEventsRouter({ bus, logger });
  const metrics = createMetrics({ manager, bus, webhooks, processes, sessionsRoot: folders.root, logger });
  // Media URLs come from API clients: they may not reach this host or its private networks.
  const mediaFetch = createGuardedFetch(
    config.MEDIA_ALLOW_PRIVATE_NETWORKS ? { allowAddress: () => true } : {},
  );
  const qrRenderer = createQrRenderer();
  const app = createApp({
    qrRenderer,
    manager,
    config,
    logger,
    apiKey: apiKey.key,
    health: createHealthRouter({ dataDir: config.dataDir, chrome }),
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
      events,
      ...(config.SIMULATOR ? [createSimulatorRouter({ manager })] : []),
    ],
  });
  const http = createServer(app);

  const defaultSession = config.DEFAULT_SESSION
    ? createDefaultSession({ id: config.DEFAULT_SESSION, manager, bus, logger })
    : null;

  let stopping: Promise<void> | null = null;
  const shutdown = (code: number, why: string): Promise<void> => {
    if (stopping) return stopping;
    logger.info({ why }, 'Shutting down: closing every session (auth folders kept)');
    defaultSession?.close();
    // Open SSE streams would keep http.close() from ever finishing.
    events.close();
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
      webhooks.close();
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
