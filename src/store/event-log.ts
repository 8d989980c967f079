import type { Kysely } from 'kysely';
import { parseEventId } from '../events/event-id.js';
import type { Database } from './schema.js';

/** The event log that SSE replays from (rows written with the outbox's, see outbox.ts). */
export const createEventLog = (deps: { db: Kysely<Database> }) => {
  const { db } = deps;
  return {
    /** Events after `lastEventId` (by run and sequence, so a pruned id still works), oldest first. */
    async eventsAfter(lastEventId: string, limit: number): Promise<string[]> {
      const last = parseEventId(lastEventId);
      if (last === null) return [];
      const rows = await db
        .selectFrom('wa_events')
        .select('body')
        .where((eb) =>
          eb.or([eb('run', '>', last.run), eb.and([eb('run', '=', last.run), eb('seq', '>', last.seq)])]),
        )
        .orderBy('pos')
        .limit(limit)
        .execute();
      return rows.map((r) => r.body);
    },

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
