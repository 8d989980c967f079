import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuthFolders } from './auth-folders.js';

/**
 * At startup: every session id that has a folder on disk and no session yet is started again, at
 * most `concurrency` at a time, each waited for until its initialize() settled (bounded browsers
 * starting). A session that cannot be restored is logged and skipped.
 */
export const restoreSessions = async (deps: {
  folders: AuthFolders;
  logger: Logger;
  concurrency: number;
  isListed: (id: string) => boolean;
  /**
   * Under the id's lock: checks again that the id still has a folder and no session (a DELETE or a
   * create may have come first while restore ran), reads its settings and creates it; resolves once
   * it is launching, with its initialize(), or null when it was skipped.
   */
  start: (id: string) => Promise<{ initializing: Promise<void> } | null>;
}): Promise<void> => {
  const { folders, logger } = deps;
  const ids = (await folders.listIds()).filter((id) => !deps.isListed(id));
  if (ids.length === 0) return;
  logger.info({ count: ids.length }, `Restoring ${ids.length} session(s)`);
  const queue = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const started = await deps.start(id);
        if (started) await started.initializing;
        else logger.info({ sessionId: id }, `Session ${id} not restored: deleted or created meanwhile`);
      } catch (err) {
        logger.error({ err: toError(err), sessionId: id }, `Could not restore session ${id}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency, ids.length) }, worker));
};
