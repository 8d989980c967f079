import { type Kysely, sql } from 'kysely';
import { nextRun } from '../events/bus.js';
import { parseEventId } from '../events/event-id.js';
import type { Database } from './schema.js';

/** Any fixed number: the lock under which an instance of a cluster takes its run prefix. */
const RUN_LOCK = 0x7761_7275;

/** The event log that SSE replays from (rows written with the outbox's, see outbox.ts). */
export const createEventLog = (deps: { db: Kysely<Database> }) => {
  const { db } = deps;
  return {
    /**
     * Events after `lastEventId`, oldest first: after its row in the log's own order (`pos`), which
     * in cluster mode interleaves the instances' runs as they were written; an id pruned since falls
     * back to (run, seq).
     */
    async eventsAfter(lastEventId: string, limit: number): Promise<string[]> {
      const last = parseEventId(lastEventId);
      if (last === null) return [];
      const seen = await db
        .selectFrom('wa_events')
        .select('pos')
        .where('id', '=', lastEventId)
        .executeTakeFirst();
      const rows = await db
        .selectFrom('wa_events')
        .select('body')
        .where((eb) =>
          seen !== undefined
            ? eb('pos', '>', seen.pos)
            : eb.or([eb('run', '>', last.run), eb.and([eb('run', '=', last.run), eb('seq', '>', last.seq)])]),
        )
        .orderBy('pos')
        .limit(limit)
        .execute();
      return rows.map((r) => r.body);
    },

    /**
     * Cluster mode (PostgreSQL): this process's run prefix, unique across every instance of the
     * cluster (instances starting in the same millisecond would otherwise share one, and so event
     * ids): the last run handed out is kept in wa_meta, and read and moved on under a lock.
     */
    claimRun: (nowMs: number = Date.now()): Promise<string> =>
      db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${RUN_LOCK})`.execute(trx);
        const meta = await trx
          .selectFrom('wa_meta')
          .select('value')
          .where('key', '=', 'event_run')
          .executeTakeFirst();
        const stored = await trx
          .selectFrom('wa_events')
          .select('run')
          .orderBy('pos', 'desc')
          .limit(1)
          .executeTakeFirst();
        const last = [meta?.value, stored?.run]
          .filter((r): r is string => r !== undefined)
          .sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))
          .at(-1);
        const run = nextRun(last ?? null, nowMs);
        await trx
          .insertInto('wa_meta')
          .values({ key: 'event_run', value: run })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: run }))
          .execute();
        return run;
      }),

    /** The run of the newest event stored, so the next run's ids sort after it. */
    async lastRun(): Promise<string | null> {
      const row = await db
        .selectFrom('wa_events')
        .select('run')
        .orderBy('pos', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.run ?? null;
    },
  };
};
