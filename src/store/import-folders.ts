import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '../logger.js';
import { type AuthFolders, META_FILE } from '../sessions/auth-folders.js';
import type { WebhookSettings } from '../sessions/types.js';
import type { Database } from './schema.js';

const IMPORTED = 'folders_imported';

/**
 * The one-time upgrade of a DATA_DIR from before the store: every session folder becomes a record
 * (desired running, as restore treated it), with the webhook of its `wa-sessions.json` when it has
 * one; then those files are removed. Done once per database, marked in `wa_meta`; the records and the
 * mark are written in one transaction, so a crash half-way imports again at the next start.
 */
export const importSessionFolders = async (deps: {
  db: Kysely<Database>;
  folders: Pick<AuthFolders, 'listIds' | 'readMeta' | 'folderOf'>;
  importRecord: (db: Kysely<Database>, id: string, webhook: WebhookSettings | null) => Promise<void>;
  logger: Logger;
  now?: () => number;
}): Promise<number> => {
  const { db, logger } = deps;
  const done = await db.selectFrom('wa_meta').select('value').where('key', '=', IMPORTED).executeTakeFirst();
  if (done !== undefined) return 0;
  const ids = await deps.folders.listIds();
  const known = new Set((await db.selectFrom('wa_sessions').select('id').execute()).map((r) => r.id));
  const found = await Promise.all(
    ids.filter((id) => !known.has(id)).map(async (id) => ({ id, meta: await deps.folders.readMeta(id) })),
  );
  await db.transaction().execute(async (trx) => {
    for (const { id, meta } of found) await deps.importRecord(trx, id, meta?.webhook ?? null);
    // Instances of a cluster starting together on a new database all get here: one mark is enough.
    await trx
      .insertInto('wa_meta')
      .values({ key: IMPORTED, value: String((deps.now ?? Date.now)()) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  });
  for (const id of ids) {
    await rm(path.join(deps.folders.folderOf(id), META_FILE), { force: true }).catch((err: unknown) =>
      logger.warn({ err, sessionId: id }, `Could not remove the imported ${META_FILE}`),
    );
  }
  if (found.length > 0) {
    logger.info(
      { count: found.length },
      `Imported ${found.length} session folder(s) into the sessions registry`,
    );
  }
  return found.length;
};
