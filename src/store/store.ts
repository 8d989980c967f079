import type { Logger } from '../logger.js';
import type { AuthFolders } from '../sessions/auth-folders.js';
import { withTimeout } from '../timeout.js';
import { openStore, type StoreConnection } from './connect.js';
import { importSessionFolders } from './import-folders.js';
import { createOutboxStore, type OutboxStore } from './outbox.js';
import { createSessionsRegistry } from './sessions-registry.js';

export interface Store {
  readonly connection: StoreConnection;
  readonly sessions: ReturnType<typeof createSessionsRegistry>;
  readonly outbox: OutboxStore;
  /** For /health/ready: the database answers within the limit. */
  check(): Promise<{ status: 'ok'; backend: string } | { status: 'fail'; problem: string }>;
  close(): Promise<void>;
}

/**
 * The durable state of wa-sessions, opened and migrated at start: the sessions registry, the webhook
 * outbox and the event log. Also imports an old DATA_DIR's `wa-sessions.json` files once, and prunes
 * what is older than WEBHOOK_RETENTION every hour.
 */
export const createStore = async (deps: {
  dataDir: string;
  databaseUrl: string | undefined;
  connectRetryMs: number;
  retentionMs: number;
  folders: Pick<AuthFolders, 'listIds' | 'readMeta' | 'folderOf'>;
  logger: Logger;
  now?: () => number;
  pruneEveryMs?: number;
  /** Cluster mode: INSTANCE_ID, which claims webhook deliveries and announces events (outbox-claims.ts). */
  instanceId?: string | undefined;
}): Promise<Store> => {
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const connection = await openStore({
    dataDir: deps.dataDir,
    databaseUrl: deps.databaseUrl,
    logger,
    connectRetryMs: deps.connectRetryMs,
  });
  logger.info({ backend: connection.dialect, database: connection.location }, 'Store open');
  const sessions = createSessionsRegistry({ db: connection.db, now });
  const outbox = createOutboxStore({ db: connection.db, instanceId: deps.instanceId });
  await importSessionFolders({
    db: connection.db,
    folders: deps.folders,
    importRecord: sessions.importRecord,
    logger,
    now,
  });

  const prune = async () => {
    try {
      const removed = await outbox.prune(now() - deps.retentionMs);
      if (removed.deliveries + removed.events > 0)
        logger.info(removed, 'Pruned what is older than WEBHOOK_RETENTION');
    } catch (err) {
      logger.warn({ err }, 'Could not prune the store; trying again later');
    }
  };
  await prune();
  const pruneTimer = setInterval(() => void prune(), deps.pruneEveryMs ?? 3_600_000);
  pruneTimer.unref();

  return {
    connection,
    sessions,
    outbox,
    async check() {
      try {
        await connection.ping(2000);
        // A write too: a full disk or a read-only DATA_DIR still answers reads.
        await withTimeout(
          connection.db
            .insertInto('wa_meta')
            .values({ key: 'health_checked_at', value: String(now()) })
            .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(now()) }))
            .execute(),
          2000,
          'a write to the database',
        );
        return { status: 'ok', backend: connection.dialect };
      } catch (err) {
        return {
          status: 'fail',
          problem: `The database (${connection.location}) does not answer: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    },
    async close() {
      clearInterval(pruneTimer);
      await connection.close();
    },
  };
};
