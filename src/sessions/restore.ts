import { availableParallelism, freemem } from 'node:os';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuthFolders } from './auth-folders.js';
import type { WebhookSettings } from './types.js';

/** What a browser takes while it starts (measured ~60 MiB READY, more while it loads the page). */
const START_BYTES = 256 * 1024 * 1024;
/** Starts per core: a start mostly waits (process spawn, IPC, the page's navigation), not computes. */
const STARTS_PER_CORE = 4;
const MAX_AUTO = 16;

/**
 * RESTORE_CONCURRENCY=0 (the default): as many starts at once as the cores keep busy, never more than
 * free memory holds. `npm run bench -- --only restore --restore-concurrency 2` puts a fixed setting
 * beside it.
 */
export const restoreConcurrency = (
  setting: number,
  machine: { cores: number; freeBytes: number } = { cores: availableParallelism(), freeBytes: freemem() },
): number => {
  if (setting > 0) return setting;
  const byCores = machine.cores * STARTS_PER_CORE;
  const byMemory = Math.floor(machine.freeBytes / START_BYTES);
  return Math.max(1, Math.min(byCores, byMemory, MAX_AUTO));
};

/**
 * At startup: every session id that has a folder on disk and no session yet is started again, at
 * most `concurrency` at a time, each waited for until its initialize() settled (bounded browsers
 * starting). Every folder's meta is read up front, all at once, so a start waits on its browser only.
 * A session that cannot be restored is logged and skipped.
 */
export const restoreSessions = async (deps: {
  folders: AuthFolders;
  logger: Logger;
  /** 0: derived from the cores and free memory (restoreConcurrency). */
  concurrency: number;
  isListed: (id: string) => boolean;
  /** Creates the session under its lock; resolves once it is launching, with its initialize(). */
  start: (id: string, webhook: WebhookSettings | null) => Promise<{ initializing: Promise<void> }>;
  machine?: { cores: number; freeBytes: number };
}): Promise<void> => {
  const { folders, logger } = deps;
  const ids = (await folders.listIds()).filter((id) => !deps.isListed(id));
  if (ids.length === 0) return;
  const concurrency = restoreConcurrency(deps.concurrency, deps.machine);
  logger.info({ count: ids.length, concurrency }, `Restoring ${ids.length} session(s)`);
  const metas = new Map(
    ids.map((id) => {
      const meta = folders.readMeta(id);
      // Awaited by the worker that starts this id; a failure is that session's, logged there.
      meta.catch(() => undefined);
      return [id, meta] as const;
    }),
  );
  const queue = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const meta = await metas.get(id);
        const { initializing } = await deps.start(id, meta?.webhook ?? null);
        await initializing;
      } catch (err) {
        logger.error({ err: toError(err), sessionId: id }, `Could not restore session ${id}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
};
