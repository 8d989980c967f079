import { createBrowserProcesses } from './browser/browser-processes.js';
import { ConfigError } from './config.js';
import { toError } from './errors.js';
import { createLogger } from './logger.js';
import { loadApiKey } from './main/api-key.js';
import { findChrome } from './main/chrome.js';
import { startCluster } from './main/cluster.js';
import { parseConfig } from './main/config.js';
import { claimDataDir } from './main/data-dir.js';
import { fail } from './main/fail.js';
import type { Http } from './main/http.js';
import { listen, reapLeftBrowsers } from './main/listen.js';
import { restoreSessions } from './main/restore.js';
import { createSessions } from './main/sessions.js';
import { createShutdown, installSignals, type Shutdown } from './main/shutdown.js';
import { openStore } from './main/store.js';
import { showQrCodes } from './main/terminal-qr.js';
import { startWebhooks } from './main/webhooks.js';
import { createAuthFolders } from './sessions/auth-folders.js';
import { createDefaultSession } from './sessions/default-session.js';
import { logStartupStep, sinceProcessStart } from './startup-clock.js';

/** The process entry: the only place that wires real things; each step's body is in src/main/. */
const run = async (): Promise<void> => {
  const loadedAt = sinceProcessStart();
  const config = parseConfig();
  if (!config) return;
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  logStartupStep(logger, 'modules loaded', loadedAt);
  await claimDataDir(config, logger);
  const apiKey = await loadApiKey(config, logger);
  const chrome = findChrome(config, logger);

  const processes = createBrowserProcesses({ logger });
  const folders = createAuthFolders({ dataDir: config.dataDir, logger });
  // The store: sessions registry, webhook outbox, event log (SQLite in DATA_DIR, or DATABASE_URL).
  const store = await openStore({ config, folders, logger });
  logStartupStep(logger, 'store open');
  // Cluster mode (null without CLUSTER): joins wa_instances; its leases are the manager's ownership.
  const cluster = await startCluster({ config, logger, store });
  const sessions = await createSessions({ config, logger, chrome, processes, folders, store, cluster });
  const { bus, manager, reaping } = sessions;
  const webhooks = await startWebhooks({ config, logger, sessions, store });

  const defaultSession = config.DEFAULT_SESSION
    ? createDefaultSession({ id: config.DEFAULT_SESSION, manager, bus, logger })
    : null;
  // Null until the HTTP layer is loaded, below: restore starts first.
  let http: Http | null = null;
  let stopping = false;
  const closeAll = createShutdown({
    config,
    logger,
    store,
    sessions,
    webhooks,
    http: () => http,
    defaultSession,
    cluster,
  });
  const shutdown: Shutdown = (code, why) => {
    stopping = true;
    return closeAll(code, why);
  };
  cluster?.onFatal((why) => void shutdown(1, why));
  installSignals(logger, shutdown);
  // The renderer comes with the HTTP layer; a QR of a session restored meanwhile waits for it.
  let httpLoaded: (loaded: Http) => void = () => undefined;
  const httpReady = new Promise<Http>((resolve) => {
    httpLoaded = resolve;
  });
  showQrCodes({
    config,
    logger,
    bus,
    qrRenderer: { terminal: async (qr) => (await httpReady).qrRenderer.terminal(qr) },
  });

  await reapLeftBrowsers(reaping);
  // Restore starts before the HTTP layer is loaded: its modules load while the first browsers launch
  // (`npm run bench -- --only restore` prints the timeline). Every restored session is listed STARTING
  // at once, before the server listens, so its status answers from the first request. Cluster mode's
  // takeover waits for the server to listen: other instances forward requests to it.
  const restore = () => restoreSessions({ config, chrome, manager, defaultSession, cluster, folders });
  const restoring = cluster ? null : settled(restore());
  logStartupStep(logger, 'restore begun');
  const { createHttp } = await import('./main/http.js');
  const web = await createHttp({
    config,
    logger,
    apiKey,
    chrome,
    processes,
    folders,
    store,
    sessions,
    webhooks,
  });
  http = web;
  httpLoaded(web);
  logStartupStep(logger, 'wired');
  // A signal that came while the HTTP layer loaded: the shutdown runs, nothing more starts.
  if (stopping) return;
  const problem = await listen({ config, logger, http: web.http });
  if (problem !== null) {
    // Sessions may be starting already: they are closed before the process exits 1.
    process.stderr.write(`${problem}\n`);
    await shutdown(1, problem);
    return;
  }
  logStartupStep(logger, 'listening');
  const outcome = restoring ? await restoring : await settled(restore());
  if (outcome.failed) throw outcome.err;
  logStartupStep(logger, 'restore done');
};

/** A promise that never rejects: awaited later, after other work, without an unhandled rejection meanwhile. */
const settled = (work: Promise<void>): Promise<{ failed: false } | { failed: true; err: unknown }> =>
  work.then(
    () => ({ failed: false }),
    (err: unknown) => ({ failed: true, err }),
  );

run().catch((err: unknown) => {
  if (err instanceof ConfigError) fail(err.message);
  process.stderr.write(`wa-sessions failed to start: ${toError(err).stack ?? String(err)}\n`);
  process.exit(1);
});
