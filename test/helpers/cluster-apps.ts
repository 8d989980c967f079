import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { type Kysely, sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { createEventBus } from '../../src/events/bus.js';
import type { EventBus } from '../../src/events/types.js';
import { type App, createApp } from '../../src/http/app.js';
import { createMessagesRouter } from '../../src/http/routes/messages.js';
import { createLogger } from '../../src/logger.js';
import { createClusterRouting } from '../../src/main/cluster-routing.js';
import type { Database } from '../../src/store/schema.js';
import { createFakeManager, type FakeManager } from './fake-manager.js';

export const CLUSTER_KEY = 'cluster-test-key-0123456789abcdef';

export interface ClusterApp {
  id: string;
  url: string;
  app: App;
  server: Server;
  manager: FakeManager;
  bus: EventBus;
  /** Every log line, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Requests that reached this server, in order (method, path, headers). */
  requests: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined> }>;
  close(): Promise<void>;
}

/**
 * One instance of the HTTP app in cluster mode, listening on 127.0.0.1 (a free port), over a fake
 * manager (which sessions it "runs" is what the test seeds) and the real cluster routing on `db`.
 */
export const startClusterApp = async (
  id: string,
  databaseUrl: string,
  db: Kysely<Database>,
  options: { routers?: Router[]; env?: Record<string, string> } = {},
): Promise<ClusterApp> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    { level: 'debug' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const config = loadConfig({
    DATA_DIR: '/tmp',
    CLUSTER: 'true',
    INSTANCE_ID: id,
    ADVERTISE_URL: url,
    DATABASE_URL: databaseUrl,
    FORWARD_TIMEOUT_MS: '1000',
    ...options.env,
  });
  const manager = createFakeManager();
  const bus = createEventBus({ logger });
  const cluster = createClusterRouting({ config, logger, db, manager, bus });
  if (cluster === null) throw new Error('CLUSTER=true gave no cluster routing');
  const app = createApp({
    manager,
    config,
    logger,
    apiKey: CLUSTER_KEY,
    cluster: cluster.app,
    routers: [
      createMessagesRouter({ manager, limits: { maxMediaBytes: 1024, mediaTimeoutMs: 1000 } }),
      ...(options.routers ?? []),
    ],
  });
  const requests: ClusterApp['requests'] = [];
  server.on('request', (req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    app(req, res);
  });
  return {
    id,
    url,
    app,
    server,
    manager,
    bus,
    logs,
    requests,
    async close() {
      await cluster.forwarder.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const now = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** What c-lease's instance registry writes: a live (or, with ttlMs < 0, dead) instance row. */
export const putInstance = async (
  db: Kysely<Database>,
  row: { id: string; url: string; capacity?: number; ttlMs?: number },
): Promise<void> => {
  await sql`insert into wa_instances (instance_id, url, boot_id, capacity, started_at, heartbeat_at, expires_at)
    values (${row.id}, ${row.url}, 'test', ${row.capacity ?? 100}, ${now}, ${now}, ${now} + ${row.ttlMs ?? 60_000})
    on conflict (instance_id) do update set url = excluded.url, capacity = excluded.capacity,
      expires_at = excluded.expires_at`.execute(db);
};

/** What c-lease's leases write: `instanceId` owns `sessionId` for ttlMs more (negative: expired). */
export const putLease = async (
  db: Kysely<Database>,
  sessionId: string,
  instanceId: string,
  ttlMs = 60_000,
): Promise<void> => {
  await sql`insert into wa_leases (session_id, instance_id, epoch, acquired_at, expires_at)
    values (${sessionId}, ${instanceId}, 1, ${now}, ${now} + ${ttlMs})
    on conflict (session_id) do update set instance_id = excluded.instance_id,
      expires_at = excluded.expires_at, epoch = wa_leases.epoch + 1`.execute(db);
};

/** A registry record, as the manager writes it at create or stop. */
export const putRecord = async (
  db: Kysely<Database>,
  id: string,
  desired: 'running' | 'stopped',
): Promise<void> => {
  await db
    .insertInto('wa_sessions')
    .values({
      id,
      desired,
      webhook: null,
      created_at: 1_700_000_000_000,
      updated_at: 1_700_000_000_000,
      last_state: desired === 'stopped' ? 'STOPPED' : 'READY',
      last_reason: null,
    })
    .onConflict((oc) => oc.column('id').doUpdateSet({ desired }))
    .execute();
};
