import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/schema.js';
import { forRequest } from '../store/store-errors.js';
import type { ClusterDirectory, InstanceInfo } from './types.js';

/**
 * The database's clock in epoch ms: instances' clocks may differ, so every lease and heartbeat is
 * written and compared against this one (the lead's decision, CLUSTER.md).
 */
export const dbNowMs = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** A session in the registry that no instance holds a valid lease on (stopped, or waiting for a takeover). */
export interface UnownedRecord {
  id: string;
  desired: 'running' | 'stopped';
  webhook: string | null;
  createdAt: number;
  updatedAt: number;
  lastState: string | null;
  lastReason: string | null;
}

export type ClusterDirectoryReader = ClusterDirectory & {
  /** The registry's record of `id` when nobody holds a valid lease on it; null otherwise. */
  unowned(id: string): Promise<UnownedRecord | null>;
  /** Every registry record nobody holds a valid lease on, by id. */
  unownedAll(): Promise<UnownedRecord[]>;
  /**
   * Removes the record of a session nobody runs (and its stored archive), in one transaction that
   * re-checks that no valid lease appeared meanwhile; false when there was none to remove, or it runs.
   */
  removeUnowned(id: string): Promise<boolean>;
};

const toRecord = (row: Database['wa_sessions']): UnownedRecord => ({
  id: row.id,
  desired: row.desired === 'stopped' ? 'stopped' : 'running',
  webhook: row.webhook,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
  lastState: row.last_state,
  lastReason: row.last_reason,
});

/** Read-only questions to wa_instances and wa_leases (the leases themselves are written by leases.ts). */
export const createClusterDirectory = (deps: {
  db: Kysely<Database>;
  self: { id: string; url: string };
}): ClusterDirectoryReader => {
  const { db } = deps;

  const unownedQuery = () =>
    db
      .selectFrom('wa_sessions as s')
      .selectAll('s')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('wa_leases as l')
              .select('l.session_id')
              .whereRef('l.session_id', '=', 's.id')
              .where('l.expires_at', '>', dbNowMs),
          ),
        ),
      );

  const reader: ClusterDirectoryReader = {
    self: deps.self,
    async ownerOf(sessionId) {
      // A lease of an instance whose row is gone is still a lease: its owner may be running it.
      const row = await db
        .selectFrom('wa_leases as l')
        .leftJoin('wa_instances as i', 'i.instance_id', 'l.instance_id')
        .select(['l.instance_id', 'i.url'])
        .where('l.session_id', '=', sessionId)
        .where('l.expires_at', '>', dbNowMs)
        .executeTakeFirst();
      if (row === undefined) return null;
      return { instanceId: row.instance_id, url: row.url ?? '' };
    },
    async liveInstances(): Promise<InstanceInfo[]> {
      const rows = await db
        .selectFrom('wa_instances as i')
        .select([
          'i.instance_id',
          'i.url',
          'i.capacity',
          'i.expires_at',
          (eb) =>
            eb
              .selectFrom('wa_leases as l')
              .select(sql<number>`count(*)`.as('n'))
              .whereRef('l.instance_id', '=', 'i.instance_id')
              .where('l.expires_at', '>', dbNowMs)
              .as('sessions'),
        ])
        .where('i.expires_at', '>', dbNowMs)
        .orderBy('i.instance_id')
        .execute();
      return rows.map((r) => ({
        id: r.instance_id,
        url: r.url,
        capacity: r.capacity,
        sessions: Number(r.sessions ?? 0),
        expiresAt: Number(r.expires_at),
      }));
    },
    async unowned(id) {
      const row = await unownedQuery().where('s.id', '=', id).executeTakeFirst();
      return row === undefined ? null : toRecord(row);
    },
    async unownedAll() {
      const rows = await unownedQuery().orderBy('s.id').execute();
      return rows.map(toRecord);
    },
    removeUnowned: (id) =>
      db.transaction().execute(async (trx) => {
        // Locks the record: a claim racing with this waits, then finds it gone.
        const locked = await trx
          .selectFrom('wa_sessions')
          .select('id')
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (locked === undefined) return false;
        const lease = await trx
          .selectFrom('wa_leases')
          .select('session_id')
          .where('session_id', '=', id)
          .where('expires_at', '>', dbNowMs)
          .executeTakeFirst();
        if (lease !== undefined) return false;
        await trx.deleteFrom('wa_leases').where('session_id', '=', id).execute();
        await trx.deleteFrom('wa_auth_archives').where('session_id', '=', id).execute();
        await trx.deleteFrom('wa_sessions').where('id', '=', id).execute();
        return true;
      }),
  };
  // Asked while answering a request: a database that fails is a 503 for that request, never a 500.
  return {
    self: deps.self,
    ownerOf: (id) => forRequest(() => reader.ownerOf(id)),
    liveInstances: () => forRequest(() => reader.liveInstances()),
    unowned: (id) => forRequest(() => reader.unowned(id)),
    unownedAll: () => forRequest(() => reader.unownedAll()),
    removeUnowned: (id) => forRequest(() => reader.removeUnowned(id)),
  };
};
