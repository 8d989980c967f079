import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it, type TestContext } from 'vitest';
import { post, sessionFolder, startToReady, waitForSession, waitForState } from '../helpers/e2e.js';
import { freePort } from '../helpers/free-port.js';
import { usePostgres } from '../helpers/postgres.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { sandboxServer } from './harness.js';

interface ArchiveRow {
  archive: Buffer;
  bytes: string;
  sha256: string;
  saved_by: string;
}

const postgres = usePostgres('wa_auth');

const newDatabase = async (context: TestContext) => {
  const url = await postgres.fresh();
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  context.onTestFinished(() => db.end());
  const archiveOf = async (id: string): Promise<ArchiveRow | null> => {
    const { rows } = await db.query<ArchiveRow>(
      'SELECT archive, bytes, sha256, saved_by FROM wa_auth_archives WHERE session_id = $1',
      [id],
    );
    return rows[0] ?? null;
  };
  return { url, db, archiveOf };
};

/** One instance in cluster mode (no lease wiring needed): CLUSTER, DATABASE_URL, ADVERTISE_URL set. */
const clusterServer = async (
  context: TestContext,
  databaseUrl: string,
  instanceId: string,
  options: { nodeArgs?: string[] } = {},
): Promise<ServerProcess> => {
  const port = await freePort();
  return sandboxServer(
    context,
    {
      CLUSTER: 'true',
      DATABASE_URL: databaseUrl,
      ADVERTISE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      INSTANCE_ID: instanceId,
    },
    options,
  );
};

const waitForSavedArchive = (server: ServerProcess, sessionId: string) =>
  server.waitForLog((l) => l.msg === 'Auth archive saved' && l.sessionId === sessionId, 60_000);

const qrShown = (server: ServerProcess, id: string) =>
  server.logs.some((l) => l.msg === 'Session state changed' && l.to === 'QR' && l.sessionId === id);

describe('auth state in PostgreSQL (cluster mode)', () => {
  it('archives a linked session at READY, and another machine on the same database brings it back READY with no QR', async (context) => {
    const { url, archiveOf } = await newDatabase(context);
    const first = await clusterServer(context, url, 'machine-a');
    await startToReady(first, 'alpha');
    const saved = await waitForSavedArchive(first, 'alpha');
    expect(saved.why).toBe('ready');

    const row = await archiveOf('alpha');
    expect(row).not.toBeNull();
    const archive = Buffer.from(row?.archive ?? Buffer.alloc(0));
    expect(archive.length).toBeGreaterThan(0);
    expect(Number(row?.bytes)).toBe(archive.length);
    expect(row?.sha256).toBe(createHash('sha256').update(archive).digest('hex'));
    expect(row?.saved_by).toBe('machine-a');
    // A zip: local file header signature.
    expect(archive.subarray(0, 4).toString('hex')).toBe('504b0304');
    console.info(`archive of a linked simulator session: ${archive.length} bytes`);
    expect((await first.stop('SIGTERM')).code).toBe(0);
    expect(await archiveOf('alpha')).not.toBeNull();

    // Another machine: a DATA_DIR of its own (no session folder), the same database.
    const second = await clusterServer(context, url, 'machine-b');
    expect(existsSync(sessionFolder(second, 'alpha'))).toBe(false);
    await waitForState(second, 'alpha', 'READY', 60_000);
    expect(qrShown(second, 'alpha')).toBe(false);
    expect(second.logs.some((l) => l.msg === 'Profile restored from the stored auth archive')).toBe(true);
    // No zip or staging copy is left behind once the session runs.
    await waitForSavedArchive(second, 'alpha');
    expect((await archiveOf('alpha'))?.saved_by).toBe('machine-b');
    expect(existsSync(path.join(second.dataDir, 'auth-staging', 'session-alpha.zip'))).toBe(false);
    expect(existsSync(path.join(second.dataDir, 'auth-staging', 'staging-alpha'))).toBe(false);
  });

  it('on a LOGOUT: no crash, the folder and the archive are gone, and the library never removed the folder itself', async (context) => {
    const { url, archiveOf } = await newDatabase(context);
    const tripwire = path.resolve(import.meta.dirname, 'fixtures', 'trace-library-rm.mjs');
    const server = await clusterServer(context, url, 'machine-a', { nodeArgs: ['--import', tripwire] });
    await startToReady(server, 'bravo');
    await waitForSavedArchive(server, 'bravo');
    expect(await archiveOf('bravo')).not.toBeNull();
    const folder = sessionFolder(server, 'bravo');

    await post(server, '/sessions/bravo/simulator/logout');
    await waitForSession(server, 'bravo', (s) => s === null);
    expect(existsSync(folder)).toBe(false);
    expect(await archiveOf('bravo')).toBeNull();
    expect(server.logs.filter((l) => l.msg === 'whatsapp-web.js removed a folder')).toEqual([]);
    expect((await server.request('GET', '/health/live')).status).toBe(200);
  });

  it('a corrupt stored archive: the session shows a QR, the log says why, and the archive is removed', async (context) => {
    const { url, db, archiveOf } = await newDatabase(context);
    const first = await clusterServer(context, url, 'machine-a');
    await startToReady(first, 'charlie');
    await waitForSavedArchive(first, 'charlie');
    expect((await first.stop('SIGTERM')).code).toBe(0);

    // Cut short as a failed write would leave it; its size and checksum made to match, so that it is
    // the zip itself that is found unreadable.
    const row = await archiveOf('charlie');
    const cut = Buffer.from(row?.archive ?? Buffer.alloc(0)).subarray(0, Math.floor(Number(row?.bytes) / 2));
    await db.query(
      'UPDATE wa_auth_archives SET archive = $2, bytes = $3, sha256 = $4 WHERE session_id = $1',
      ['charlie', cut, cut.length, createHash('sha256').update(cut).digest('hex')],
    );

    const second = await clusterServer(context, url, 'machine-b');
    await waitForState(second, 'charlie', 'QR', 60_000);
    const why = second.logs.find(
      (l) =>
        typeof l.msg === 'string' &&
        l.msg.startsWith('Stored auth archive of session charlie cannot be used'),
    );
    expect(why?.reason).toMatch(/not a readable zip/);
    expect(await archiveOf('charlie')).toBeNull();
    // Not a crash loop: one start, and the session waits for its QR to be scanned.
    await post(second, '/sessions/charlie/simulator/scan');
    await waitForState(second, 'charlie', 'READY');
  });
});
