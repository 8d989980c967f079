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
import { createHttp } from './main/http.js';
import { listen } from './main/listen.js';
import { restoreSessions } from './main/restore.js';
import { createSessions } from './main/sessions.js';
import { createShutdown, installSignals } from './main/shutdown.js';
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
  const http = createHttp({ config, logger, apiKey, chrome, processes, folders, store, sessions, webhooks });

  const defaultSession = config.DEFAULT_SESSION
    ? createDefaultSession({ id: config.DEFAULT_SESSION, manager, bus, logger })
    : null;
  const shutdown = createShutdown({
    config,
    logger,
    store,
    sessions,
    webhooks,
    http,
    defaultSession,
    cluster,
  });
  cluster?.onFatal((why) => void shutdown(1, why));
  installSignals(logger, shutdown);
  showQrCodes({ config, logger, bus, qrRenderer: http.qrRenderer });

  logStartupStep(logger, 'wired');
  await listen({ config, logger, http: http.http, reaping });
  logStartupStep(logger, 'listening');
  await restoreSessions({ config, chrome, manager, defaultSession, cluster, folders });
  logStartupStep(logger, 'restore done');
};

run().catch((err: unknown) => {
  if (err instanceof ConfigError) fail(err.message);
  process.stderr.write(`wa-sessions failed to start: ${toError(err).stack ?? String(err)}\n`);
  process.exit(1);
});
