import type { Kysely, Selectable } from 'kysely';
import type { SessionRecord, SessionRecords } from '../sessions/session-records.js';
import { type SessionState, sessionStates, type WebhookSettings } from '../sessions/types.js';
import type { Database, SessionsTable } from './schema.js';
import { forRequest } from './store-errors.js';

const parseWebhook = (raw: string | null): WebhookSettings | null => {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as { url?: unknown; events?: unknown };
    if (typeof value.url !== 'string' || !Array.isArray(value.events)) return null;
    return { url: value.url, events: value.events.filter((e): e is string => typeof e === 'string') };
  } catch {
    return null;
  }
};

const asState = (value: string | null): SessionState | null =>
  (sessionStates as readonly string[]).includes(value ?? '') ? (value as SessionState) : null;

const toRecord = (row: Selectable<SessionsTable>): SessionRecord => ({
  id: row.id,
  desired: row.desired === 'stopped' ? 'stopped' : 'running',
  webhook: parseWebhook(row.webhook),
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
  lastState: asState(row.last_state),
  lastReason: row.last_reason,
});

/** The sessions registry on the store: one row per session the user created and did not delete. */
export const createSessionsRegistry = (deps: {
  db: Kysely<Database>;
  now?: () => number;
}): SessionRecords & {
  /** Upserts a record inside a caller's transaction (the one-time import). */
  importRecord(db: Kysely<Database>, id: string, webhook: WebhookSettings | null): Promise<void>;
} => {
  const { db } = deps;
  const now = deps.now ?? Date.now;

  const upsert = async (
    target: Kysely<Database>,
    id: string,
    desired: 'running' | 'stopped',
    webhook: WebhookSettings | null,
  ): Promise<void> => {
    const at = now();
    const json = webhook === null ? null : JSON.stringify(webhook);
    await target
      .insertInto('wa_sessions')
      .values({
        id,
        desired,
        webhook: json,
        created_at: at,
        updated_at: at,
        last_state: null,
        last_reason: null,
      })
      .onConflict((oc) => oc.column('id').doUpdateSet({ desired, webhook: json, updated_at: at }))
      .execute();
  };

  return {
    save: (id, { desired, webhook }) => forRequest(() => upsert(db, id, desired, webhook)),
    // The stored auth archive (cluster mode) goes with the record, in one transaction: the record
    // first, so that an archive save holding the record's row (src/cluster/auth-archives.ts) ends first.
    remove: (id) =>
      forRequest(() =>
        db.transaction().execute(async (trx) => {
          await trx.deleteFrom('wa_sessions').where('id', '=', id).execute();
          await trx.deleteFrom('wa_auth_archives').where('session_id', '=', id).execute();
        }),
      ),
    async list(): Promise<SessionRecord[]> {
      const rows = await db.selectFrom('wa_sessions').selectAll().orderBy('id').execute();
      return rows.map(toRecord);
    },
    async get(id) {
      const row = await db.selectFrom('wa_sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : toRecord(row);
    },
    importRecord: (target, id, webhook) => upsert(target, id, 'running', webhook),
  };
};
