import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuthFolders } from './auth-folders.js';
import type { SessionRecord, SessionRecords } from './session-records.js';
import type { WebhookSettings } from './types.js';

/**
 * At startup: every session whose desired state is running in the registry (without a registry:
 * every id that has a folder on disk) and no session yet is started again, at most `concurrency` at
 * a time, each waited for until its initialize() settled (bounded browsers starting). A session that
 * cannot be restored is logged and skipped. Stopped ones are only listed again (`listStopped`).
 */
export const restoreSessions = async (deps: {
  folders: AuthFolders;
  records?: SessionRecords | undefined;
  listStopped: (record: SessionRecord) => void;
  logger: Logger;
  concurrency: number;
  isListed: (id: string) => boolean;
  /** Creates the session under its lock; resolves once it is launching, with its initialize(). */
  start: (id: string, webhook: WebhookSettings | null) => Promise<{ initializing: Promise<void> }>;
}): Promise<void> => {
  const { folders, logger } = deps;
  const webhookOf = new Map<string, WebhookSettings | null>();
  let found: string[];
  if (deps.records) {
    found = [];
    for (const record of await deps.records.list()) {
      if (deps.isListed(record.id)) continue;
      webhookOf.set(record.id, record.webhook);
      if (record.desired === 'running') found.push(record.id);
      else deps.listStopped(record);
    }
  } else {
    found = await folders.listIds();
    for (const id of found) webhookOf.set(id, (await folders.readMeta(id))?.webhook ?? null);
  }
  const ids = found.filter((id) => !deps.isListed(id));
  if (ids.length === 0) return;
  logger.info({ count: ids.length }, `Restoring ${ids.length} session(s)`);
  const queue = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const { initializing } = await deps.start(id, webhookOf.get(id) ?? null);
        await initializing;
      } catch (err) {
        logger.error({ err: toError(err), sessionId: id }, `Could not restore session ${id}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency, ids.length) }, worker));
};
