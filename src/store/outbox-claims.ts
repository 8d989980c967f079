import { type Kysely, sql } from 'kysely';
import type { DueDelivery } from './delivery-types.js';
import type { Database } from './schema.js';

/** The PostgreSQL channel on which an instance announces the events it just recorded. */
export const EVENTS_CHANNEL = 'wa_events';

/**
 * How long a claim on a delivery lasts past its last renewal: longer than one attempt (10 s) twice
 * over, so a claim held by a live dispatcher never lapses mid-attempt; a dead instance's lapse after it.
 */
export const CLAIM_MS = 30_000;

// NOTIFY payloads are limited to 8000 bytes: ids go out in groups well below that.
const IDS_PER_NOTICE = 100;

const dbNow = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** What a notice on EVENTS_CHANNEL carries: who recorded the events, and their ids. */
export interface EventsNotice {
  from: string;
  ids: string[];
}

/**
 * Cluster mode's part of the outbox (PostgreSQL): deliveries are claimed by one instance at a time
 * (claimed_by / claimed_until by the database's clock, FOR UPDATE SKIP LOCKED), and the events
 * recorded are announced to the other instances (NOTIFY, sent only when the transaction commits).
 */
export const createOutboxClaims = (deps: { db: Kysely<Database>; instanceId: string }) => {
  const { db, instanceId } = deps;
  const claimable = sql<boolean>`(d.claimed_by is null or d.claimed_until < ${dbNow} or d.claimed_by = ${instanceId})`;
  return {
    instanceId,
    /** Inside record()'s transaction: the deliveries just created are ours; the events are announced. */
    async onRecorded(trx: Kysely<Database>, eventIds: string[], deliveryIds: number[]): Promise<void> {
      if (deliveryIds.length > 0) {
        await trx
          .updateTable('wa_deliveries')
          .set({ claimed_by: instanceId, claimed_until: sql<number>`${dbNow} + ${CLAIM_MS}` })
          .where('id', 'in', deliveryIds)
          .execute();
      }
      for (let i = 0; i < eventIds.length; i += IDS_PER_NOTICE) {
        const notice: EventsNotice = { from: instanceId, ids: eventIds.slice(i, i + IDS_PER_NOTICE) };
        await sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(notice)})`.execute(trx);
      }
    },

    /** Receivers with pending deliveries nobody else holds a valid claim on. */
    async pendingUrls(): Promise<string[]> {
      const rows = await db
        .selectFrom('wa_deliveries as d')
        .select('d.url')
        .distinct()
        .where('d.status', '=', 'pending')
        .where(claimable)
        .execute();
      return rows.map((r) => r.url);
    },

    /** Claims the next pending deliveries of `url` after `afterId` that nobody else holds; with bodies. */
    async claimPendingOf(url: string, afterId: number, limit: number): Promise<DueDelivery[]> {
      // A CTE runs once: the rows it locked are exactly the rows updated (a subquery under IN may be
      // run again by the planner, and LIMIT with SKIP LOCKED then picks others).
      const claimed = await sql<{ id: number }>`
        with picked as (
          select d.id from wa_deliveries d
          where d.status = 'pending' and d.url = ${url} and d.id > ${afterId} and ${claimable}
          order by d.id limit ${limit}
          for update skip locked)
        update wa_deliveries w set claimed_by = ${instanceId}, claimed_until = ${dbNow} + ${CLAIM_MS}
        from picked where w.id = picked.id
        returning w.id`.execute(db);
      const ids = claimed.rows.map((r) => Number(r.id));
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('wa_deliveries as d')
        .innerJoin('wa_events as e', 'e.id', 'd.event_id')
        .select(['d.id', 'd.event_id', 'd.url', 'd.attempts', 'd.next_attempt_at', 'e.body'])
        .where('d.id', 'in', ids)
        .orderBy('d.id')
        .execute();
      return rows.map((r) => ({
        id: Number(r.id),
        eventId: r.event_id,
        url: r.url,
        attempts: r.attempts,
        nextAttemptAt: Number(r.next_attempt_at ?? 0),
        body: r.body,
      }));
    },

    /**
     * Right before an attempt: whether the delivery is still pending and ours (its claim extended);
     * false when another instance took it over (ours lapsed) or it is no longer pending.
     */
    async confirm(id: number): Promise<boolean> {
      const row = await db
        .updateTable('wa_deliveries')
        .set({ claimed_until: sql<number>`${dbNow} + ${CLAIM_MS}` })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('claimed_by', '=', instanceId)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Extends every claim this instance holds on pending deliveries (every CLAIM_MS / 3). */
    async renew(): Promise<void> {
      await db
        .updateTable('wa_deliveries')
        .set({ claimed_until: sql<number>`${dbNow} + ${CLAIM_MS}` })
        .where('claimed_by', '=', instanceId)
        .where('status', '=', 'pending')
        .execute();
    },

    /** A delivery put back to pending by the retry API is this instance's to send. */
    async take(id: number): Promise<void> {
      await db
        .updateTable('wa_deliveries')
        .set({ claimed_by: instanceId, claimed_until: sql<number>`${dbNow} + ${CLAIM_MS}` })
        .where('id', '=', id)
        .execute();
    },

    /** The bodies of events recorded by another instance, in the order they were stored. */
    async eventsByIds(ids: string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('wa_events')
        .select('body')
        .where('id', 'in', ids)
        .orderBy('pos')
        .execute();
      return rows.map((r) => r.body);
    },
  };
};

export type OutboxClaims = ReturnType<typeof createOutboxClaims>;
