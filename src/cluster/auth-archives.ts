import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { AuthArchives } from './types.js';

/** The stored archive does not match its own checksum or size: cut short or altered at rest. */
export class CorruptArchiveError extends Error {
  constructor(sessionId: string, why: string) {
    super(`The stored auth archive of session "${sessionId}" is corrupt: ${why}`);
    this.name = 'CorruptArchiveError';
  }
}

/** There is no stored archive for the session. */
export class MissingArchiveError extends Error {
  constructor(sessionId: string) {
    super(`There is no stored auth archive for session "${sessionId}"`);
    this.name = 'MissingArchiveError';
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * The profile archives of cluster mode in PostgreSQL (wa_auth_archives, bytea). Decision (lead's):
 * bytea, not large objects: an archive is a few MB, bytea is transactional, goes with its row (a large
 * object leaks unless unlinked), is in pg_dump with the table and needs no lo_* API.
 * A save only lands while the session's record exists, and holds that row FOR SHARE until it commits:
 * the registry's remove() (which deletes record and archive in one transaction) waits for it, and a
 * save that comes after a remove stores nothing. A session deleted while a backup ran can therefore
 * never leave its credentials behind for a later session of the same id.
 */
export const createAuthArchives = (deps: {
  db: Kysely<Database>;
  /** Written as `saved_by`: which instance saved the archive last. */
  instanceId: string;
  now?: () => number;
}): AuthArchives => {
  const { db, instanceId } = deps;
  const now = deps.now ?? Date.now;

  return {
    async exists(sessionId) {
      const row = await db
        .selectFrom('wa_auth_archives')
        .select('session_id')
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      return row !== undefined;
    },
    async save(sessionId, file) {
      const archive = await readFile(file);
      const digest = sha256(archive);
      await db.transaction().execute(async (trx) => {
        const record = await trx
          .selectFrom('wa_sessions')
          .select('id')
          .where('id', '=', sessionId)
          .forShare()
          .executeTakeFirst();
        if (!record) return;
        const row = {
          archive,
          bytes: archive.length,
          sha256: digest,
          saved_by: instanceId,
          updated_at: now(),
        };
        await trx
          .insertInto('wa_auth_archives')
          .values({ session_id: sessionId, ...row })
          .onConflict((oc) => oc.column('session_id').doUpdateSet(row))
          .execute();
      });
    },
    async extract(sessionId, file) {
      const row = await db
        .selectFrom('wa_auth_archives')
        .select(['archive', 'bytes', 'sha256'])
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      if (!row) throw new MissingArchiveError(sessionId);
      const archive = Buffer.from(row.archive);
      // bigint comes back from pg as a string.
      if (archive.length !== Number(row.bytes))
        throw new CorruptArchiveError(
          sessionId,
          `${archive.length} bytes stored, ${String(row.bytes)} saved`,
        );
      if (sha256(archive) !== row.sha256)
        throw new CorruptArchiveError(sessionId, 'its sha256 does not match the one saved with it');
      await writeFile(file, archive, { mode: 0o600 });
    },
    async remove(sessionId) {
      await db.deleteFrom('wa_auth_archives').where('session_id', '=', sessionId).execute();
    },
  };
};
