import type { BrowserProcesses } from '../browser/browser-processes.js';
import { createClientCloser, probeClient } from '../browser/client-closer.js';
import { createProfileProcesses, type ProfileProcesses } from '../browser/profile-processes.js';
import type { SessionOwnership } from '../cluster/types.js';
import type { Config } from '../config.js';
import { parseSessionId } from '../domain/session-id.js';
import { appError } from '../error-catalog.js';
import { toError } from '../errors.js';
import type { EventBus } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { AuthFolders } from './auth-folders.js';
import { type ClusterHooks, createClusterHooks, leaseOf } from './cluster-hooks.js';
import { ClusteredSession } from './clustered-session.js';
import { createFolderGuard } from './folder-guard.js';
import { KeyedLock } from './keyed-lock.js';
import { LaunchQueue } from './launch-queue.js';
import { ManagedSession } from './managed-session.js';
import type { ManagedSessionDeps } from './managed-session-deps.js';
import { restoreSessions } from './restore.js';
import { createSessionActions } from './session-actions.js';
import { sessionNotFound, wrongState } from './session-errors.js';
import type { SessionRecord, SessionRecords } from './session-records.js';
import type { ClientFactory, CreateSessionOptions, SessionManager } from './types.js';

export type ManagerConfig = Pick<
  Config,
  | 'AUTO_CLEANUP_ON_LOGOUT'
  | 'LOGOUT_CLEANUP_DELAY_MS'
  | 'DESTROY_TIMEOUT_MS'
  | 'LOGOUT_TIMEOUT_MS'
  | 'INIT_TIMEOUT_MS'
  | 'PROTOCOL_TIMEOUT_MS'
  | 'RESTORE_CONCURRENCY'
  | 'MAX_SESSIONS'
  | 'RESTART_MAX_ATTEMPTS'
  | 'RESTART_BACKOFF_MS'
  | 'LAUNCH_CONCURRENCY'
>;

export interface SessionManagerDeps {
  config: ManagerConfig;
  logger: Logger;
  bus: EventBus;
  clientFactory: ClientFactory;
  folders: AuthFolders;
  processes: BrowserProcesses;
  /** The process table by profile folder; the real one unless a test gives another. */
  profiles?: ProfileProcesses;
  /** Set when no Chromium was found: creating a session answers 503 with this text. */
  browserMissing?: string | null;
  now?: () => Date;
  /** The jitter of automatic restarts (Math.random unless a test fixes it). */
  random?: () => number;
  /** How long to wait for a killed browser's processes to be gone. */
  killWaitMs?: number;
  /** How often folders that could not be removed are tried again. */
  trashSweepMs?: number;
  /**
   * The durable sessions registry (src/store): written at create, stop and delete; restore reads it.
   * Without it (unit tests) the folders and their `wa-sessions.json` are the registry, as before.
   */
  records?: SessionRecords;
  /** Cluster mode: the leases (src/cluster/leases.ts); a session runs here only while it holds one. */
  ownership?: SessionOwnership;
  /** Cluster mode: how long leaving (stop, hand-over) waits for a session's auth backup. */
  backupTimeoutMs?: number;
}

export interface InternalSessionManager extends SessionManager {
  /** Ids with an operation running or queued under their lock (tests wait for quiet with it). */
  busyIds(): string[];
  /** Cluster mode's takeover, fencing and lost leases; null without an `ownership`. */
  readonly cluster: ClusterHooks | null;
}

/**
 * The session registry: which sessions exist (the Map), one operation at a time per id (the lock),
 * MAX_SESSIONS, and the API the routes call. What happens to one session is its ManagedSession's
 * (managed-session.ts); this file only finds it, or opens a new one, and calls it under the lock.
 */
export const createSessionManager = (deps: SessionManagerDeps): InternalSessionManager => {
  const { config, bus, folders, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const sessions = new Map<string, ManagedSession>();
  const lock = new KeyedLock();
  const guard = createFolderGuard(folders);
  const launches = new LaunchQueue(config.LAUNCH_CONCURRENCY);
  const actions = createSessionActions(config);
  const killWaitMs = deps.killWaitMs ?? 5000;
  const { ownership } = deps;
  const leaseFor = ownership ? (id: string) => leaseOf(ownership, id, deps.backupTimeoutMs ?? 30_000) : null;
  const profiles = deps.profiles ?? createProfileProcesses({ logger });
  const profileOf = (id: string): string => folders.folderOf(id);
  // Short: a healthy browser answers Browser.getVersion in milliseconds, even on a loaded host; a
  // hung one must cost far less than the DESTROY_TIMEOUT_MS it would otherwise be given.
  const probeTimeoutMs = Math.min(2000, Math.max(250, Math.floor(config.DESTROY_TIMEOUT_MS / 2)));
  const closeClient = createClientCloser({
    processes: deps.processes,
    profiles,
    profileOf,
    destroyTimeoutMs: config.DESTROY_TIMEOUT_MS,
    probeTimeoutMs,
    killWaitMs,
  });
  /** No folder is removed while a process on its profile lives: it would write it again. */
  const killProfile = async (id: string, log: Logger): Promise<void> => {
    const { killed, remaining } = await profiles.kill(profileOf(id), killWaitMs);
    if (remaining.length > 0) log.error({ remaining }, 'Processes on the profile survived SIGKILL');
    else if (killed.length > 0) log.warn({ killed }, 'Killed processes left on the profile');
  };
  /** Whether restore still has `id` to start: a DELETE that came first removed its record or folder. */
  const stillToRestore = async (id: string): Promise<boolean> =>
    deps.records ? (await deps.records.get(id))?.desired === 'running' : folders.exists(id);
  let shuttingDown = false;

  const sweepTimer = setInterval(() => void folders.sweepTrash(), deps.trashSweepMs ?? 60_000);
  sweepTimer.unref();

  const find = (id: string): ManagedSession => {
    parseSessionId(id);
    const session = sessions.get(id);
    if (!session) throw sessionNotFound(id);
    return session;
  };

  /** A new session object for `id`, bound to this registry's lock and Map. */
  const open = (
    id: string,
    options: CreateSessionOptions,
    restored?: { state: 'STOPPED'; createdAt: Date; updatedAt: Date },
  ): ManagedSession => {
    const sessionDeps: ManagedSessionDeps = {
      config,
      logger,
      bus,
      now,
      random: deps.random ?? Math.random,
      clientFactory: deps.clientFactory,
      folders,
      guard,
      launches,
      closeClient,
      probeBrowser: (client) => probeClient(client, probeTimeoutMs),
      killProfile: () => killProfile(id, session.log),
      exclusive: (work) => lock.run(id, work),
      isListed: () => sessions.get(id) === session,
      unlist: () => sessions.delete(id),
      records: deps.records,
    };
    const lease = leaseFor?.(id);
    const session: ManagedSession = lease
      ? new ClusteredSession(sessionDeps, lease, id, options.webhook ?? null)
      : new ManagedSession(sessionDeps, id, options.webhook ?? null, restored);
    return session;
  };

  /** Create, or start again; under the id's lock. */
  const createLocked = async (id: string, options: CreateSessionOptions) => {
    if (shuttingDown) throw appError('shutting_down', 'The server is shutting down.');
    const existing = sessions.get(id);
    if (existing?.occupied) {
      const { state } = existing.record;
      throw wrongState('session_live', `Session "${id}" is already ${state}.`, state);
    }
    if (existing) {
      return { created: false, session: existing, ...(await existing.restart(options.webhook)) };
    }
    if (sessions.size >= config.MAX_SESSIONS) {
      throw appError('session_limit', `This server runs at most ${config.MAX_SESSIONS} sessions.`);
    }
    // Cluster mode: before the registry is written, so a session running elsewhere is left as it is.
    await leaseFor?.(id).claim();
    // Cluster mode: a stopped session lives in the registry only; starting it again keeps its record.
    const stored = ownership ? ((await deps.records?.get(id)) ?? null) : null;
    const webhook = options.webhook !== undefined ? options.webhook : (stored?.webhook ?? null);
    // Registry first: when it cannot be written (503) no session is created.
    await deps.records?.save(id, { desired: 'running', webhook });
    const session = open(id, { ...options, webhook });
    sessions.set(id, session);
    bus.publish('session.status', id, { state: 'STARTING', previous: null, reason: null });
    session.log.info(`Starting session ${id}`);
    try {
      return { created: stored === null, session, ...(await session.start()) };
    } catch (err) {
      sessions.delete(id);
      await ownership?.release(id);
      if (stored !== null) {
        // It existed before this start: it stays as the user left it.
        await deps.records
          ?.save(id, { desired: stored.desired, webhook: stored.webhook })
          .catch((e: unknown) =>
            logger.error({ err: toError(e), sessionId: id }, 'Could not restore the record'),
          );
        throw err;
      }
      await deps.records?.remove(id).catch((e: unknown) => {
        logger.error({ err: toError(e), sessionId: id }, 'Could not remove the session from the registry');
      });
      // Consumers saw it start: tell them it is gone, or they keep a session that never ends.
      bus.publish('session.removed', id, { reason: 'START_FAILED' });
      throw err;
    }
  };

  return {
    get browserMissing() {
      return deps.browserMissing ?? null;
    },

    async create(id, options = {}) {
      parseSessionId(id);
      if (deps.browserMissing) throw appError('browser_missing', deps.browserMissing);
      const { created, session } = await lock.run(id, () => createLocked(id, options));
      return { created, session: session.snapshot() };
    },

    get: (id) => find(id).snapshot(),

    has: (id) => sessions.has(id),

    list: () => [...sessions.values()].map((s) => s.snapshot()),

    qr: (id) => actions.qr(find(id)),

    requestPairingCode: async (id, phoneNumber) => actions.requestPairingCode(find(id), phoneNumber),

    // async: a bad id must reject the returned promise, not throw before there is one.
    async stop(id) {
      parseSessionId(id);
      return lock.run(id, () => find(id).stop());
    },

    async delete(id) {
      parseSessionId(id);
      return lock.run(id, async () => {
        const session = sessions.get(id);
        if (session) return session.delete();
        // A folder left on disk (restore off, or a previous run) is still the user's to delete.
        if (!(await folders.exists(id))) throw sessionNotFound(id);
        await deps.records?.remove(id);
        await killProfile(id, logger.child({ sessionId: id }));
        await guard.remove(id);
      });
    },

    sendMessage: async (id, chatId, content, options = {}) =>
      actions.sendMessage(find(id), chatId, content, options),

    page: (id) => actions.page(find(id)),

    runOnReady: async (id, call, work) => actions.runOnReady(find(id), call, work),

    restore: () =>
      restoreSessions({
        folders,
        records: deps.records,
        // A session the user stopped comes back listed as STOPPED, without a browser.
        listStopped: (record: SessionRecord) => {
          if (sessions.has(record.id)) return;
          const { createdAt, updatedAt } = record;
          sessions.set(
            record.id,
            open(record.id, { webhook: record.webhook }, { state: 'STOPPED', createdAt, updatedAt }),
          );
        },
        logger,
        concurrency: config.RESTORE_CONCURRENCY,
        isListed: (id) => sessions.has(id),
        // Re-checked under the id's lock: a DELETE (or a create) that came first while restore ran wins.
        start: (id, webhook) =>
          lock.run(id, async () => {
            if (sessions.has(id) || !(await stillToRestore(id))) return null;
            return createLocked(id, { webhook });
          }),
      }),

    async shutdown() {
      shuttingDown = true;
      clearInterval(sweepTimer);
      await Promise.all(
        [...sessions.values()].map((session) =>
          lock
            .run(session.id, () => session.shutdown())
            .catch((err: unknown) =>
              session.log.error({ err: toError(err) }, 'Shutdown of the session failed'),
            ),
        ),
      );
    },

    busyIds: () => lock.busyKeys(),

    cluster: ownership
      ? createClusterHooks({ ...deps, ownership, sessions, lock, open, isShuttingDown: () => shuttingDown })
      : null,
  };
};
