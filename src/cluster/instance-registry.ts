import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import type { Logger } from '../logger.js';
import type { Database } from '../store/schema.js';
import { sleep, withTimeout } from '../timeout.js';
import { DB_NOW } from './db-clock.js';

/** Another live process runs under this INSTANCE_ID: main prints the message and exits 1. */
export class DuplicateInstanceError extends Error {}

export interface InstanceRegistry {
  readonly instanceId: string;
  readonly bootId: string;
  /**
   * Takes this INSTANCE_ID's row in wa_instances. A row whose heartbeat is still valid is watched:
   * when its heartbeat moves, another live process has this id (DuplicateInstanceError); when it
   * expires without moving, it was a run of this instance that died, and its row is taken over.
   * Resolves with the monotonic time the winning insert was sent (where the fencing clock starts).
   */
  join(): Promise<number>;
  /**
   * The heartbeat and every lease in `ids`, in one statement: `instance` false when the row is no
   * longer this process's, `kept` the ids still leased to this instance.
   */
  renew(ids: readonly string[], timeoutMs: number): Promise<{ instance: boolean; kept: Set<string> }>;
  /** Removes the row (a clean exit); bounded, never throws. */
  leave(timeoutMs: number): Promise<void>;
}

export const createInstanceRegistry = (deps: {
  db: Kysely<Database>;
  instanceId: string;
  url: string;
  capacity: number;
  ttlMs: number;
  logger: Logger;
  /** How often a live row is looked at while joining. */
  pollMs?: number;
}): InstanceRegistry => {
  const { db, instanceId, url, capacity, ttlMs, logger } = deps;
  const bootId = randomUUID();
  const pollMs = deps.pollMs ?? 250;

  /** Inserts the row, or takes over one that expired or is this process's already; true when ours. */
  const take = async (): Promise<boolean> => {
    const { rows } = await sql<{ instance_id: string }>`
      insert into wa_instances as i (instance_id, url, boot_id, capacity, started_at, heartbeat_at, expires_at)
      select ${instanceId}, ${url}, ${bootId}, ${capacity}, t.now, t.now, t.now + ${ttlMs}::bigint
      from (select ${DB_NOW} as now) t
      on conflict (instance_id) do update
        set url = excluded.url, boot_id = excluded.boot_id, capacity = excluded.capacity,
            started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
            expires_at = excluded.expires_at
        where i.expires_at <= excluded.started_at or i.boot_id = excluded.boot_id
      returning instance_id`.execute(db);
    return rows.length > 0;
  };

  const current = async () =>
    db
      .selectFrom('wa_instances')
      .select(['url', 'boot_id', 'heartbeat_at', 'expires_at'])
      .where('instance_id', '=', instanceId)
      .executeTakeFirst();

  return {
    instanceId,
    bootId,

    async join() {
      let seen: { boot: string; heartbeat: number } | null = null;
      let waitLogged = false;
      for (;;) {
        const sentAt = performance.now();
        if (await withTimeout(take(), 10_000, 'instance registration')) {
          if (seen)
            logger.warn({ instanceId }, `Took over the row of an earlier run of INSTANCE_ID=${instanceId}`);
          return sentAt;
        }
        const row = await withTimeout(current(), 10_000, 'instance registration');
        if (row) {
          const observed = { boot: row.boot_id, heartbeat: Number(row.heartbeat_at) };
          if (seen && (seen.boot !== observed.boot || seen.heartbeat !== observed.heartbeat)) {
            throw new DuplicateInstanceError(
              `INSTANCE_ID=${instanceId} is in use by a live instance (${row.url}): give every instance its own INSTANCE_ID`,
            );
          }
          seen = observed;
          if (!waitLogged) {
            waitLogged = true;
            logger.warn(
              { instanceId, url: row.url },
              `INSTANCE_ID=${instanceId} has a row with a valid heartbeat: waiting to see whether it is alive`,
            );
          }
        }
        await sleep(pollMs);
      }
    },

    async renew(ids, timeoutMs) {
      const { rows } = await withTimeout(
        sql<{ instance: number; kept: string[] | null }>`
          with t as (select ${DB_NOW} as now),
          i as (
            update wa_instances set heartbeat_at = t.now, expires_at = t.now + ${ttlMs}::bigint
            from t where instance_id = ${instanceId} and boot_id = ${bootId}
            returning instance_id
          ),
          l as (
            update wa_leases set expires_at = t.now + ${ttlMs}::bigint
            from t where instance_id = ${instanceId} and session_id = any(${[...ids]}::text[])
            returning session_id
          )
          select (select count(*) from i)::int as instance, (select array_agg(session_id) from l) as kept`.execute(
          db,
        ),
        timeoutMs,
        'lease renewal',
      );
      const row = rows[0];
      return { instance: Number(row?.instance ?? 0) > 0, kept: new Set(row?.kept ?? []) };
    },

    async leave(timeoutMs) {
      try {
        await withTimeout(
          db
            .deleteFrom('wa_instances')
            .where('instance_id', '=', instanceId)
            .where('boot_id', '=', bootId)
            .execute(),
          timeoutMs,
          'instance leave',
        );
      } catch (err) {
        logger.warn({ err }, 'Could not remove this instance from wa_instances; its row expires on its own');
      }
    },
  };
};
