import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProcesses } from '../../src/browser/process-table.js';
import { browsersUnder } from '../helpers/e2e.js';
import { type Cluster, type Instance, startCluster, type TeardownReport } from './harness.js';

/**
 * The harness itself, before any scenario trusts it: three real instances on one real PostgreSQL,
 * Debian's nginx with the shipped deploy/cluster/nginx.conf in front, requests reaching every
 * instance through it, and a teardown that leaves no process and no folder behind.
 */

let cluster: Cluster;
let report: TeardownReport | null = null;
let pids: number[] = [];
let folders: string[] = [];

describe('the cluster harness', () => {
  beforeAll(async () => {
    cluster = await startCluster();
  });

  afterAll(async () => {
    report ??= await cluster?.teardown();
  });

  it('starts three instances on one PostgreSQL, each with its own id, address and data folder', async () => {
    expect(cluster.instances.map((i) => i.id)).toEqual(['wa-1', 'wa-2', 'wa-3']);
    expect(new Set(cluster.instances.map((i) => i.dataDir)).size).toBe(3);
    for (const instance of cluster.instances) {
      expect(instance.url).toBe(`http://127.0.0.1:${instance.port}`);
      const res = await instance.server.request('GET', '/health/ready');
      expect(res.status, `${instance.id}: ${await res.clone().text()}`).toBe(200);
    }
    // Every instance talks to the one database: the schema is there, migrated once.
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: cluster.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_name IN ('wa_leases', 'wa_instances')",
      );
      expect(rows.map((r) => r.name).sort()).toEqual(['wa_instances', 'wa_leases']);
    } finally {
      await client.end();
    }
  });

  it('runs the shipped deploy/cluster/nginx.conf with only addresses and paths rewritten', async () => {
    const running = await readFile(cluster.nginx.configFile, 'utf8');
    for (const instance of cluster.instances) {
      expect(running).toMatch(
        new RegExp(`\\n\\s+server 127\\.0\\.0\\.1:${instance.port} max_fails=2 fail_timeout=10s;\\n`),
      );
    }
    expect(running).toContain('proxy_next_upstream error timeout http_502 http_504;');
    expect(running).not.toMatch(/\n\s*(hash|ip_hash|least_conn)\b/);
  });

  it('spreads requests through nginx over all three instances, round-robin, one request id end to end', async () => {
    const served = new Map<string, number>();
    for (let n = 0; n < 12; n += 1) {
      const requestId = `harness-rr-${n}`;
      // A session nobody has: answered by the instance nginx chose alone (the list would ask all three).
      const res = await cluster.request('GET', '/sessions/harness-nobody', undefined, {
        'x-request-id': requestId,
      });
      expect(res.status, await res.clone().text()).toBe(404);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      await res.arrayBuffer();
      let instance = cluster.servedBy(requestId);
      for (let wait = 0; instance === null && wait < 100; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        instance = cluster.servedBy(requestId);
      }
      expect(instance, `no instance logged ${requestId}`).not.toBeNull();
      if (instance) served.set(instance.id, (served.get(instance.id) ?? 0) + 1);
    }
    expect(Object.fromEntries(served)).toEqual({ 'wa-1': 4, 'wa-2': 4, 'wa-3': 4 });
  });

  it('sees which instance runs a browser for which session, and kill9 takes the browsers down with the host', async () => {
    expect((await cluster.placement()).size).toBe(0);
    const res = await cluster.instances[1]?.server.request('POST', '/sessions/probe');
    expect(res?.status).toBe(201);
    await res?.arrayBuffer();
    let owners: Instance[] = [];
    for (let wait = 0; owners.length === 0 && wait < 600; wait += 1) {
      owners = (await cluster.placement()).get('probe') ?? [];
      if (owners.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(owners.length, 'one instance runs the browser').toBe(1);
    const owner = owners[0];
    if (!owner) throw new Error('unreachable');
    expect((await browsersUnder(owner.dataDir)).length).toBeGreaterThan(0);

    await cluster.kill9(owner.index);
    expect(owner.down).toBe(true);
    expect(owner.server.child.signalCode).toBe('SIGKILL');
    expect(await browsersUnder(owner.dataDir)).toEqual([]);
    expect((await cluster.placement()).get('probe') ?? []).not.toContain(owner);
  });

  it('passes requests on to the live instances while one is down, and restarts it with the same identity', async () => {
    const down = cluster.instances.find((i) => i.down);
    if (!down) throw new Error('no instance is down');
    for (let n = 0; n < 6; n += 1) {
      const res = await cluster.request('GET', '/health/live');
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const before = down.server;
    await cluster.restart(down.index);
    expect(down.server).not.toBe(before);
    expect(down.down).toBe(false);
    const res = await fetch(`${down.url}/health/ready`, { signal: AbortSignal.timeout(30_000) });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('tears down leaving no process and no folder', async () => {
    pids = [...cluster.instances.map((i) => i.server.child.pid ?? -1), cluster.nginx.child.pid ?? -1];
    folders = [...cluster.instances.map((i) => i.dataDir)];
    const postgresBefore = (await listProcesses()).filter((p) =>
      p.cmdline.includes(`-p ${cluster.postgres.port} `),
    );
    expect(postgresBefore.length, 'the postmaster is in the process table').toBe(1);
    report = await cluster.teardown();
    expect(report.exitCodes).toEqual([0, 0, 0]);
    expect(report.leftProcesses).toEqual([]);
    expect(report.leftFolders).toEqual([]);
    const alive = (await listProcesses()).filter(
      (p) => p.state !== 'Z' && (pids.includes(p.pid) || postgresBefore.some((q) => q.pid === p.pid)),
    );
    expect(alive).toEqual([]);
    expect(folders.filter((dir) => existsSync(dir))).toEqual([]);
    expect(cluster.rejections()).toEqual([]);
  });
});
