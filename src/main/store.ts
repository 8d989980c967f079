import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { createAuthFolders } from '../sessions/auth-folders.js';
import { StoreStartError } from '../store/connect.js';
import { createStore, type Store } from '../store/store.js';
import { fail } from './fail.js';

/** The store: sessions registry, webhook outbox, event log; one that cannot start exits 1. */
export const openStore = async (deps: {
  config: Config;
  folders: ReturnType<typeof createAuthFolders>;
  logger: Logger;
}): Promise<Store> => {
  const { config, folders, logger } = deps;
  try {
    return await createStore({
      dataDir: config.dataDir,
      databaseUrl: config.DATABASE_URL,
      connectRetryMs: config.DATABASE_CONNECT_RETRY_MS,
      retentionMs: config.WEBHOOK_RETENTION,
      folders,
      logger,
      ...(config.CLUSTER ? { instanceId: config.INSTANCE_ID } : {}),
    });
  } catch (err) {
    if (err instanceof StoreStartError) return fail(err.message);
    throw err;
  }
};
