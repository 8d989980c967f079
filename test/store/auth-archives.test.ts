import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CorruptArchiveError,
  createAuthArchives,
  MissingArchiveError,
} from '../../src/cluster/auth-archives.js';
import { createLogger } from '../../src/logger.js';
import { openStore, type StoreConnection } from '../../src/store/connect.js';
import { createSessionsRegistry } from '../../src/store/sessions-registry.js';
import { waitUntil } from '../helpers/e2e.js';
import { type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { removeDir } from '../helpers/server-process.js';

let cluster: PostgresCluster;
let connection: StoreConnection;
let dir: string;

beforeAll(async () => {
  cluster = await startPostgres();
  dir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-archives-'));
  connection = await openStore({
    dataDir: dir,
    databaseUrl: await cluster.createDatabase('wa_archives'),
    logger: createLogger({ level: 'silent' }),
    connectRetryMs: 5000,
  });
}, 60_000);
afterAll(async () => {
  await connection?.close();
  await cluster?.stop();
  await removeDir(dir);
}, 60_000);

const zipFile = async (name: string, size: number): Promise<{ file: string; data: Buffer }> => {
  const data = randomBytes(size);
  const file = path.join(dir, name);
  await writeFile(file, data);
  return { file, data };
};

describe('the auth archives on PostgreSQL (bytea)', () => {
  it('stores a zip with its size, sha256 and instance, gives it back byte for byte, and replaces it on the next save', async () => {
    const registry = createSessionsRegistry({ db: connection.db });
    const archives = createAuthArchives({ db: connection.db, instanceId: 'node-1', now: () => 1234 });
    await registry.save('alpha', { desired: 'running', webhook: null });
    expect(await archives.exists('alpha')).toBe(false);

    const first = await zipFile('first.zip', 3 * 1024 * 1024);
    await archives.save('alpha', first.file);
    expect(await archives.exists('alpha')).toBe(true);
    const row = await connection.db
      .selectFrom('wa_auth_archives')
      .select(['bytes', 'sha256', 'saved_by', 'updated_at'])
      .where('session_id', '=', 'alpha')
      .executeTakeFirstOrThrow();
    expect(Number(row.bytes)).toBe(first.data.length);
    expect(row.sha256).toBe(createHash('sha256').update(first.data).digest('hex'));
    expect(row.saved_by).toBe('node-1');
    expect(Number(row.updated_at)).toBe(1234);

    const second = await zipFile('second.zip', 1000);
    await createAuthArchives({ db: connection.db, instanceId: 'node-2' }).save('alpha', second.file);
    const out = path.join(dir, 'out.zip');
    await archives.extract('alpha', out);
    expect((await readFile(out)).equals(second.data)).toBe(true);
  });

  it('stores nothing for a session without a record (deleted while a backup ran)', async () => {
    const archives = createAuthArchives({ db: connection.db, instanceId: 'node-1' });
    const { file } = await zipFile('orphan.zip', 100);
    await archives.save('ghost', file);
    expect(await archives.exists('ghost')).toBe(false);
  });

  it('goes with the session record: the registry removes both in one transaction', async () => {
    const registry = createSessionsRegistry({ db: connection.db });
    const archives = createAuthArchives({ db: connection.db, instanceId: 'node-1' });
    await registry.save('bravo', { desired: 'running', webhook: null });
    await archives.save('bravo', (await zipFile('bravo.zip', 100)).file);
    await registry.remove('bravo');
    expect(await archives.exists('bravo')).toBe(false);
    expect((await registry.list()).some((r) => r.id === 'bravo')).toBe(false);
  });

  it('refuses to give back an archive altered at rest, and one that is not there', async () => {
    const registry = createSessionsRegistry({ db: connection.db });
    const archives = createAuthArchives({ db: connection.db, instanceId: 'node-1' });
    await registry.save('charlie', { desired: 'running', webhook: null });
    await archives.save('charlie', (await zipFile('charlie.zip', 500)).file);
    await connection.db
      .updateTable('wa_auth_archives')
      .set({ archive: randomBytes(500) })
      .where('session_id', '=', 'charlie')
      .execute();
    const out = path.join(dir, 'charlie-out.zip');
    await expect(archives.extract('charlie', out)).rejects.toThrow(CorruptArchiveError);
    await expect(archives.extract('charlie', out)).rejects.toThrow(/sha256 does not match/);

    await connection.db
      .updateTable('wa_auth_archives')
      .set({ bytes: 499 })
      .where('session_id', '=', 'charlie')
      .execute();
    await expect(archives.extract('charlie', out)).rejects.toThrow(/500 bytes stored, 499 saved/);

    await archives.remove('charlie');
    await expect(archives.extract('charlie', out)).rejects.toThrow(MissingArchiveError);
  });

  it('lets a remove that comes while a save holds the record wait, so that no archive outlives its record', async () => {
    const registry = createSessionsRegistry({ db: connection.db });
    const archives = createAuthArchives({ db: connection.db, instanceId: 'node-1' });
    await registry.save('delta', { desired: 'running', webhook: null });
    const { file } = await zipFile('delta.zip', 1000);
    // Another connection's uncommitted insert of the same key holds the save after its record check,
    // right before its own insert: the moment a remove must not slip into.
    const blocker = new pg.Client({ connectionString: cluster.url.replace(/postgres$/, 'wa_archives') });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query("INSERT INTO wa_auth_archives VALUES ('delta', '\\x00', 1, 'x', 'blocker', 0)");
      const waiting = async (n: number) => {
        // Not on the blocker: inside its transaction pg_stat_activity would stay one snapshot.
        const { rows } = await sql<{
          n: string;
        }>`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`.execute(connection.db);
        return Number(rows[0]?.n) >= n;
      };
      const saving = archives.save('delta', file);
      await waitUntil('the save waits after its record check', () => waiting(1));
      let removed = false;
      const removing = registry.remove('delta').then(() => {
        removed = true;
      });
      await waitUntil('the remove waits for the save, or is done', async () => removed || (await waiting(2)));
      await blocker.query('ROLLBACK');
      await Promise.all([saving, removing]);
      expect(await archives.exists('delta')).toBe(false);
    } finally {
      await blocker.end();
    }
  });
});
