import { type Kysely, sql } from 'kysely';
import { parseEventId } from '../events/event-id.js';
import {
  type AttemptResult,
  type DeliveryRow,
  type DeliveryView,
  type DueDelivery,
  type OutboxStats,
  type RecordedEvent,
  toView,
} from './delivery-types.js';
import { createEventLog } from './event-log.js';
import { createOutboxClaims } from './outbox-claims.js';
import type { Database, DeliveryStatus } from './schema.js';

export type { AttemptResult, DeliveryRow, DeliveryView, DueDelivery, OutboxStats, RecordedEvent };
export { toView };

// SQLite allows 32766 bound parameters per statement; a batch of events is cut well below that.
const CHUNK = 200;
const chunks = <T>(items: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
};

/** The webhook outbox and the event log on the store: one set of queries for SQLite and PostgreSQL. */
export const createOutboxStore = (deps: {
  db: Kysely<Database>;
  /** Cluster mode (PostgreSQL): deliveries are claimed by this instance, events announced to the others. */
  instanceId?: string | undefined;
}) => {
  const { db } = deps;
  const claims =
    deps.instanceId === undefined ? null : createOutboxClaims({ db, instanceId: deps.instanceId });
  return {
    claims,
    ...createEventLog({ db }),
    /**
     * Events accepted together, in one transaction: each in the event log, one pending delivery per
     * receiver, and a state change noted in the sessions registry. Returns the deliveries created.
     */
    async record(items: RecordedEvent[], at: number): Promise<DueDelivery[]> {
      return db.transaction().execute(async (trx) => {
        for (const part of chunks(items)) {
          await trx
            .insertInto('wa_events')
            .values(
              part.map(({ event, body }) => {
                const id = parseEventId(event.id);
                return {
                  id: event.id,
                  run: id?.run ?? '',
                  seq: id?.seq ?? 0,
                  type: event.type,
                  session_id: event.sessionId,
                  created_at: Date.parse(event.timestamp) || at,
                  body,
                };
              }),
            )
            .execute();
        }
        for (const { event } of items) {
          if (event.type !== 'session.status') continue;
          await trx
            .updateTable('wa_sessions')
            .set({ last_state: event.payload.state, last_reason: event.payload.reason })
            .where('id', '=', event.sessionId)
            .execute();
        }
        const wanted = items.flatMap(({ event, body, urls }) => urls.map((url) => ({ event, body, url })));
        const created: DueDelivery[] = [];
        for (const part of chunks(wanted)) {
          const rows = await trx
            .insertInto('wa_deliveries')
            .values(
              part.map(({ event, url }) => ({
                event_id: event.id,
                event_type: event.type,
                session_id: event.sessionId,
                url,
                status: 'pending' as const,
                attempts: 0,
                last_status: null,
                last_error: null,
                created_at: at,
                updated_at: at,
                next_attempt_at: at,
              })),
            )
            .returning(['id', 'event_id', 'url'])
            .execute();
          // Matched by (event, url), not by position: RETURNING promises no order.
          const bodies = new Map(part.map((p) => [`${p.event.id} ${p.url}`, p.body]));
          for (const row of rows) {
            created.push({
              id: row.id,
              eventId: row.event_id,
              url: row.url,
              attempts: 0,
              nextAttemptAt: at,
              body: bodies.get(`${row.event_id} ${row.url}`) ?? '',
            });
          }
        }
        await claims?.onRecorded(
          trx,
          items.map(({ event }) => event.id),
          created.map((d) => d.id),
        );
        return created.sort((a, b) => a.id - b.id);
      });
    },

    /** Receivers that have pending deliveries (at start, and after the store came back). */
    async pendingUrls(): Promise<string[]> {
      if (claims) return claims.pendingUrls();
      const rows = await db
        .selectFrom('wa_deliveries')
        .select('url')
        .distinct()
        .where('status', '=', 'pending')
        .execute();
      return rows.map((r) => r.url);
    },

    /** The next pending deliveries of one receiver after `afterId`, oldest first, with their bodies. */
    async pendingOf(url: string, afterId: number, limit: number): Promise<DueDelivery[]> {
      if (claims) return claims.claimPendingOf(url, afterId, limit);
      const rows = await db
        .selectFrom('wa_deliveries as d')
        .innerJoin('wa_events as e', 'e.id', 'd.event_id')
        .select(['d.id', 'd.event_id', 'd.url', 'd.attempts', 'd.next_attempt_at', 'e.body'])
        .where('d.status', '=', 'pending')
        .where('d.url', '=', url)
        .where('d.id', '>', afterId)
        .orderBy('d.id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        url: r.url,
        attempts: r.attempts,
        nextAttemptAt: r.next_attempt_at ?? 0,
        body: r.body,
      }));
    },

    async saveResults(results: AttemptResult[]): Promise<void> {
      await db.transaction().execute(async (trx) => {
        for (const r of results) {
          await trx
            .updateTable('wa_deliveries')
            .set({
              status: r.status,
              attempts: r.attempts,
              last_status: r.lastStatus,
              last_error: r.status === 'delivered' ? null : r.lastError,
              updated_at: r.at,
              next_attempt_at: r.status === 'pending' ? r.nextAttemptAt : null,
            })
            // A delivery put back by the retry API meanwhile is not overwritten by a stale result.
            .where('id', '=', r.id)
            .where('status', '=', 'pending')
            .execute();
        }
      });
    },

    async list(query: {
      status?: DeliveryStatus | undefined;
      sessionId?: string | undefined;
      limit: number;
      before?: number | undefined;
    }): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
      let q = db.selectFrom('wa_deliveries').selectAll();
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      if (query.sessionId !== undefined) q = q.where('session_id', '=', query.sessionId);
      if (query.before !== undefined) q = q.where('id', '<', query.before);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(query.limit + 1)
        .execute();
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(toView),
        nextCursor: rows.length > query.limit && last !== undefined ? String(last.id) : null,
      };
    },

    async get(id: number): Promise<DeliveryRow | undefined> {
      return db.selectFrom('wa_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Back to pending with its attempts reset; undefined when the delivery does not exist or is pending. */
    async retry(id: number, at: number): Promise<DueDelivery | undefined> {
      const row = await db
        .updateTable('wa_deliveries')
        .set({ status: 'pending', attempts: 0, updated_at: at, next_attempt_at: at })
        .where('id', '=', id)
        .where('status', '<>', 'pending')
        .returning(['id', 'event_id', 'url'])
        .executeTakeFirst();
      if (row === undefined) return undefined;
      await claims?.take(row.id);
      const event = await db
        .selectFrom('wa_events')
        .select('body')
        .where('id', '=', row.event_id)
        .executeTakeFirst();
      return {
        id: row.id,
        eventId: row.event_id,
        url: row.url,
        attempts: 0,
        nextAttemptAt: at,
        body: event?.body ?? '',
      };
    },

    async stats(): Promise<OutboxStats> {
      const rows = await db
        .selectFrom('wa_deliveries')
        .select(['status', sql<number>`count(*)`.as('n'), sql<number | null>`min(created_at)`.as('oldest')])
        .where('status', 'in', ['pending', 'failed'])
        .groupBy('status')
        .execute();
      const pending = rows.find((r) => r.status === 'pending');
      const failed = rows.find((r) => r.status === 'failed');
      return {
        pending: Number(pending?.n ?? 0),
        failed: Number(failed?.n ?? 0),
        oldestPendingAt: pending?.oldest == null ? null : Number(pending.oldest),
      };
    },

    /**
     * Retention: delivered deliveries older than `before`, then events no delivery still needs. Failed
     * ones (dead letters) stay until retried or their session's data is removed by hand.
     */
    async prune(before: number): Promise<{ deliveries: number; events: number }> {
      const deliveries = await db
        .deleteFrom('wa_deliveries')
        .where('status', '=', 'delivered')
        .where('updated_at', '<', before)
        .executeTakeFirst();
      const events = await db
        .deleteFrom('wa_events')
        .where('created_at', '<', before)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('wa_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'wa_events.id'),
            ),
          ),
        )
        .executeTakeFirst();
      return { deliveries: Number(deliveries.numDeletedRows), events: Number(events.numDeletedRows) };
    },
  };
};

export type OutboxStore = ReturnType<typeof createOutboxStore>;
