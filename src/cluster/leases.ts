import { type Kysely, sql } from 'kysely';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Database } from '../store/schema.js';
import { withTimeout } from '../timeout.js';
import { DB_NOW, LEASE_RELEASED_CHANNEL } from './db-clock.js';
import type { SessionOwnership } from './types.js';

/** A session nobody runs: desired running, and no valid lease (or a lease of this very INSTANCE_ID). */
export interface Orphan {
  id: string;
  webhook: string | null;
  /** A valid lease of this INSTANCE_ID: left by an earlier run of this instance (a crash restart). */
  own: boolean;
}

export interface Leases extends SessionOwnership {
  /** The ids this instance holds a lease on, as it believes. */
  held(): string[];
  /** Forgets leases without asking the database (fenced, or found lost at renewal). */
  forget(ids: readonly string[]): void;
  /** While fenced no claim is made: this instance cannot prove it still owns anything. */
  setFenced(fenced: boolean): void;
  readonly fenced: boolean;
  orphans(): Promise<Orphan[]>;
  /** Instances whose heartbeat has not expired, by the database's clock. */
  liveInstances(): Promise<number>;
  /** Ends every lease of this INSTANCE_ID but those held now (after fencing), announcing each. */
  releaseStale(): Promise<void>;
}

/**
 * Leases as rows of wa_leases. A claim is one atomic upsert that wins only when the row is absent,
 * expired, or already this instance's; every winning claim bumps `epoch` (a fencing token that grows
 * with every change of hands). Releases are announced with NOTIFY so the others claim at once.
 */
export const createLeases = (deps: {
  db: Kysely<Database>;
  instanceId: string;
  ttlMs: number;
  /** Every query here is bounded by this. */
  queryTimeoutMs: number;
  logger: Logger;
}): Leases => {
  const { db, instanceId: self, ttlMs, queryTimeoutMs, logger } = deps;
  const held = new Map<string, number>();
  let fenced = false;
  const bounded = <T>(work: Promise<T>, what: string) => withTimeout(work, queryTimeoutMs, what);

  /**
   * Ends this instance's leases on `ids` (`keep`: on all but `ids`), each announced with NOTIFY. The
   * row stays, expired, so its epoch keeps growing across owners (a fencing token never goes back).
   */
  const expireAndAnnounce = (ids: readonly string[], keep: boolean) =>
    sql`
      with gone as (
        update wa_leases set expires_at = 0
        where instance_id = ${self} and expires_at > 0
          and ${keep ? sql`not (session_id = any(${[...ids]}::text[]))` : sql`session_id = any(${[...ids]}::text[])`}
        returning session_id
      )
      select pg_notify(${LEASE_RELEASED_CHANNEL}, session_id) from gone`.execute(db);

  return {
    get fenced() {
      return fenced;
    },
    setFenced(value) {
      fenced = value;
    },

    async claim(id) {
      if (fenced) return false;
      const { rows } = await bounded(
        sql<{ epoch: number }>`
          insert into wa_leases as l (session_id, instance_id, epoch, acquired_at, expires_at)
          select ${id}, ${self}, 1, t.now, t.now + ${ttlMs}::bigint from (select ${DB_NOW} as now) t
          on conflict (session_id) do update
            set instance_id = excluded.instance_id, epoch = l.epoch + 1,
                acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
            where l.instance_id = excluded.instance_id or l.expires_at <= excluded.acquired_at
          returning epoch`.execute(db),
        'lease claim',
      );
      const row = rows[0];
      if (!row || fenced) return false;
      held.set(id, Number(row.epoch));
      return true;
    },

    async release(id) {
      held.delete(id);
      try {
        await bounded(expireAndAnnounce([id], false), 'lease release');
        // A session deleted or logged out (its record gone) leaves no row behind: nothing can claim it.
        await bounded(
          db
            .deleteFrom('wa_leases')
            .where('session_id', '=', id)
            .where('expires_at', '=', 0)
            .where((eb) => eb.not(eb.exists(eb.selectFrom('wa_sessions').select('id').where('id', '=', id))))
            .execute(),
          'lease removal',
        );
      } catch (err) {
        logger.warn(
          { err: toError(err), sessionId: id },
          'Could not release the lease; it expires on its own',
        );
      }
    },

    holds: (id) => !fenced && held.has(id),
    held: () => [...held.keys()],
    forget(ids) {
      for (const id of ids) held.delete(id);
    },

    async orphans() {
      const { rows } = await bounded(
        sql<Orphan>`
          select s.id, s.webhook, coalesce(l.instance_id = ${self} and l.expires_at > ${DB_NOW}, false) as own
          from wa_sessions s left join wa_leases l on l.session_id = s.id
          where s.desired = 'running'
            and coalesce(s.last_reason, '') <> 'LOGOUT'
            and (l.session_id is null or l.expires_at <= ${DB_NOW} or l.instance_id = ${self})
          order by own desc, s.updated_at, s.id`.execute(db),
        'orphan sessions query',
      );
      return rows.map((row) => ({ id: row.id, webhook: row.webhook, own: row.own === true }));
    },

    async liveInstances() {
      const { rows } = await bounded(
        sql<{ n: number }>`select count(*)::int as n from wa_instances where expires_at > ${DB_NOW}`.execute(
          db,
        ),
        'live instances query',
      );
      return Number(rows[0]?.n ?? 0);
    },

    async releaseStale() {
      await bounded(expireAndAnnounce([...held.keys()], true), 'stale lease release');
    },
  };
};
