import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { createBrowserProcesses } from '../browser/browser-processes.js';
import { chromeArgsFor } from '../browser/chrome-flags.js';
import { createAuthArchives } from '../cluster/auth-archives.js';
import type { Config } from '../config.js';
import { createEventBus, nextRun } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { createAuthFolders } from '../sessions/auth-folders.js';
import { createSessionManager } from '../sessions/manager.js';
import { createWwebjsClientFactory } from '../sessions/wwebjs-client.js';
import { prepareSimulatorCache } from '../simulator/web-cache.js';
import type { Store } from '../store/store.js';
import type { Chrome } from './chrome.js';
import type { Cluster } from './cluster.js';

export interface SessionsDeps {
  config: Config;
  logger: Logger;
  chrome: Chrome;
  processes: ReturnType<typeof createBrowserProcesses>;
  folders: ReturnType<typeof createAuthFolders>;
  store: Store;
  /** Cluster mode: the manager claims a lease before every browser start (null: a single instance). */
  cluster?: Cluster | null;
}

/** The event bus, the session manager on real whatsapp-web.js clients, and what orphan reaping needs. */
export const createSessions = async (deps: SessionsDeps) => {
  const { config, logger, chrome, processes, folders, store } = deps;
  // Event ids of this run sort after every id stored, so Last-Event-ID resumes across restarts.
  // In cluster mode also unique across instances (claimRun), so an event id names one event anywhere.
  const run = config.CLUSTER ? await store.outbox.claimRun() : nextRun(await store.outbox.lastRun());
  const bus = createEventBus({ logger, run });
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
    // Cluster mode: each profile is also an archive in PostgreSQL, so that another instance can run it.
    ...(config.CLUSTER ? { archive: await archiveSettings(config, store) } : {}),
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
    // Half of SHUTDOWN_TIMEOUT_MS for a hand-over's archive save: the close and the release need the rest.
    ...(deps.cluster
      ? { ownership: deps.cluster.ownership, backupTimeoutMs: Math.floor(config.SHUTDOWN_TIMEOUT_MS / 2) }
      : {}),
  });
  return { bus, manager, reaping };
};

const archiveSettings = async (config: Config, store: Store) => {
  const stagingRoot = path.join(config.dataDir, 'auth-staging');
  // Zips and copies a killed process left half made: no session runs yet, none is in use.
  await rm(stagingRoot, { recursive: true, force: true });
  // Loaded here, in cluster mode only: it brings archiver and unzipper (src/whatsapp/wwebjs-lib.ts).
  const { ArchivedAuth } = await import('../cluster/remote-auth.js');
  return {
    ArchivedAuth,
    archives: createAuthArchives({ db: store.connection.db, instanceId: config.INSTANCE_ID }),
    stagingRoot,
    backupIntervalMs: config.AUTH_BACKUP_INTERVAL_MS,
  };
};

export type Sessions = Awaited<ReturnType<typeof createSessions>>;
