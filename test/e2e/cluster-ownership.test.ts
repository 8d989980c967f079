import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it, type TestContext } from 'vitest';
import { listProcesses } from '../../src/browser/process-table.js';
import { getSession, post, startToQr, startToReady, waitForSession, waitUntil } from '../helpers/e2e.js';
import { freePort } from '../helpers/free-port.js';
import { usePostgres } from '../helpers/postgres.js';
import { removeDir, type ServerProcess, startServer } from '../helpers/server-process.js';
import { sandboxEnv, sandboxServer } from './harness.js';

const TTL_MS = 6000;
const RENEW_MS = 1000;

const postgres = usePostgres('wa_cluster');
const freshDatabase = postgres.fresh;

/** Each instance on a port of its own, advertised as it is: a session's requests reach its owner. */
const clusterEnv = async (databaseUrl: string, instanceId: string): Promise<Record<string, string>> => {
  const port = await freePort();
  return {
    CLUSTER: 'true',
    DATABASE_URL: databaseUrl,
    INSTANCE_ID: instanceId,
    PORT: String(port),
    ADVERTISE_URL: `http://127.0.0.1:${port}`,
    LEASE_TTL_MS: String(TTL_MS),
    LEASE_RENEW_MS: String(RENEW_MS),
  };
};

const query = async <T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
};

const leaseOf = async (url: string, id: string) =>
  (
    await query<{ instance_id: string; epoch: string; expires_at: string }>(
      url,
      'select instance_id, epoch, expires_at from wa_leases where session_id = $1',
      [id],
    )
  )[0];

/** Main Chromium processes (group leaders) whose profile is this server's folder of session `id`. */
const browsersOf = async (server: ServerProcess, id: string) => {
  const folder = path.join(server.dataDir, 'sessions', `session-${id}`);
  return (await listProcesses()).filter(
    (p) => p.state !== 'Z' && p.pid === p.pgid && p.cmdline.includes(`--user-data-dir=${folder}`),
  );
};

/** Samples, every 100 ms until stopped, how many of the servers run a browser for `id` at once. */
const sampleOverlap = (servers: ServerProcess[], id: string) => {
  let most = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const counts = await Promise.all(
        servers.map(async (s) => ((await browsersOf(s, id)).length > 0 ? 1 : 0)),
      );
      most = Math.max(
        most,
        counts.reduce<number>((a, b) => a + b, 0),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return most;
  };
};

/** A server that a test kills with SIGKILL: not stopped-and-verified, only cleaned up. */
const killableServer = async (context: TestContext, env: Record<string, string>) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-cluster-'));
  const server = await startServer({ ...sandboxEnv, ...env }, { dataDir });
  context.onTestFinished(async () => {
    await server.stop('SIGKILL');
    await waitUntil("the killed server's browsers are gone", async () =>
      (await listProcesses()).every(
        (p) => p.state === 'Z' || !p.cmdline.includes(`--user-data-dir=${dataDir}`),
      ),
    );
    await removeDir(dataDir);
  });
  return server;
};

describe('cluster mode: ownership, fencing and takeover with real processes', () => {
  it('a second process with a live INSTANCE_ID exits 1 naming INSTANCE_ID', async (context) => {
    const url = await freshDatabase();
    await sandboxServer(context, await clusterEnv(url, 'twin'));
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-cluster-twin-'));
    context.onTestFinished(() => removeDir(dataDir));
    const second = await startServer(
      { ...sandboxEnv, ...(await clusterEnv(url, 'twin')) },
      { dataDir, waitForListening: false },
    );
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.stderr.join('')).toContain('INSTANCE_ID=twin');
  });

  it('fences with the database stopped: the browser is gone before the lease can expire', async (context) => {
    const url = await freshDatabase();
    const server = await sandboxServer(context, await clusterEnv(url, 'fenced'));
    await startToQr(server, 'fence1');
    expect(await browsersOf(server, 'fence1')).toHaveLength(1);
    expect((await leaseOf(url, 'fence1'))?.instance_id).toBe('fenced');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The latest expiry the instance wrote before the outage (a later renewal can only push it out).
    const expiresAt = Number((await leaseOf(url, 'fence1'))?.expires_at);
    await postgres.cluster().pause();
    let goneAt = 0;
    try {
      await waitUntil(
        'the fenced browser is gone',
        async () => {
          if ((await browsersOf(server, 'fence1')).length > 0) return false;
          goneAt = Date.now();
          return true;
        },
        TTL_MS + 5000,
      );
      expect(goneAt, `browser killed ${expiresAt - goneAt} ms before the lease's expiry`).toBeLessThan(
        expiresAt,
      );
      console.info(
        `fencing: browser gone ${expiresAt - goneAt} ms before the lease's expiry (TTL ${TTL_MS} ms)`,
      );
      await server.waitForLog((l) => String(l.msg).startsWith('Fenced'), 1000);
      // Unlisted, record kept: not this instance's any more; and with the database away, no instance
      // can say who runs it: 503, never a guess.
      const answer = await server.request('GET', '/sessions/fence1');
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { code: string }).code).toBe('store_unavailable');
    } finally {
      await postgres.cluster().resume();
    }
    // The database back: the instance takes sessions again; its own killed session is an orphan, taken back.
    await server.waitForLog(
      (l) => l.msg === 'The database answers again: this instance takes sessions again',
      20_000,
    );
    await waitForSession(server, 'fence1', (s) => s?.state === 'QR', 30_000);
    expect(Number((await leaseOf(url, 'fence1'))?.epoch)).toBe(2);
  });

  it('after a kill -9 of its owner, the survivor takes the session over; never a browser on both', async (context) => {
    const url = await freshDatabase();
    const a = await killableServer(context, await clusterEnv(url, 'inst-a'));
    const b = await sandboxServer(context, await clusterEnv(url, 'inst-b'));
    await startToReady(a, 'moving');
    expect((await leaseOf(url, 'moving'))?.instance_id).toBe('inst-a');
    // Any instance answers for it: b forwards to its owner.
    expect((await getSession(b, 'moving'))?.instance).toBe('inst-a');
    const overlap = sampleOverlap([a, b], 'moving');
    const killedAt = Date.now();
    await a.stop('SIGKILL');
    // Until a's lease runs out, b cannot reach the owner: 503 owner_unreachable, never a copy of its
    // own. Then b takes the session over: READY from its archive, or a QR when a died before the
    // archive's first save (it is saved just after READY).
    const unreachable = new Set<string>();
    const taken: { state?: string } = {};
    await waitUntil(
      'the survivor runs the session',
      async () => {
        const res = await b.request('GET', '/sessions/moving');
        const body = (await res.json()) as { state?: string; code?: string; instance?: string };
        if (res.status === 503) {
          unreachable.add(String(body.code));
          return false;
        }
        expect(res.status).toBe(200);
        if (body.instance !== 'inst-b' || (body.state !== 'QR' && body.state !== 'READY')) return false;
        taken.state = body.state;
        return true;
      },
      60_000,
    );
    // Seen for a while (the lease outlives its owner by up to LEASE_TTL_MS), and only that refusal.
    expect([...unreachable]).toEqual(['owner_unreachable']);
    const tookMs = Date.now() - killedAt;
    expect(await overlap(), 'instances running a browser for the session at once').toBeLessThanOrEqual(1);
    expect(taken.state).toMatch(/^(QR|READY)$/);
    const lease = await leaseOf(url, 'moving');
    expect(lease?.instance_id).toBe('inst-b');
    expect(Number(lease?.epoch)).toBe(2);
    expect(await browsersOf(a, 'moving')).toHaveLength(0);
    expect(await browsersOf(b, 'moving')).toHaveLength(1);
    expect(tookMs).toBeLessThan(60_000);
    console.info(`takeover after kill -9: ${taken.state} on the survivor ${tookMs} ms after the kill`);
  });

  it('on SIGTERM the owner hands the session over; the other instance takes it at once', async (context) => {
    const url = await freshDatabase();
    const a = await killableServer(context, await clusterEnv(url, 'hand-a'));
    const b = await sandboxServer(context, await clusterEnv(url, 'hand-b'));
    await startToQr(a, 'handed');
    await post(a, '/sessions/handed/simulator/scan');
    await waitForSession(a, 'handed', (s) => s?.state === 'READY');
    const overlap = sampleOverlap([a, b], 'handed');
    expect((await a.stop('SIGTERM')).code).toBe(0);
    const exitedAt = Date.now();
    expect(a.logs.some((l) => l.msg === 'Session handed left this instance' && l.why === 'HANDED_OVER')).toBe(
      true,
    );
    await waitForSession(b, 'handed', (s) => s?.state === 'QR' || s?.state === 'READY', 30_000);
    expect(await overlap()).toBeLessThanOrEqual(1);
    const lease = (
      await query<{ instance_id: string; acquired_at: string }>(
        url,
        `select instance_id, acquired_at from wa_leases where session_id = 'handed'`,
      )
    )[0];
    expect(lease?.instance_id).toBe('hand-b');
    // Released and announced: claimed well before the lease could have expired (>= TTL - RENEW
    // after the exit) had it been left to expire.
    expect(Number(lease?.acquired_at) - exitedAt).toBeLessThan(TTL_MS - RENEW_MS);
    console.info(`hand-over: claimed ${Number(lease?.acquired_at) - exitedAt} ms after the owner's exit`);
    expect(await query(url, `select 1 from wa_instances where instance_id = 'hand-a'`)).toEqual([]);
  });
});
