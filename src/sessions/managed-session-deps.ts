import type { ClientCloser } from '../browser/client-closer.js';
import type { Config } from '../config.js';
import type { EventBus } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { AuthFolders } from './auth-folders.js';
import type { FolderGuard } from './folder-guard.js';
import type { LaunchQueue } from './launch-queue.js';
import type { SessionRecords } from './session-records.js';
import type { ClientFactory, SessionClient } from './types.js';

/** What a ManagedSession is given by the registry that opens it (manager.ts). */
export type ManagedSessionConfig = Pick<
  Config,
  | 'AUTO_CLEANUP_ON_LOGOUT'
  | 'LOGOUT_CLEANUP_DELAY_MS'
  | 'LOGOUT_TIMEOUT_MS'
  | 'INIT_TIMEOUT_MS'
  | 'RESTART_MAX_ATTEMPTS'
  | 'RESTART_BACKOFF_MS'
>;

export interface ManagedSessionDeps {
  config: ManagedSessionConfig;
  logger: Logger;
  bus: EventBus;
  now: () => Date;
  /** The jitter of automatic restarts: a number in [0, 1). */
  random: () => number;
  clientFactory: ClientFactory;
  folders: AuthFolders;
  guard: FolderGuard;
  /** LAUNCH_CONCURRENCY: every session's browser launch waits here for a slot. */
  launches: LaunchQueue;
  /** Closes a client and makes sure no browser is left on its profile; never throws (client-closer.ts). */
  closeClient: ClientCloser;
  /** Whether the client's browser answers a short probe; never throws. */
  probeBrowser: (client: SessionClient) => Promise<boolean>;
  /** Kills whatever still runs on the session's profile (bounded); before its folder is removed. */
  killProfile: () => Promise<void>;
  /** Runs `work` under this session id's lock (the registry's). */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  /** True while the registry lists this very object under its id. */
  isListed: () => boolean;
  /** Takes it out of the registry: the last step of a teardown. */
  unlist: () => void;
  /** The durable sessions registry (src/store); without it the folder's wa-sessions.json keeps the webhook. */
  records?: SessionRecords | undefined;
}

/**
 * Cluster mode: one session's lease. `claim` before a browser starts (rejects 409 when another
 * instance runs it); `release` when the session leaves this instance.
 */
export interface SessionLease {
  claim(): Promise<void>;
  release(): Promise<void>;
  /** How long a hand-over waits for the client's backupAuth(). */
  backupTimeoutMs: number;
}
