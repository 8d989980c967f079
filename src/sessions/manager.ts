import type { Config } from '../config.js';
import { AppError, errors, toError } from '../errors.js';
import type { EventBus } from '../events/types.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../timeout.js';
import type { AuthFolders } from './auth-folders.js';
import type { BrowserProcesses } from './browser-processes.js';
import { createClientCloser } from './client-closer.js';
import { STARTED_STATES, wireClientEvents } from './client-events.js';
import { KeyedLock } from './keyed-lock.js';
import { Session } from './session.js';
import type { SessionRecords } from './session-records.js';
import {
  type ClientFactory,
  type CreateSessionOptions,
  liveStates,
  type OutgoingContent,
  SESSION_ID_PATTERN,
  type SendOptions,
  type SessionClient,
  type SessionManager,
  type SessionState,
  type WebhookSettings,
} from './types.js';

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
>;

export interface SessionManagerDeps {
  config: ManagerConfig;
  logger: Logger;
  bus: EventBus;
  clientFactory: ClientFactory;
  folders: AuthFolders;
  processes: BrowserProcesses;
  /** Set when no Chromium was found: creating a session answers 503 with this text. */
  browserMissing?: string | null;
  now?: () => Date;
  /** How long to wait for a killed browser's processes to be gone. */
  killWaitMs?: number;
  /** How often folders that could not be removed are tried again. */
  trashSweepMs?: number;
  /**
   * The durable sessions registry (src/store): written at create, stop and delete; restore reads it.
   * Without it (unit tests) the folders and their `wa-sessions.json` are the registry, as before.
   */
  records?: SessionRecords;
}

export interface InternalSessionManager extends SessionManager {
  /** Internal: the LOGOUT teardown. Never logs out again, never throws. */
  cleanupSession(id: string): Promise<void>;
  /** Ids with a teardown or start in progress (tests and shutdown use it). */
  busyIds(): string[];
}

const sessionNotFound = (id: string): AppError =>
  new AppError(404, 'session_not_found', `No session with id "${id}".`);

/** 409: the session is not in a state for what was asked; the state goes with the answer. */
const wrongState = (code: string, message: string, state: SessionState): AppError =>
  new AppError(409, code, message, { details: { state } });

export const validateSessionId = (id: string): void => {
  if (!SESSION_ID_PATTERN.test(id)) {
    throw new AppError(
      400,
      'invalid_session_id',
      'A session id is 1 to 64 characters: letters, digits, "_" and "-".',
      { details: { id } },
    );
  }
};

export const createSessionManager = (deps: SessionManagerDeps): InternalSessionManager => {
  const { config, bus, folders } = deps;
  const logger = deps.logger;
  const now = deps.now ?? (() => new Date());
  const sessions = new Map<string, Session>();
  const lock = new KeyedLock();
  /** Ids whose folder could neither be removed nor moved aside: they may not start on stale data. */
  const stuckFolders = new Set<string>();
  /** Per client whose initialize() is still awaited: ends that wait when the client is released. */
  const stopWaitingForInit = new WeakMap<SessionClient, () => void>();
  const closeClient = createClientCloser({
    processes: deps.processes,
    destroyTimeoutMs: config.DESTROY_TIMEOUT_MS,
    killWaitMs: deps.killWaitMs ?? 5000,
  });
  let shuttingDown = false;

  const sweepTimer = setInterval(() => {
    void folders.sweepTrash();
  }, deps.trashSweepMs ?? 60_000);
  sweepTimer.unref();

  const find = (id: string): Session => {
    validateSessionId(id);
    const session = sessions.get(id);
    if (!session) throw sessionNotFound(id);
    return session;
  };

  /** Removes (or moves aside) a session's folder; remembers one that is stuck so it never starts on it. */
  const removeFolder = async (id: string): Promise<void> => {
    if ((await folders.remove(id)) === 'stuck') stuckFolders.add(id);
    else stuckFolders.delete(id);
  };

  /**
   * One call into a session's browser: bounded by PROTOCOL_TIMEOUT_MS (504), and a failure of the
   * library becomes a 502 with `code` that keeps it as `cause`.
   */
  const callBrowser = async <T>(
    work: Promise<T>,
    what: string,
    code: string,
    failure: string,
  ): Promise<T> => {
    try {
      return await withTimeout(work, config.PROTOCOL_TIMEOUT_MS, what);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(502, code, `${failure}: ${toError(err).message}`, { cause: err });
    }
  };

  /** Closes the session's client, if any, and forgets it. Runs under the session's lock. */
  const releaseClient = async (session: Session): Promise<void> => {
    const client = session.client;
    if (!client) return;
    session.client = null;
    session.generation += 1;
    stopWaitingForInit.get(client)?.();
    stopWaitingForInit.delete(client);
    await closeClient(session.id, session.log, client);
  };

  /**
   * The end of a session: CLOSING, client closed (or killed), folder removed (or moved aside),
   * out of the Map, `session.removed` published. Runs under the lock. Never throws.
   */
  const teardown = async (session: Session, reason: string): Promise<void> => {
    session.clearPendingTeardown();
    if (session.state !== 'CLOSING') session.transition('CLOSING', reason);
    try {
      await releaseClient(session);
    } catch (err) {
      session.log.error({ err: toError(err) }, 'Unexpected error while closing the client');
    }
    await removeFolder(session.id);
    await forgetRecord(session.id);
    if (sessions.get(session.id) === session) sessions.delete(session.id);
    bus.publish('session.removed', session.id, { reason });
  };

  /** Registry: a session that ends is forgotten; a failure is logged (the teardown itself is done). */
  const forgetRecord = async (id: string): Promise<void> => {
    await deps.records?.remove(id).catch((err: unknown) => {
      logger.error({ err: toError(err), sessionId: id }, 'Could not remove the session from the registry');
    });
  };

  const scheduleTeardown = (session: Session, work: () => Promise<void>): void => {
    session.clearPendingTeardown();
    session.pendingTeardown = setTimeout(() => {
      session.pendingTeardown = null;
      void work().catch((err: unknown) => {
        session.log.error({ err: toError(err) }, 'Delayed teardown failed');
      });
    }, config.LOGOUT_CLEANUP_DELAY_MS);
  };

  const onDisconnected = (session: Session, generation: number, reason: string): void => {
    if (session.generation !== generation || !liveStates.has(session.state)) {
      session.log.debug(
        { reason, state: session.state },
        'Disconnect of a client no longer in charge ignored',
      );
      return;
    }
    session.transition('DISCONNECTED', reason);
    session.log.warn({ reason }, `Session ${session.id} disconnected: ${reason}`);
    if (reason === 'LOGOUT' && config.AUTO_CLEANUP_ON_LOGOUT) {
      session.log.info(`Auto-cleaning session ${session.id} after logout...`);
      // The delay lets the library finish its own post-logout work in the page; destroying the
      // browser under it gives "Target closed" rejections from inside the library.
      scheduleTeardown(session, () => cleanupSession(session.id));
      return;
    }
    scheduleTeardown(session, () =>
      lock.run(session.id, async () => {
        if (session.state !== 'DISCONNECTED' || sessions.get(session.id) !== session) return;
        await releaseClient(session);
        // After a LOGOUT the credentials in the folder are dead (the library would have deleted
        // them): the session stays listed, but starts again with an empty folder and a fresh QR.
        if (reason === 'LOGOUT') {
          await removeFolder(session.id);
        }
      }),
    );
  };

  const onBrowserExited = (session: Session, generation: number): void => {
    if (session.generation !== generation || !liveStates.has(session.state)) return;
    session.log.error({ state: session.state }, `Browser of session ${session.id} exited unexpectedly`);
    session.transition('FAILED', 'BROWSER_EXITED');
    void lock
      .run(session.id, async () => {
        if (session.generation === generation) await releaseClient(session);
      })
      .catch((err: unknown) => session.log.error({ err: toError(err) }, 'Release after browser exit failed'));
  };

  const onInitFailed = (session: Session, generation: number, err: unknown): void => {
    if (session.generation !== generation || !STARTED_STATES.has(session.state)) {
      session.log.debug({ err: toError(err) }, 'initialize() of a client no longer in charge failed');
      return;
    }
    const error = toError(err);
    session.log.error({ err: error }, `Session ${session.id} failed to start: ${error.message}`);
    session.transition('FAILED', error.message);
    void lock
      .run(session.id, async () => {
        if (session.generation === generation) await releaseClient(session);
      })
      .catch((e: unknown) => session.log.error({ err: toError(e) }, 'Release after a failed start failed'));
  };

  /** Starts a client for the session. Runs under the lock; returns once the client is launching. */
  const start = async (session: Session): Promise<{ initializing: Promise<void> }> => {
    if (stuckFolders.has(session.id)) {
      const removal = await folders.remove(session.id);
      if (removal === 'stuck') {
        throw errors.unavailable(
          'folder_locked',
          `The folder of an earlier session "${session.id}" cannot be removed yet; try again later.`,
        );
      }
      stuckFolders.delete(session.id);
    }
    // A browser that was killed leaves Singleton* locks that make the next Chromium refuse the profile.
    await folders.clearStaleLocks(session.id);
    // Without a registry the folder keeps the webhook; written when null too, so a removed webhook
    // stays removed after a restart (privacy).
    if (!deps.records) await folders.writeMeta(session.id, { webhook: session.webhook });
    session.me = null;
    const client = deps.clientFactory({ sessionId: session.id, authRoot: folders.root });
    session.generation += 1;
    const generation = session.generation;
    session.client = client;
    wireClientEvents({
      session,
      client,
      generation,
      bus,
      now,
      onDisconnected: (reason) => onDisconnected(session, generation, reason),
      onBrowserExited: () => onBrowserExited(session, generation),
    });
    // Released before initialize() settled (stop, delete, shutdown): stop waiting for it, so the
    // INIT_TIMEOUT_MS timer does not outlive the client and restore() does not wait on a dead one.
    const released = new Promise<void>((resolve) => {
      stopWaitingForInit.set(client, resolve);
    });
    const initializing = withTimeout(
      Promise.race([client.initialize(), released]),
      config.INIT_TIMEOUT_MS,
      'initialize()',
    ).then(
      () => {
        stopWaitingForInit.delete(client);
      },
      (err: unknown) => {
        stopWaitingForInit.delete(client);
        onInitFailed(session, generation, err);
      },
    );
    // Wrapped: returning the bare promise from an async function would make callers wait for it.
    return { initializing };
  };

  const createLocked = async (
    id: string,
    options: CreateSessionOptions,
  ): Promise<{ created: boolean; session: Session; initializing: Promise<void> }> => {
    if (shuttingDown) throw errors.unavailable('shutting_down', 'The server is shutting down.');
    const existing = sessions.get(id);
    if (existing && (liveStates.has(existing.state) || existing.state === 'CLOSING')) {
      throw wrongState('session_live', `Session "${id}" is already ${existing.state}.`, existing.state);
    }
    if (existing) {
      existing.clearPendingTeardown();
      await releaseClient(existing);
      if (existing.reason === 'LOGOUT') {
        await removeFolder(id);
      }
      const webhook = options.webhook !== undefined ? options.webhook : existing.webhook;
      // Registry first: when it cannot be written (503) the session stays as it was.
      await deps.records?.save(id, { desired: 'running', webhook });
      existing.webhook = webhook;
      existing.transition('STARTING');
      existing.log.info(`Starting session ${id} again`);
      try {
        return { created: false, session: existing, ...(await start(existing)) };
      } catch (err) {
        // start() refused (folder_locked) or failed before any client existed: without this the
        // session would stay STARTING with no client, and every later create would be 409.
        existing.transition('FAILED', toError(err).message);
        throw err;
      }
    }
    if (sessions.size >= config.MAX_SESSIONS) {
      throw new AppError(503, 'session_limit', `This server runs at most ${config.MAX_SESSIONS} sessions.`);
    }
    await deps.records?.save(id, { desired: 'running', webhook: options.webhook ?? null });
    const session = new Session(id, { logger, bus, now }, options.webhook ?? null);
    sessions.set(id, session);
    bus.publish('session.status', id, { state: 'STARTING', previous: null, reason: null });
    session.log.info(`Starting session ${id}`);
    try {
      return { created: true, session, ...(await start(session)) };
    } catch (err) {
      sessions.delete(id);
      await forgetRecord(id);
      // Consumers saw it start: tell them it is gone, or they keep a session that never ends.
      bus.publish('session.removed', id, { reason: 'START_FAILED' });
      throw err;
    }
  };

  const cleanupSession = (id: string): Promise<void> =>
    lock
      .run(id, async () => {
        const session = sessions.get(id);
        if (!session) return;
        session.log.info(`Cleaning up session ${id}`);
        await teardown(session, 'LOGOUT');
        session.log.info(`Session ${id} cleaned up`);
      })
      .catch((err: unknown) => {
        logger.error({ err: toError(err), sessionId: id }, 'Cleanup failed');
      });

  /**
   * What restore brings back. With the registry: the sessions whose desired state is running start;
   * the stopped ones are listed STOPPED, with no browser. Without it: every folder starts.
   */
  const restorePlan = async (): Promise<{
    running: string[];
    webhookOf: Map<string, WebhookSettings | null>;
  }> => {
    const webhookOf = new Map<string, WebhookSettings | null>();
    if (!deps.records) {
      const ids = await folders.listIds();
      for (const id of ids) webhookOf.set(id, (await folders.readMeta(id))?.webhook ?? null);
      return { running: ids, webhookOf };
    }
    const running: string[] = [];
    for (const record of await deps.records.list()) {
      if (sessions.has(record.id)) continue;
      webhookOf.set(record.id, record.webhook);
      if (record.desired === 'running') running.push(record.id);
      else {
        sessions.set(
          record.id,
          new Session(record.id, { logger, bus, now }, record.webhook, {
            state: 'STOPPED',
            createdAt: record.createdAt,
            updatedAt: record.updatedAt,
          }),
        );
      }
    }
    return { running, webhookOf };
  };

  const manager: InternalSessionManager = {
    get browserMissing() {
      return deps.browserMissing ?? null;
    },

    async create(id, options = {}) {
      validateSessionId(id);
      if (deps.browserMissing) throw errors.unavailable('browser_missing', deps.browserMissing);
      const { created, session } = await lock.run(id, () => createLocked(id, options));
      return { created, session: session.snapshot() };
    },

    get: (id) => find(id).snapshot(),

    list: () => [...sessions.values()].map((s) => s.snapshot()),

    qr(id) {
      const session = find(id);
      if (!session.qr) {
        throw wrongState(
          'no_qr',
          `Session "${id}" has no QR pending (it is ${session.state}).`,
          session.state,
        );
      }
      return session.qr;
    },

    async requestPairingCode(id, phoneNumber) {
      const session = find(id);
      const client = session.client;
      if (!client || session.state !== 'QR') {
        throw wrongState(
          'not_pairing',
          `Session "${id}" is not waiting to be linked (it is ${session.state}).`,
          session.state,
        );
      }
      return callBrowser(
        client.requestPairingCode(phoneNumber),
        'pairing code',
        'pairing_failed',
        'WhatsApp Web did not give a pairing code',
      );
    },

    // async: a bad id must reject the returned promise, not throw before there is one.
    async stop(id) {
      validateSessionId(id);
      return lock.run(id, async () => {
        const session = find(id);
        session.clearPendingTeardown();
        if (session.state === 'STOPPED') return session.snapshot();
        // Registry first: a stop that cannot be written (503) leaves the session running.
        await deps.records?.save(id, { desired: 'stopped', webhook: session.webhook });
        const loggedOut = session.state === 'DISCONNECTED' && session.reason === 'LOGOUT';
        session.transition('CLOSING', 'STOPPED');
        await releaseClient(session);
        if (loggedOut) {
          // The pending LOGOUT teardown was just cancelled, and STOPPED overwrites the reason that
          // create() looks at: remove the dead credentials now, as shutdown() does.
          await removeFolder(id);
        }
        session.transition('STOPPED', 'STOPPED');
        session.log.info(`Session ${id} stopped; its auth folder is kept`);
        return session.snapshot();
      });
    },

    async delete(id) {
      validateSessionId(id);
      return lock.run(id, async () => {
        const session = sessions.get(id);
        if (!session) {
          // A folder left on disk (restore off, or a previous run) is still the user's to delete.
          if (await folders.exists(id)) {
            await deps.records?.remove(id);
            await removeFolder(id);
            return;
          }
          throw sessionNotFound(id);
        }
        // Registry first: a delete that cannot be written (503) leaves the session as it was.
        await deps.records?.remove(id);
        const client = session.client;
        const connected = session.state === 'READY';
        session.transition('CLOSING', 'DELETED');
        if (connected && client) {
          try {
            await withTimeout(client.logout(), config.LOGOUT_TIMEOUT_MS, 'logout()');
          } catch (err) {
            session.log.warn({ err: toError(err) }, `Logout of session ${id} failed; tearing it down anyway`);
          }
        }
        await teardown(session, 'DELETED');
        session.log.info(`Session ${id} deleted`);
      });
    },

    async sendMessage(id, chatId, content: OutgoingContent, options: SendOptions = {}) {
      const session = find(id);
      const client = session.client;
      if (session.state !== 'READY' || !client) {
        throw wrongState(
          'session_not_ready',
          `Session "${id}" is ${session.state}, not READY.`,
          session.state,
        );
      }
      return callBrowser(
        client.sendMessage(chatId, content, options),
        'send',
        'send_failed',
        'WhatsApp Web did not send the message',
      );
    },

    page(id) {
      const session = find(id);
      const page = session.client?.page();
      if (!page || !liveStates.has(session.state)) {
        throw wrongState(
          'no_browser',
          `Session "${id}" has no running browser (it is ${session.state}).`,
          session.state,
        );
      }
      return page;
    },

    async restore() {
      const plan = await restorePlan();
      const ids = plan.running.filter((id) => !sessions.has(id));
      if (ids.length === 0) return;
      logger.info({ count: ids.length }, `Restoring ${ids.length} session(s)`);
      const queue = [...ids];
      const worker = async (): Promise<void> => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          try {
            const { initializing } = await lock.run(id, () =>
              createLocked(id, { webhook: plan.webhookOf.get(id) ?? null }),
            );
            // Bounded concurrency means bounded browsers starting: wait for this one's initialize().
            await initializing;
          } catch (err) {
            logger.error({ err: toError(err), sessionId: id }, `Could not restore session ${id}`);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(config.RESTORE_CONCURRENCY, ids.length) }, worker));
    },

    async shutdown() {
      shuttingDown = true;
      clearInterval(sweepTimer);
      await Promise.all(
        [...sessions.values()].map((session) =>
          lock
            .run(session.id, async () => {
              const logoutPending =
                session.state === 'DISCONNECTED' &&
                session.reason === 'LOGOUT' &&
                session.pendingTeardown !== null;
              session.clearPendingTeardown();
              if (logoutPending) {
                // A LOGOUT whose cleanup was still waiting: finish it, or the next start would
                // restore a folder whose credentials are dead.
                await teardown(session, 'LOGOUT');
                return;
              }
              if (session.client) {
                if (session.state !== 'CLOSING' && session.state !== 'STOPPED') {
                  session.transition('CLOSING', 'SHUTDOWN');
                }
                await releaseClient(session);
              }
            })
            .catch((err: unknown) =>
              session.log.error({ err: toError(err) }, 'Shutdown of the session failed'),
            ),
        ),
      );
    },

    cleanupSession,
    busyIds: () => lock.busyKeys(),
  };
  return manager;
};
