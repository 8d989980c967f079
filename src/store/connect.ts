import path from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Logger } from '../logger.js';
import { withTimeout } from '../timeout.js';
import { DatabaseTooNewError, type Dialect, migrate } from './migrations.js';
import type { Database } from './schema.js';

export interface StoreConnection {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where the data is, safe to log: the SQLite file, or PostgreSQL's host:port/database (never the password). */
  readonly location: string;
  /** One round trip, bounded by `timeoutMs`; rejects when the database cannot answer. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Start-up cannot go on: main prints the message (one line) and exits 1. */
export class StoreStartError extends Error {}

export const SQLITE_FILE = 'wa-sessions.db';

export interface OpenStoreOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  logger: Logger;
  /** PostgreSQL only: how long to keep trying to connect at start before giving up. */
  connectRetryMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Opens (creating when needed) and migrates the store: SQLite in DATA_DIR, or PostgreSQL at DATABASE_URL. */
export const openStore = (options: OpenStoreOptions): Promise<StoreConnection> =>
  options.databaseUrl === undefined ? openSqlite(options) : openPostgres(options, options.databaseUrl);

const openSqlite = async (options: OpenStoreOptions): Promise<StoreConnection> => {
  const file = path.join(options.dataDir, SQLITE_FILE);
  const wayOut =
    'restore it from a backup, or move it aside to start with an empty database ' +
    '(the sessions registry, pending webhooks and events it holds are then lost)';
  // Loaded for the backend in use only: the other driver's memory is not paid for.
  const { default: Sqlite } = await import('better-sqlite3');
  let raw: SqliteDatabase.Database;
  try {
    raw = new Sqlite(file);
    raw.pragma('busy_timeout = 5000');
    // WAL: readers never block the writer; NORMAL sync is durable against a crash of the process
    // (kill -9), which is what the outbox promises; a power cut may lose the last transactions.
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    const check = raw.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
  } catch (err) {
    throw new StoreStartError(
      `The database file ${file} is corrupt or unreadable (${err instanceof Error ? err.message : String(err)}): ${wayOut}.`,
    );
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    await migrate(db, 'sqlite');
  } catch (err) {
    await db.destroy();
    const why = err instanceof DatabaseTooNewError ? err.message : `${String(err)}; ${wayOut}`;
    throw new StoreStartError(`The database file ${file} cannot be used: ${why}.`);
  }
  return {
    db,
    dialect: 'sqlite',
    location: file,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
};

/** host:port/database of a PostgreSQL URL: what may be logged. */
export const describePostgresUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '[unparseable DATABASE_URL]';
  }
};

const openPostgres = async (options: OpenStoreOptions, url: string): Promise<StoreConnection> => {
  const { default: pg } = await import('pg');
  // BIGINT (oid 20) as a number: the store keeps epoch milliseconds and ids, far below 2^53.
  const pgTypes = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  const location = describePostgresUrl(url);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    types: pgTypes,
  });
  // An idle client whose server went away emits here; unhandled, it would end the process.
  pool.on('error', (err) => options.logger.warn({ err, database: location }, 'PostgreSQL connection lost'));
  // A client in use when the server goes away emits 'error' too; without a listener that would be
  // an uncaught exception. Its query fails on its own (and the write is retried or answered 503).
  pool.on('connect', (client) => {
    client.on('error', (err) =>
      options.logger.warn({ err, database: location }, 'PostgreSQL connection lost'),
    );
  });
  const deadline = Date.now() + options.connectRetryMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const client = await pool.connect();
      client.release();
      break;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (Date.now() + 1000 > deadline) {
        await pool.end().catch(() => undefined);
        throw new StoreStartError(
          `Cannot reach PostgreSQL at ${location} (DATABASE_URL) after ${attempt} attempt(s): ${message}`,
        );
      }
      options.logger.warn({ database: location, attempt, err }, 'PostgreSQL not reachable yet; retrying');
      await sleep(Math.min(1000 * attempt, 5000, Math.max(0, deadline - Date.now())));
    }
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db, 'postgres');
  } catch (err) {
    await db.destroy();
    const why = err instanceof DatabaseTooNewError ? err.message : String(err);
    throw new StoreStartError(
      `The PostgreSQL database at ${location} (DATABASE_URL) cannot be used: ${why}.`,
    );
  }
  return {
    db,
    dialect: 'postgres',
    location,
    ping: async (timeoutMs) => {
      await withTimeout(sql`select 1`.execute(db), timeoutMs, 'the database');
    },
    close: () => db.destroy(),
  };
};
