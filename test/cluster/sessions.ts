import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import type { SessionBody } from '../helpers/e2e.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { type Cluster, type Instance, startCluster } from './harness.js';

/** Something that answers the API: nginx in front of the cluster, or one instance directly. */
export type Entry = Pick<Cluster, 'request'> | Pick<ServerProcess, 'request'>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const expectStatus = async (res: Response, status: number, what: string): Promise<string> => {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${text}`);
  return text;
};

export const getSession = async (entry: Entry, id: string): Promise<SessionBody | null> => {
  const res = await entry.request('GET', `/sessions/${id}`);
  if (res.status === 404) {
    await res.arrayBuffer();
    return null;
  }
  return JSON.parse(await expectStatus(res, 200, `GET /sessions/${id}`)) as SessionBody;
};

/**
 * Polls GET /sessions/:id (through `entry`) until `done` holds, bounded; `seen` collects every state
 * on the way (a takeover that showed a QR has lost the session's auth). Answers other than 200/404
 * (an instance going down behind nginx) are retried.
 */
export const waitFor = async (
  entry: Entry,
  id: string,
  done: (s: SessionBody | null) => boolean,
  timeoutMs: number,
  seen?: Set<string>,
): Promise<SessionBody | null> => {
  const deadline = Date.now() + timeoutMs;
  let last: string = 'nothing yet';
  while (Date.now() < deadline) {
    try {
      const session = await getSession(entry, id);
      if (session) seen?.add(session.state);
      last = JSON.stringify(session);
      if (done(session)) return session;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  throw new Error(`session ${id}: not as expected within ${timeoutMs} ms; last: ${last}`);
};

export const waitForState = (
  entry: Entry,
  id: string,
  state: string,
  timeoutMs: number,
  seen?: Set<string>,
) => waitFor(entry, id, (s) => s?.state === state, timeoutMs, seen);

/** POST /sessions/:id through `entry`, then QR → scan → READY, all through `entry`. */
export const createReady = async (entry: Entry, id: string, timeoutMs = 90_000): Promise<void> => {
  await expectStatus(await entry.request('POST', `/sessions/${id}`), 201, `POST /sessions/${id}`);
  await waitForState(entry, id, 'QR', timeoutMs);
  await expectStatus(await entry.request('POST', `/sessions/${id}/simulator/scan`, {}), 200, `scan ${id}`);
  await waitForState(entry, id, 'READY', timeoutMs);
};

/** The instance running a browser for `id`, waiting (bounded) until exactly one does. */
export const ownerOf = async (cluster: Cluster, id: string, timeoutMs = 10_000): Promise<Instance> => {
  const deadline = Date.now() + timeoutMs;
  let last: Instance[] = [];
  while (Date.now() < deadline) {
    last = (await cluster.placement()).get(id) ?? [];
    const only = last[0];
    if (last.length === 1 && only) return only;
    await sleep(100);
  }
  throw new Error(`session ${id}: browsers on [${last.map((i) => i.id).join(', ')}], not on exactly one`);
};

export interface DoubleRun {
  at: number;
  id: string;
  instances: string[];
}

/**
 * Samples the process table every `intervalMs` until stopped: every moment at which one session id
 * had a browser on two instances at once (the promise is that there is none).
 */
export const sampleDoubleRuns = (cluster: Cluster, intervalMs = 100) => {
  const doubles: DoubleRun[] = [];
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const [id, instances] of await cluster.placement()) {
        if (instances.length > 1) doubles.push({ at: Date.now(), id, instances: instances.map((i) => i.id) });
      }
      samples += 1;
      await sleep(intervalMs);
    }
  })();
  return {
    async stop(): Promise<{ samples: number; doubles: DoubleRun[] }> {
      running = false;
      await loop;
      return { samples, doubles };
    },
  };
};

/** Session ids grouped by the instance whose browser runs them. */
export const sessionsByInstance = async (cluster: Cluster): Promise<Map<string, string[]>> => {
  const result = new Map<string, string[]>(cluster.instances.map((i) => [i.id, []]));
  for (const [id, instances] of await cluster.placement()) {
    for (const instance of instances) result.get(instance.id)?.push(id);
  }
  for (const ids of result.values()) ids.sort();
  return result;
};

/**
 * Waits until `id` runs on exactly one instance other than `from` (the process table) and answers
 * READY through nginx, until `deadline` (epoch ms); `seen` collects the states on the way.
 */
export const readyElsewhere = async (
  cluster: Cluster,
  id: string,
  from: Instance,
  deadline: number,
  seen: Set<string>,
): Promise<Instance> => {
  let last = 'nothing yet';
  for (;;) {
    const owners = (await cluster.placement()).get(id) ?? [];
    try {
      const session = await getSession(cluster, id);
      if (session) seen.add(session.state);
      last = `${JSON.stringify(session)} on [${owners.map((i) => i.id).join(', ')}]`;
      const owner = owners[0];
      if (owners.length === 1 && owner && owner !== from && session?.state === 'READY') return owner;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(`session ${id} not READY away from ${from.id} in time; last: ${last}`);
    await sleep(100);
  }
};

/** One query against the cluster's database, on a connection of its own. */
export const query = async <Row extends Record<string, unknown>>(
  cluster: Cluster,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> => {
  const client = new pg.Client({ connectionString: cluster.databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
};

/** The instance running the most sessions (whose loss moves the most), and those sessions. */
export const busiest = async (cluster: Cluster): Promise<{ victim: Instance; moved: string[] }> => {
  const before = await sessionsByInstance(cluster);
  const victim = [...cluster.instances].sort(
    (a, b) => (before.get(b.id)?.length ?? 0) - (before.get(a.id)?.length ?? 0),
  )[0];
  if (!victim) throw new Error('no instance');
  return { victim, moved: before.get(victim.id) ?? [] };
};

/**
 * One cluster for the describe block that calls it, with `ids` linked and READY before its tests, torn
 * down after them with nothing left behind (no browser process, no profile folder). The tests get it
 * from the returned function.
 */
export const clusterWithReadySessions = (ids: readonly string[]): (() => Cluster) => {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster();
    for (const id of ids) await createReady(cluster, id);
  });
  afterAll(async () => {
    const report = await cluster?.teardown();
    expect(report?.leftProcesses).toEqual([]);
    expect(report?.leftFolders).toEqual([]);
  });
  return () => {
    if (cluster === undefined) throw new Error('The cluster did not start (see beforeAll)');
    return cluster;
  };
};
