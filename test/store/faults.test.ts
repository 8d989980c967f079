import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sandboxEnv, sandboxServer } from '../e2e/harness.js';
import { startReceiver } from '../events/receiver.js';
import { post, startToReady, waitUntil } from '../helpers/e2e.js';
import { removeDir, startServer } from '../helpers/server-process.js';
import { mountSmallDisk } from '../helpers/small-disk.js';
import { type Backend, backends, useBackend } from './backends.js';

/** The server as a user starts it, up to its exit: code and stderr. */
const startAndExit = async (env: Record<string, string>, dataDir: string) => {
  const server = await startServer({ ...sandboxEnv, ...env }, { dataDir, waitForListening: false });
  const exit = await Promise.race([
    server.exited,
    new Promise<{ code: number }>((resolve) => setTimeout(() => resolve({ code: -1 }), 30_000)),
  ]);
  if (exit.code === -1) await server.stop('SIGKILL');
  return { code: exit.code, stderr: server.stderr.join('') };
};

const bumpSchema = async (backend: Backend, dataDir: string, url: string | undefined) => {
  if (backend === 'sqlite') {
    const db = new SqliteDatabase(path.join(dataDir, 'wa-sessions.db'));
    db.prepare('insert into wa_schema_version (version, applied_at) values (999, 0)').run();
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('insert into wa_schema_version (version, applied_at) values (999, 0)');
  await client.end();
};

describe('a corrupt database file', () => {
  it('stops the start with exit 1, naming the file and the way out; no fresh database replaces it', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-corrupt-'));
    context.onTestFinished(() => removeDir(dataDir));
    const file = path.join(dataDir, 'wa-sessions.db');
    await writeFile(file, Buffer.alloc(8192, 'not a database '));

    const { code, stderr } = await startAndExit({}, dataDir);
    expect(code).toBe(1);
    expect(stderr).toContain(file);
    expect(stderr).toMatch(/corrupt or unreadable/);
    expect(stderr).toMatch(/restore it from a backup, or move it aside/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect((await readFile(file)).subarray(0, 15).toString()).toBe('not a database ');
  });
});

describe.each(backends)('a database newer than the code on %s', (backend) => {
  const store = useBackend(backend);

  it('is refused at start with exit 1 and one line', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-newer-'));
    context.onTestFinished(() => removeDir(dataDir));
    const env = await store.env();
    const first = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    expect((await first.stop('SIGTERM')).code).toBe(0);
    await bumpSchema(backend, dataDir, env.DATABASE_URL);

    const { code, stderr } = await startAndExit(env, dataDir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/schema is version 999, newer than this wa-sessions knows/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('PostgreSQL unreachable at start', () => {
  it('is tried again for DATABASE_CONNECT_RETRY_MS, then exit 1 naming the host, never the password', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-pg-down-'));
    context.onTestFinished(() => removeDir(dataDir));
    const started = Date.now();
    const { code, stderr } = await startAndExit(
      { DATABASE_URL: 'postgres://app:s3cr3t-pw@127.0.0.1:9/wa', DATABASE_CONNECT_RETRY_MS: '2000' },
      dataDir,
    );
    expect(code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(stderr).toMatch(
      /Cannot reach PostgreSQL at 127\.0\.0\.1:9\/wa \(DATABASE_URL\) after \d+ attempt/,
    );
    expect(stderr).not.toContain('s3cr3t-pw');
  });
});

describe('PostgreSQL going away while the server runs', () => {
  const store = useBackend('postgres');

  it('readiness fails, writes answer 503, the server keeps serving, and an event accepted meanwhile is delivered once it is back', async (context) => {
    const receiver = await startReceiver();
    context.onTestFinished(() => receiver.close());
    const env = { ...(await store.env()), WEBHOOK_URL: receiver.url, WEBHOOK_EVENTS: 'message.received' };
    const server = await sandboxServer(context, env);
    await startToReady(server, 'zulu');

    await store.cluster().pause();
    // The open answer names the failed check in one word; the details are behind the key (?verbose).
    const ready = await server.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ reason: 'store' });
    const verbose = await server.request('GET', '/health/ready?verbose');
    expect(verbose.status).toBe(503);
    const body = (await verbose.json()) as { checks: { store: { status: string; problem: string } } };
    expect(body.checks.store.status).toBe('fail');
    const create = await server.request('POST', '/sessions/other');
    expect(create.status).toBe(503);
    expect(await create.json()).toMatchObject({ code: 'store_unavailable' });
    expect((await server.request('GET', '/sessions/zulu')).status).toBe(200);
    // Accepted while the database is away: kept in memory, written and delivered when it is back.
    await post(
      server,
      '/sessions/zulu/simulator/messages',
      { from: '4915123456789', body: 'during the outage' },
      201,
    );
    await server.waitForLog(
      (l) => l.msg === 'Could not write to the store; keeping the items in memory and trying again',
    );
    expect(receiver.requests).toHaveLength(0);

    await store.cluster().resume();
    await receiver.received(1);
    expect(JSON.parse(receiver.requests[0]?.body ?? '{}')).toMatchObject({
      payload: { body: 'during the outage' },
    });
    await waitUntil(
      'ready again',
      async () => (await server.request('GET', '/health/ready')).status === 200,
      15_000,
    );
    expect((await server.request('POST', '/sessions/other')).status).toBe(201);
  });
});

describe('a full disk under SQLite while the server runs', () => {
  it('answers 503 to the write that needed it, reports it in readiness, keeps serving, and recovers', async (context) => {
    const disk = await mountSmallDisk(64);
    context.onTestFinished(() => disk.unmount());
    const server = await sandboxServer(context, {}, { dataDir: disk.dir, keepDataDir: true });

    await disk.fill();
    const create = await server.request('POST', '/sessions/full');
    expect(create.status).toBe(503);
    expect(await create.json()).toMatchObject({ code: 'store_unavailable' });
    expect((await server.request('GET', '/health/ready')).status).toBe(503);
    expect((await server.request('GET', '/sessions')).status).toBe(200);

    await disk.free();
    expect((await server.request('GET', '/health/ready')).status).toBe(200);
    expect((await server.request('POST', '/sessions/full')).status).toBe(201);
  });
});
