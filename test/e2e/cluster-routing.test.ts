import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { Router } from 'express';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { openStore, type StoreConnection } from '../../src/store/connect.js';
import {
  CLUSTER_KEY,
  type ClusterApp,
  putInstance,
  putLease,
  putRecord,
  startClusterApp,
} from '../helpers/cluster-apps.js';
import { type PostgresCluster, startPostgres } from '../helpers/postgres.js';

const auth = { authorization: `Bearer ${CLUSTER_KEY}` };

/** A port nothing listens on (bound, then closed). */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

describe('cluster mode: any instance answers any request (real PostgreSQL, real HTTP on 127.0.0.1)', () => {
  let pg: PostgresCluster;
  let store: StoreConnection;
  let databaseUrl: string;
  let a: ClusterApp;
  let b: ClusterApp;
  /** B streams: the first chunk at once, the second only when the test lets it. */
  let releaseSecond: () => void = () => undefined;
  let silent: Server;
  const silentSockets = new Set<Socket>();

  beforeAll(async () => {
    pg = await startPostgres();
    databaseUrl = await pg.createDatabase('cluster_routing');
    store = await openStore({
      dataDir: '/tmp',
      databaseUrl,
      logger: createLogger({ level: 'silent' }),
      connectRetryMs: 0,
    });
    // Accepts connections and never answers: an owner hung, or a host gone silent.
    silent = createServer((socket) => {
      silentSockets.add(socket);
      socket.on('close', () => silentSockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  }, 60_000);

  afterEach(async () => {
    await a?.close();
    await b?.close();
  });

  afterAll(async () => {
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((resolve) => silent?.close(() => resolve()));
    await store?.close();
    await pg?.stop();
  }, 60_000);

  beforeEach(async () => {
    const streaming = Router().get('/sessions/:id/stream-test', (_req, res) => {
      res.type('text/plain').write('first;');
      releaseSecond = () => res.end('second');
    });
    // Fresh instances per test: their fake managers run only what the test seeds.
    a = await startClusterApp('inst-a', databaseUrl, store.db);
    b = await startClusterApp('inst-b', databaseUrl, store.db, { routers: [streaming] });
    await store.db.deleteFrom('wa_leases').execute();
    await store.db.deleteFrom('wa_instances').execute();
    await store.db.deleteFrom('wa_sessions').execute();
    await putInstance(store.db, { id: a.id, url: a.url });
    await putInstance(store.db, { id: b.id, url: b.url });
  });

  it('forwards a request for a session owned elsewhere to its owner, streams the answer and keeps the request id', async () => {
    b.manager.seed('owned-by-b', { state: 'READY' });
    await putLease(store.db, 'owned-by-b', b.id);

    const response = await fetch(`${a.url}/sessions/owned-by-b/stream-test`, {
      headers: { ...auth, 'x-request-id': 'req-forward-1' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-forward-1');
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    const decoder = new TextDecoder();
    // The first chunk arrives while the owner still holds the answer open: streamed, not buffered.
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('first;');
    releaseSecond();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += decoder.decode(chunk.value);
    }
    expect(rest).toBe('second');

    const atOwner = b.requests.find((r) => r.url === '/sessions/owned-by-b/stream-test');
    expect(atOwner?.headers['x-wa-forwarded-by']).toBe(a.id);
    expect(atOwner?.headers['x-request-id']).toBe('req-forward-1');
    // Both instances log the request under the same id.
    expect(
      a.logs.some((l) => l.reqId === 'req-forward-1' && l.msg === 'Request forwarded to the owner'),
    ).toBe(true);
    expect(b.logs.some((l) => l.reqId === 'req-forward-1')).toBe(true);
  });

  it('streams a request body to the owner, which answers it (GET and POST alike)', async () => {
    b.manager.seed('owned-by-b', { state: 'READY' });
    await putLease(store.db, 'owned-by-b', b.id);

    const got = await fetch(`${a.url}/sessions/owned-by-b`, { headers: auth });
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: 'owned-by-b', state: 'READY', instance: b.id });

    const sent = await fetch(`${a.url}/sessions/owned-by-b/messages`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ to: '491512345678', text: 'hello across' }),
    });
    expect(sent.status).toBe(201);
    const call = b.manager.callsOf('sendMessage').at(-1);
    expect(call?.args[0]).toBe('owned-by-b');
    expect(call?.args[2]).toMatchObject({ text: 'hello across' });
    expect(a.manager.callsOf('sendMessage')).toHaveLength(0);
  });

  it('answers 503 owner_unreachable at once when the owner holds a valid lease but refuses connections', async () => {
    const port = await closedPort();
    await putInstance(store.db, { id: 'inst-gone', url: `http://127.0.0.1:${port}` });
    await putLease(store.db, 'owned-by-gone', 'inst-gone');

    const response = await fetch(`${a.url}/sessions/owned-by-gone`, { headers: auth });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { code: string; instance: string };
    expect(problem.code).toBe('owner_unreachable');
    expect(problem.instance).toBe('inst-gone');
    // Never a second copy: the instance asked did not start the session itself.
    expect(a.manager.callsOf('create')).toHaveLength(0);
  });

  it('answers 503 owner_unreachable within FORWARD_TIMEOUT_MS when the owner accepts but never answers', async () => {
    const { port } = silent.address() as AddressInfo;
    await putInstance(store.db, { id: 'inst-hung', url: `http://127.0.0.1:${port}` });
    await putLease(store.db, 'owned-by-hung', 'inst-hung');

    const started = Date.now();
    const response = await fetch(`${a.url}/sessions/owned-by-hung/messages`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ to: '491512345678', text: 'lost?' }),
    });
    const elapsed = Date.now() - started;
    expect(response.status).toBe(503);
    expect(((await response.json()) as { code: string }).code).toBe('owner_unreachable');
    // FORWARD_TIMEOUT_MS is 1000 in these apps: the limit fired, and nothing waited much longer.
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1000 + 2000);
  });

  it('never forwards a request twice: a forwarded request is answered where it lands', async () => {
    // The lease names A, but A does not run it (say, it just lost it): B forwards once, A answers 404.
    await putLease(store.db, 'nowhere', a.id);
    const before = a.requests.length;
    const response = await fetch(`${b.url}/sessions/nowhere`, { headers: auth });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('session_not_found');
    expect(a.requests.length - before).toBe(1);
    expect(b.requests.filter((r) => r.url === '/sessions/nowhere')).toHaveLength(1);

    // A request that already carries the header is never forwarded, whoever owns the session.
    const marked = await fetch(`${b.url}/sessions/nowhere`, {
      headers: { ...auth, 'x-wa-forwarded-by': 'inst-x' },
    });
    expect(marked.status).toBe(404);
    expect(a.requests.length - before).toBe(1);
  });

  it('places a new session on the live instance with the fewest sessions, or on the one named', async () => {
    // A runs two, B none; a dead instance with none is never chosen.
    a.manager.seed('a-1');
    a.manager.seed('a-2');
    await putLease(store.db, 'a-1', a.id);
    await putLease(store.db, 'a-2', a.id);
    await putInstance(store.db, { id: 'inst-dead', url: 'http://127.0.0.1:9', ttlMs: -1000 });

    const placed = await fetch(`${a.url}/sessions/new-1`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(placed.status).toBe(201);
    expect(await placed.json()).toMatchObject({ id: 'new-1', instance: b.id });
    expect(b.manager.callsOf('create').map((c) => c.args[0])).toContain('new-1');
    expect(a.manager.callsOf('create').map((c) => c.args[0])).not.toContain('new-1');

    const named = await fetch(`${b.url}/sessions/new-2`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ instance: a.id }),
    });
    expect(named.status).toBe(201);
    expect(await named.json()).toMatchObject({ id: 'new-2', instance: a.id });

    const dead = await fetch(`${a.url}/sessions/new-3`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ instance: 'inst-dead' }),
    });
    expect(dead.status).toBe(400);
    expect(await dead.json()).toMatchObject({ code: 'invalid_body' });
  });

  it('refuses to place a session when every live instance is at INSTANCE_CAPACITY', async () => {
    await putInstance(store.db, { id: a.id, url: a.url, capacity: 1 });
    await putInstance(store.db, { id: b.id, url: b.url, capacity: 1 });
    await putLease(store.db, 'x-1', a.id);
    await putLease(store.db, 'x-2', b.id);
    const response = await fetch(`${a.url}/sessions/x-3`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'session_limit' });
  });

  it('lists the whole cluster: each instance its own, the registry the stopped and unowned ones', async () => {
    a.manager.seed('on-a', { state: 'READY' });
    b.manager.seed('on-b', { state: 'QR' });
    await putLease(store.db, 'on-a', a.id);
    await putLease(store.db, 'on-b', b.id);
    await putRecord(store.db, 'on-a', 'running');
    await putRecord(store.db, 'on-b', 'running');
    await putRecord(store.db, 'stopped-one', 'stopped');
    await putRecord(store.db, 'orphan', 'running');
    await putLease(store.db, 'orphan', 'inst-dead', -1000);
    const port = await closedPort();
    await putInstance(store.db, { id: 'inst-silent', url: `http://127.0.0.1:${port}` });

    for (const instance of [a, b]) {
      const response = await fetch(`${instance.url}/sessions`, { headers: auth });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        sessions: Array<{ id: string; state: string; instance: string | null }>;
        unreachable?: string[];
      };
      expect(body.sessions.map((s) => [s.id, s.state, s.instance])).toEqual([
        ['on-a', 'READY', a.id],
        ['on-b', 'QR', b.id],
        ['orphan', 'DISCONNECTED', null],
        ['stopped-one', 'STOPPED', null],
      ]);
      expect(body.unreachable).toEqual(['inst-silent']);
    }
  });

  it('reads and deletes a stopped session (registry only) on any instance', async () => {
    await putRecord(store.db, 'parked', 'stopped');
    const got = await fetch(`${b.url}/sessions/parked`, { headers: auth });
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: 'parked', state: 'STOPPED', instance: null });

    const events: string[] = [];
    const unsubscribe = a.bus.subscribe((e) => events.push(`${e.type} ${e.sessionId}`));
    const deleted = await fetch(`${a.url}/sessions/parked`, { method: 'DELETE', headers: auth });
    unsubscribe();
    expect(deleted.status).toBe(204);
    expect(events).toEqual(['session.removed parked']);
    const left = await store.db.selectFrom('wa_sessions').select('id').where('id', '=', 'parked').execute();
    expect(left).toEqual([]);
    const gone = await fetch(`${b.url}/sessions/parked`, { headers: auth });
    expect(gone.status).toBe(404);
  });
});
