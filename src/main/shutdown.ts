import { reapOrphans } from '../browser/orphans.js';
import type { Config } from '../config.js';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { installSafetyNet } from '../safety-net.js';
import type { createDefaultSession } from '../sessions/default-session.js';
import type { Store } from '../store/store.js';
import { withTimeout } from '../timeout.js';
import type { Cluster } from './cluster.js';
import type { Http } from './http.js';
import type { Sessions } from './sessions.js';
import type { Webhooks } from './webhooks.js';

export type Shutdown = (code: number, why: string) => Promise<void>;

/** Closes everything in order, once however often it is asked, then exits with `code`. */
export const createShutdown = (deps: {
  config: Config;
  logger: Logger;
  store: Store;
  sessions: Sessions;
  webhooks: Webhooks;
  /** Null until the HTTP layer is loaded: restore starts before it (main.ts). */
  http: () => Http | null;
  defaultSession: ReturnType<typeof createDefaultSession> | null;
  cluster?: Cluster | null;
}): Shutdown => {
  const { config, logger, store, defaultSession, cluster } = deps;
  const { manager, reaping } = deps.sessions;
  const { webhookFetch, webhooks, events } = deps.webhooks;
  let stopping: Promise<void> | null = null;
  const shutdown = (code: number, why: string): Promise<void> => {
    if (stopping) return stopping;
    const shutdownDeadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS - 500;
    logger.info({ why }, 'Shutting down: closing every session (auth folders kept)');
    const web = deps.http();
    defaultSession?.close();
    // Cluster mode: no session is claimed from now on; manager.shutdown() hands every one over
    // (archive saved, browser closed, lease released and announced), the others take them at once.
    cluster?.stopTakeover();
    // No new webhook delivery starts; those in flight finish (or stay pending) in webhooks.close().
    webhooks.pause();
    // Open SSE streams would keep http.close() from ever finishing.
    events.close();
    web?.chats.close();
    web?.http.close();
    web?.http.closeIdleConnections();
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
      // After every browser is gone: the leases left are released, this instance leaves wa_instances.
      await cluster?.leave();
      // What is left of SHUTDOWN_TIMEOUT_MS for deliveries in flight; then every result and event is written.
      await webhooks.close(Math.max(0, shutdownDeadline - Date.now()));
      await store
        .close()
        .catch((err: unknown) => logger.warn({ err: toError(err) }, 'Could not close the store'));
      void webhookFetch.close();
      if (web) {
        web.metrics.close();
        void web.mediaFetch.close();
        void web.cluster?.forwarder.close();
        web.http.closeAllConnections();
      }
      logger.info({ code }, 'Stopped');
      logger.flush();
      process.exit(code);
    };
    stopping = work();
    return stopping;
  };
  return shutdown;
};

/** A fatal error exits 1 after a shutdown; SIGTERM and SIGINT exit 0 after one. */
export const installSignals = (logger: Logger, shutdown: Shutdown): void => {
  installSafetyNet({ logger, onFatal: () => void shutdown(1, 'uncaught exception') });
  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.on('SIGINT', () => void shutdown(0, 'SIGINT'));
};
