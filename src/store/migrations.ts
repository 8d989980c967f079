import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

interface Migration {
  version: number;
  up(trx: Transaction<Database>, dialect: Dialect): Promise<void>;
}

/**
 * Versioned, append-only: a released migration is never edited, a change is a new one. Each is
 * applied in its own transaction with its version row, so a failure leaves the previous version.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    async up(trx, dialect) {
      const big = dialect === 'postgres' ? 'bigint' : 'integer';
      const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
      const autoId = dialect === 'sqlite';
      await trx.schema
        .createTable('wa_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await trx.schema
        .createTable('wa_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('desired', 'text', (c) => c.notNull())
        .addColumn('webhook', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('last_state', 'text')
        .addColumn('last_reason', 'text')
        .execute();
      await trx.schema
        .createTable('wa_events')
        .addColumn('pos', serial, (c) => (autoId ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('run', 'text', (c) => c.notNull())
        .addColumn('seq', big, (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      await trx.schema.createIndex('wa_events_run_seq').on('wa_events').columns(['run', 'seq']).execute();
      await trx.schema.createIndex('wa_events_created').on('wa_events').column('created_at').execute();
      await trx.schema
        .createTable('wa_deliveries')
        .addColumn('id', serial, (c) => (autoId ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('next_attempt_at', big)
        .execute();
      await trx.schema
        .createIndex('wa_deliveries_status_url')
        .on('wa_deliveries')
        .columns(['status', 'url', 'id'])
        .execute();
      await trx.schema
        .createIndex('wa_deliveries_session')
        .on('wa_deliveries')
        .columns(['session_id', 'id'])
        .execute();
      await trx.schema.createIndex('wa_deliveries_event').on('wa_deliveries').column('event_id').execute();
    },
  },
  {
    // Cluster mode (src/cluster): instances, session leases, auth archives, delivery claims. The
    // tables exist on SQLite too (one schema for both), where a single instance leaves them empty.
    version: 2,
    async up(trx, dialect) {
      const big = dialect === 'postgres' ? 'bigint' : 'integer';
      const blob = dialect === 'postgres' ? 'bytea' : 'blob';
      await trx.schema
        .createTable('wa_instances')
        .addColumn('instance_id', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('boot_id', 'text', (c) => c.notNull())
        .addColumn('capacity', 'integer', (c) => c.notNull())
        .addColumn('started_at', big, (c) => c.notNull())
        .addColumn('heartbeat_at', big, (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .execute();
      await trx.schema
        .createTable('wa_leases')
        .addColumn('session_id', 'text', (c) => c.primaryKey())
        .addColumn('instance_id', 'text', (c) => c.notNull())
        .addColumn('epoch', big, (c) => c.notNull())
        .addColumn('acquired_at', big, (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .execute();
      await trx.schema.createIndex('wa_leases_instance').on('wa_leases').column('instance_id').execute();
      await trx.schema
        .createTable('wa_auth_archives')
        .addColumn('session_id', 'text', (c) => c.primaryKey())
        .addColumn('archive', blob, (c) => c.notNull())
        .addColumn('bytes', big, (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('saved_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();
      await trx.schema.alterTable('wa_deliveries').addColumn('claimed_by', 'text').execute();
      await trx.schema.alterTable('wa_deliveries').addColumn('claimed_until', big).execute();
    },
  },
];

export const latestVersion = (): number => migrations.reduce((max, m) => Math.max(max, m.version), 0);

export class DatabaseTooNewError extends Error {}

/** Any fixed number: the lock every instance migrating one PostgreSQL database takes. */
const MIGRATION_LOCK = 0x7761_7365;

/**
 * Brings the schema to the latest version; refuses a database written by a newer wa-sessions. All of
 * it runs in one transaction, under a transaction-scoped advisory lock on PostgreSQL: instances of a
 * cluster starting together migrate one after the other, and the later ones find the work done.
 */
export const migrate = async (
  db: Kysely<Database>,
  dialect: Dialect,
  now: () => number = Date.now,
): Promise<{ from: number; to: number }> =>
  db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await trx.schema
      .createTable('wa_schema_version')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('applied_at', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull())
      .execute();
    const row = await trx
      .selectFrom('wa_schema_version')
      .select(sql<number | null>`max(version)`.as('version'))
      .executeTakeFirst();
    const from = Number(row?.version ?? 0);
    const to = latestVersion();
    if (from > to) {
      throw new DatabaseTooNewError(
        `its schema is version ${from}, newer than this wa-sessions knows (${to}): run the newer version, or restore a backup taken before the upgrade`,
      );
    }
    for (const migration of migrations.filter((m) => m.version > from)) {
      await migration.up(trx, dialect);
      await trx
        .insertInto('wa_schema_version')
        .values({ version: migration.version, applied_at: now() })
        .execute();
    }
    return { from, to };
  });
