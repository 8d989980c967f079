import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sinceProcessStart } from '../startup-clock.js';
import type { AuthFolders } from './auth-folders.js';
import type { SessionRecord, SessionRecords } from './session-records.js';
import type { WebhookSettings } from './types.js';

/**
 * RESTORE_CONCURRENCY=0 (the default): every session at once. Each is listed STARTING at once (its
 * status answers from the first moment, where one beyond the first few used to be a 404 until its
 * turn) and waits for its browser in the launch queue, whose LAUNCH_CONCURRENCY (derived from the
 * cores and free memory, start-concurrency.ts) bounds the browsers starting. A setting still
 * overrides it: at most that many sessions initializing at a time.
 */
export const restoreConcurrency = (setting: number, sessions: number): number =>
  Math.max(1, setting > 0 ? setting : sessions);

/**
 * At startup: every session whose desired state is running in the registry (without a registry:
 * every id that has a folder on disk) and no session yet is started again, at most `concurrency` at
 * a time (by default all), each waited for until its initialize() settled (the launch queue bounds
 * the browsers starting). A session that
 * cannot be restored is logged and skipped. The webhooks are read up front, all at once, so a start
 * waits on its browser only. Stopped ones are only listed again (`listStopped`).
 */
export const restoreSessions = async (deps: {
  folders: AuthFolders;
  records?: SessionRecords | undefined;
  listStopped: (record: SessionRecord) => void;
  logger: Logger;
  /** 0: every session at once, the launch queue bounding the browsers (restoreConcurrency). */
  concurrency: number;
  isListed: (id: string) => boolean;
  /**
   * Under the id's lock: checks again that the id is still to be restored and has no session (a
   * DELETE or a create may have come first while restore ran) and creates it; resolves once it is
   * launching, with its initialize(), or null when it was skipped.
   */
  start: (id: string, webhook: WebhookSettings | null) => Promise<{ initializing: Promise<void> } | null>;
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
    await Promise.all(
      found.map(async (id) => {
        webhookOf.set(id, (await folders.readMeta(id).catch(() => null))?.webhook ?? null);
      }),
    );
  }
  const ids = found.filter((id) => !deps.isListed(id));
  if (ids.length === 0) return;
  const concurrency = restoreConcurrency(deps.concurrency, ids.length);
  logger.info(
    { count: ids.length, concurrency, sinceStartMs: sinceProcessStart() },
    `Restoring ${ids.length} session(s)`,
  );
  const queue = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const started = await deps.start(id, webhookOf.get(id) ?? null);
        if (started) await started.initializing;
        else logger.info({ sessionId: id }, `Session ${id} not restored: deleted or created meanwhile`);
      } catch (err) {
        logger.error({ err: toError(err), sessionId: id }, `Could not restore session ${id}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
};
