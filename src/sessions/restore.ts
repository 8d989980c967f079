import { availableParallelism, freemem } from 'node:os';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sinceProcessStart } from '../startup-clock.js';
import type { AuthFolders } from './auth-folders.js';
import type { SessionRecord, SessionRecords } from './session-records.js';
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
 * At startup: every session whose desired state is running in the registry (without a registry:
 * every id that has a folder on disk) and no session yet is started again, at most `concurrency` at
 * a time, each waited for until its initialize() settled (bounded browsers starting). A session that
 * cannot be restored is logged and skipped. The webhooks are read up front, all at once, so a start
 * waits on its browser only. Stopped ones are only listed again (`listStopped`).
 */
export const restoreSessions = async (deps: {
  folders: AuthFolders;
  records?: SessionRecords | undefined;
  listStopped: (record: SessionRecord) => void;
  logger: Logger;
  /** 0: derived from the cores and free memory (restoreConcurrency). */
  concurrency: number;
  isListed: (id: string) => boolean;
  /**
   * Under the id's lock: checks again that the id is still to be restored and has no session (a
   * DELETE or a create may have come first while restore ran) and creates it; resolves once it is
   * launching, with its initialize(), or null when it was skipped.
   */
  start: (id: string, webhook: WebhookSettings | null) => Promise<{ initializing: Promise<void> } | null>;
  machine?: { cores: number; freeBytes: number };
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
  const concurrency = restoreConcurrency(deps.concurrency, deps.machine);
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
