import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_NOW } from '../../src/cluster/db-clock.js';
import { createFencing, fenceAfterMs } from '../../src/cluster/fencing.js';
import { createInstanceRegistry, DuplicateInstanceError } from '../../src/cluster/instance-registry.js';
import { createLeases } from '../../src/cluster/leases.js';
import { createLogger } from '../../src/logger.js';
import { createAuthFolders } from '../../src/sessions/auth-folders.js';
import { openStore, type StoreConnection } from '../../src/store/connect.js';
import { latestVersion } from '../../src/store/migrations.js';
import { createStore } from '../../src/store/store.js';
import { type PostgresCluster, startPostgres } from '../helpers/postgres.js';

const logger = createLogger({ level: 'silent' });
let cluster: PostgresCluster;
let databases = 0;
const open: StoreConnection[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => undefined)));
  await cluster.stop();
}, 60_000);

const connect = async (url: string): Promise<StoreConnection> => {
  const connection = await openStore({
    dataDir: '/nonexistent',
    databaseUrl: url,
    logger,
    connectRetryMs: 5000,
  });
  open.push(connection);
  return connection;
};

const freshDb = async (): Promise<StoreConnection> => {
  databases += 1;
  return connect(await cluster.createDatabase(`wa_lease_${databases}`));
};

const dbNow = async (c: StoreConnection): Promise<number> =>
  Number((await sql<{ now: number }>`select ${DB_NOW} as now`.execute(c.db)).rows[0]?.now);

const leaseRow = (c: StoreConnection, id: string) =>
  c.db.selectFrom('wa_leases').selectAll().where('session_id', '=', id).executeTakeFirst();

const addSession = (
  c: StoreConnection,
  id: string,
  desired: 'running' | 'stopped',
  lastReason: string | null = null,
) =>
  c.db
    .insertInto('wa_sessions')
    .values({
      id,
      desired,
      webhook: null,
      created_at: 1,
      updated_at: 1,
      last_state: null,
      last_reason: lastReason,
    })
    .execute();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cluster leases on a real PostgreSQL', () => {
  it('three connections migrating one empty database at once all succeed, each version applied once', async () => {
    databases += 1;
    const url = await cluster.createDatabase(`wa_lease_${databases}`);
    const results = await Promise.allSettled([connect(url), connect(url), connect(url)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const first = results[0];
    if (first?.status !== 'fulfilled') throw new Error('unreachable');
    const versions = await first.value.db
      .selectFrom('wa_schema_version')
      .select('version')
      .orderBy('version')
      .execute();
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: latestVersion() }, (_, i) => i + 1));
  });

  it('three instances opening one new database at once all start: the one-time folder import is marked once', async (context) => {
    databases += 1;
    const url = await cluster.createDatabase(`wa_lease_${databases}`);
    const dataDirs = await Promise.all(
      [1, 2, 3].map(() => mkdtemp(path.join(tmpdir(), 'wa-sessions-open-'))),
    );
    context.onTestFinished(async () => {
      await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
    });
    const results = await Promise.allSettled(
      dataDirs.map((dataDir) =>
        createStore({
          dataDir,
          databaseUrl: url,
          connectRetryMs: 5000,
          retentionMs: 86_400_000,
          folders: createAuthFolders({ dataDir, logger }),
          logger,
        }),
      ),
    );
    for (const r of results) if (r.status === 'fulfilled') context.onTestFinished(() => r.value.close());
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
  });

  it('two owners contending for one session: exactly one wins each time, and the epoch grows with each change of hands', async () => {
    const c = await freshDb();
    const a = createLeases({ db: c.db, instanceId: 'a', ttlMs: 1500, queryTimeoutMs: 5000, logger });
    const b = createLeases({ db: c.db, instanceId: 'b', ttlMs: 1500, queryTimeoutMs: 5000, logger });
    for (let round = 0; round < 10; round += 1) {
      const id = `s${round}`;
      const [wonA, wonB] = await Promise.all([a.claim(id), b.claim(id)]);
      expect([wonA, wonB].filter(Boolean)).toHaveLength(1);
      const row = await leaseRow(c, id);
      expect(row?.instance_id).toBe(wonA ? 'a' : 'b');
      expect(row?.epoch).toBe(1);
      expect(a.holds(id)).toBe(wonA);
      expect(b.holds(id)).toBe(wonB);
    }
    // While valid, the loser keeps losing; once expired (by the database's clock) it wins, epoch 2.
    const holder = (await leaseRow(c, 's0'))?.instance_id === 'a' ? a : b;
    const other = holder === a ? b : a;
    expect(await other.claim('s0')).toBe(false);
    await sleep(1700);
    expect(await other.claim('s0')).toBe(true);
    expect((await leaseRow(c, 's0'))?.epoch).toBe(2);
    // Its new holder claiming again wins (epoch 3); the old holder now loses.
    expect(await other.claim('s0')).toBe(true);
    expect((await leaseRow(c, 's0'))?.epoch).toBe(3);
    expect(await holder.claim('s0')).toBe(false);
  });

  it('renews every lease and the heartbeat in one statement, by the database clock; a lease taken meanwhile is reported lost', async () => {
    const c = await freshDb();
    const registry = createInstanceRegistry({
      db: c.db,
      instanceId: 'a',
      url: 'http://a:1',
      capacity: 5,
      ttlMs: 1500,
      logger,
    });
    await registry.join();
    const a = createLeases({ db: c.db, instanceId: 'a', ttlMs: 1500, queryTimeoutMs: 5000, logger });
    const b = createLeases({ db: c.db, instanceId: 'b', ttlMs: 1500, queryTimeoutMs: 5000, logger });
    expect(await a.claim('x')).toBe(true);
    expect(await a.claim('y')).toBe(true);
    await sleep(800);
    const before = await dbNow(c);
    const renewed = await registry.renew(['x', 'y'], 5000);
    const after = await dbNow(c);
    expect(renewed.instance).toBe(true);
    expect([...renewed.kept].sort()).toEqual(['x', 'y']);
    for (const id of ['x', 'y']) {
      const expires = Number((await leaseRow(c, id))?.expires_at);
      expect(expires).toBeGreaterThanOrEqual(before + 1500);
      expect(expires).toBeLessThanOrEqual(after + 1500);
    }
    // Renewed, so still valid past the first expiry: b cannot take it.
    await sleep(900);
    expect(await b.claim('x')).toBe(false);
    // Not renewed any more: it expires and b takes it; a's next renewal finds it lost.
    await sleep(1700);
    expect(await b.claim('x')).toBe(true);
    const later = await registry.renew(['x'], 5000);
    expect(later.kept.has('x')).toBe(false);
  });

  it("a second live process with one INSTANCE_ID is refused; a dead one's row is taken over once it expires", async () => {
    const c = await freshDb();
    const settings = {
      db: c.db,
      instanceId: 'dup',
      url: 'http://a:1',
      capacity: 5,
      ttlMs: 1500,
      logger,
      pollMs: 100,
    };
    const first = createInstanceRegistry(settings);
    const leases = createLeases({ db: c.db, instanceId: 'dup', ttlMs: 1500, queryTimeoutMs: 1000, logger });
    const fencing = createFencing({
      registry: first,
      leases,
      ttlMs: 1500,
      renewMs: 500,
      logger,
      onFence: () => undefined,
      onLost: () => undefined,
      onRowLost: () => undefined,
    });
    fencing.start(await first.join());
    const second = createInstanceRegistry({ ...settings, url: 'http://b:1' });
    const refused = await second.join().then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(DuplicateInstanceError);
    expect(String((refused as Error).message)).toContain('INSTANCE_ID=dup');
    // The first one dies (no more heartbeats): a restart under the same id gets the row after its expiry.
    fencing.stop();
    const third = createInstanceRegistry({ ...settings, url: 'http://c:1' });
    await third.join();
    const row = await c.db
      .selectFrom('wa_instances')
      .selectAll()
      .where('instance_id', '=', 'dup')
      .executeTakeFirst();
    expect(row?.boot_id).toBe(third.bootId);
    expect(row?.url).toBe('http://c:1');
  });

  it('lists as orphans the running sessions without a valid lease, never a stopped or logged-out one; its own first', async () => {
    const c = await freshDb();
    const a = createLeases({ db: c.db, instanceId: 'a', ttlMs: 60_000, queryTimeoutMs: 5000, logger });
    const b = createLeases({ db: c.db, instanceId: 'b', ttlMs: 60_000, queryTimeoutMs: 5000, logger });
    await addSession(c, 'free', 'running');
    await addSession(c, 'stopped', 'stopped');
    await addSession(c, 'loggedout', 'running', 'LOGOUT');
    await addSession(c, 'held-by-b', 'running');
    await addSession(c, 'mine', 'running');
    expect(await b.claim('held-by-b')).toBe(true);
    // A lease row of this INSTANCE_ID left by an earlier run (a crash restart).
    await c.db
      .insertInto('wa_leases')
      .values({
        session_id: 'mine',
        instance_id: 'a',
        epoch: 4,
        acquired_at: 1,
        expires_at: Date.now() + 60_000,
      })
      .execute();
    const orphans = await a.orphans();
    expect(orphans).toEqual([
      { id: 'mine', webhook: null, own: true },
      { id: 'free', webhook: null, own: false },
    ]);
    // Its own comes back at once, even though its lease is still valid.
    expect(await a.claim('mine')).toBe(true);
    expect((await leaseRow(c, 'mine'))?.epoch).toBe(5);
  });

  it('fences with the database stopped: the kill is called before the last written expiry', async () => {
    const c = await freshDb();
    const ttlMs = 3000;
    const registry = createInstanceRegistry({
      db: c.db,
      instanceId: 'f',
      url: 'http://f:1',
      capacity: 5,
      ttlMs,
      logger,
    });
    const leases = createLeases({ db: c.db, instanceId: 'f', ttlMs, queryTimeoutMs: 1000, logger });
    let fencedAt: number | null = null;
    const fencing = createFencing({
      registry,
      leases,
      ttlMs,
      renewMs: 1000,
      logger,
      onFence: () => {
        fencedAt = Date.now();
      },
      onLost: () => undefined,
      onRowLost: () => undefined,
    });
    fencing.start(await registry.join());
    expect(await leases.claim('z')).toBe(true);
    await sleep(1500);
    // The latest expiry written, read through a connection of its own just before the outage.
    const client = new pg.Client({
      connectionString: cluster.url.replace(/\/postgres$/, `/wa_lease_${databases}`),
    });
    await client.connect();
    const { rows } = await client.query<{ expires_at: string }>(
      `select expires_at from wa_leases where session_id = 'z'`,
    );
    await client.end();
    const expiresAt = Number(rows[0]?.expires_at);
    await cluster.pause();
    try {
      const deadline = performance.now() + ttlMs + 2000;
      while (fencedAt === null && performance.now() < deadline) await sleep(20);
      expect(fencedAt, 'fenced').not.toBeNull();
      // A renewal may have run between the read and the pause: the real expiry is at least this one.
      expect(fencedAt ?? Number.POSITIVE_INFINITY).toBeLessThan(expiresAt);
      expect(expiresAt - (fencedAt ?? 0)).toBeGreaterThanOrEqual(ttlMs - fenceAfterMs(ttlMs) - 1100);
      expect(leases.fenced).toBe(true);
      expect(await leases.claim('other')).toBe(false);
      expect(leases.holds('z')).toBe(false);
    } finally {
      fencing.stop();
      await cluster.resume();
    }
    // Reachable again: the next renewal unfences and releases the killed sessions' rows.
    fencing.start(performance.now());
    await sleep(1500);
    expect(leases.fenced).toBe(false);
    expect((await leaseRow(c, 'z'))?.expires_at).toBe(0);
    // Released, not deleted: the next owner's epoch follows on.
    const b = createLeases({ db: c.db, instanceId: 'g', ttlMs, queryTimeoutMs: 1000, logger });
    expect(await b.claim('z')).toBe(true);
    expect((await leaseRow(c, 'z'))?.epoch).toBe(2);
    fencing.stop();
  });
});
