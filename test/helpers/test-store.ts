import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger.js';
import { openStore, type StoreConnection } from '../../src/store/connect.js';
import { createOutboxStore, type OutboxStore } from '../../src/store/outbox.js';

/**
 * A real SQLite store in a temporary DATA_DIR, migrated as at start: for tests of the dispatcher and
 * SSE that do not run the whole server. `close()` closes it and removes the folder.
 */
export const openTestStore = async (): Promise<{
  connection: StoreConnection;
  outbox: OutboxStore;
  close(): Promise<void>;
}> => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-store-'));
  const connection = await openStore({
    dataDir,
    logger: createLogger({ level: 'silent' }),
    connectRetryMs: 0,
  });
  return {
    connection,
    outbox: createOutboxStore({ db: connection.db }),
    async close() {
      await connection.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
