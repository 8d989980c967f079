import type { SessionOwnership } from '../cluster/types.js';
import { appError } from '../error-catalog.js';
import { AppError, toError } from '../errors.js';
import type { EventBus } from '../events/types.js';
import { ClusteredSession, type LeaveReason } from './clustered-session.js';
import type { KeyedLock } from './keyed-lock.js';
import type { ManagedSession } from './managed-session.js';
import type { SessionLease } from './managed-session-deps.js';
import type { SessionRecords } from './session-records.js';
import type { WebhookSettings } from './types.js';

/** What cluster mode (src/cluster) asks of the local sessions: takeover, fencing, lost leases. */
export interface ClusterHooks {
  count(): number;
  has(id: string): boolean;
  /**
   * Under the id's lock: claims the lease, checks the record is still to run (not deleted, stopped
   * or logged out meanwhile: those are never resurrected) and starts the session; null when skipped.
   */
  takeOver(id: string): Promise<{ initializing: Promise<void> } | null>;
  /** Kills every local session's browser at once and unlists it; records stay (others take over). */
  fence(): Promise<void>;
  /** These sessions' leases are another instance's now: killed and unlisted here at once. */
  lose(ids: readonly string[]): Promise<void>;
}

/** The lease of one session as a ManagedSession uses it: a refused claim is 409 `session_live`. */
export const leaseOf = (ownership: SessionOwnership, id: string, backupTimeoutMs: number): SessionLease => ({
  async claim() {
    if (ownership.holds(id)) return;
    let won: boolean;
    try {
      won = await ownership.claim(id);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw appError('store_unavailable', 'The database cannot record who runs the session.', { cause: err });
    }
    if (!won) throw appError('session_live', `Session "${id}" runs on another instance.`);
  },
  release: () => ownership.release(id),
  backupTimeoutMs,
});

export const createClusterHooks = (deps: {
  sessions: Map<string, ManagedSession>;
  lock: KeyedLock;
  open: (id: string, options: { webhook: WebhookSettings | null }) => ManagedSession;
  records?: SessionRecords | undefined;
  ownership: SessionOwnership;
  config: { MAX_SESSIONS: number };
  isShuttingDown: () => boolean;
  bus: EventBus;
}): ClusterHooks => {
  const { sessions, ownership, bus } = deps;

  /** Not under the lock: a kill cannot wait for an operation in flight (the leases may be running out). */
  const leaveAll = (list: ManagedSession[], why: LeaveReason) =>
    Promise.all(
      list.map((session) =>
        session instanceof ClusteredSession
          ? session.leave(why).catch((err: unknown) => {
              session.log.error({ err: toError(err) }, 'Leaving the instance failed');
            })
          : undefined,
      ),
    ).then(() => undefined);

  return {
    count: () => sessions.size,
    has: (id) => sessions.has(id),

    takeOver: (id) =>
      deps.lock.run(id, async () => {
        if (deps.isShuttingDown() || sessions.has(id) || sessions.size >= deps.config.MAX_SESSIONS)
          return null;
        if (!(await ownership.claim(id))) return null;
        const record = await deps.records?.get(id);
        if (record?.desired !== 'running' || record.lastReason === 'LOGOUT') {
          await ownership.release(id);
          return null;
        }
        const session = deps.open(id, { webhook: record.webhook });
        sessions.set(id, session);
        bus.publish('session.status', id, { state: 'STARTING', previous: null, reason: 'TAKEOVER' });
        session.log.info(`Taking over session ${id}`);
        try {
          return await session.start();
        } catch (err) {
          if (sessions.get(id) === session) sessions.delete(id);
          await ownership.release(id);
          throw err;
        }
      }),

    fence: () => leaveAll([...sessions.values()], 'FENCED'),

    lose: (ids) =>
      leaveAll(
        ids.flatMap((id) => sessions.get(id) ?? []),
        'LEASE_LOST',
      ),
  };
};
