import { type Cluster, type Instance, startCluster } from '../test/cluster/harness.js';
import { query } from '../test/cluster/sessions.js';
import type { LogLine } from '../test/helpers/server-process.js';
import { progress } from './progress.js';
import type { Section } from './report.js';
import { fmt, fmtSummary, summarize } from './stats.js';
import { bounded, pollUntil } from './wait.js';

/**
 * Cluster mode (issue 11) on one machine, through test/cluster/harness.ts: a throw-away PostgreSQL,
 * three server processes in sandbox mode and Debian's nginx with deploy/cluster/nginx.conf.
 * Figures: failover (kill -9 of the instance running N sessions → all N READY elsewhere), hand-over
 * (SIGTERM → all READY elsewhere), and the latency a forwarded request adds.
 */

const PHASE_MS = 300_000;

const live = new Set<Cluster>();

/** Every cluster still running: torn down on Ctrl-C or when the section throws. */
export const closeAllClusters = async (): Promise<void> => {
  await Promise.allSettled([...live].map((c) => c.teardown()));
  live.clear();
};

const withCluster = async <T>(work: (cluster: Cluster) => Promise<T>): Promise<T> => {
  const cluster = await startCluster();
  live.add(cluster);
  try {
    return await work(cluster);
  } finally {
    await cluster.teardown();
    live.delete(cluster);
  }
};
const FORWARD_REQUESTS = 500;

const isReadyLine = (line: LogLine, id: string, after: number): boolean =>
  line.msg === 'Session state changed' &&
  line.sessionId === id &&
  line.to === 'READY' &&
  typeof line.time === 'number' &&
  line.time >= after;

/** When some instance other than `from` logged `id` READY after `after` (epoch ms). */
const readyElsewhereAt = (cluster: Cluster, from: Instance, id: string, after: number): Promise<number> =>
  Promise.any(
    cluster.instances
      .filter((i) => i !== from)
      .map((i) => i.server.waitForLog((l) => isReadyLine(l, id, after), PHASE_MS)),
  ).then((line) => Number(line.time));

const expectOk = async (res: Response, what: string): Promise<void> => {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
};

/** N sessions READY, created through nginx and asked for on instance wa-1 (the body's `instance`). */
const linkOn = async (cluster: Cluster, target: Instance, ids: readonly string[]): Promise<void> => {
  for (const id of ids) {
    await expectOk(await cluster.request('POST', `/sessions/${id}`, { instance: target.id }), `POST ${id}`);
  }
  for (const id of ids) {
    await pollUntil(
      `${id} QR`,
      async () => {
        const res = await cluster.request('GET', `/sessions/${id}`);
        return res.ok && ((await res.json()) as { state: string }).state === 'QR';
      },
      PHASE_MS,
      100,
    );
    await expectOk(await cluster.request('POST', `/sessions/${id}/simulator/scan`, {}), `scan ${id}`);
  }
  for (const id of ids) {
    await bounded(
      Promise.any(cluster.instances.map((i) => i.server.waitForLog((l) => isReadyLine(l, id, 0), PHASE_MS))),
      PHASE_MS,
      `${id} READY`,
    );
  }
};

/** kill -9 or SIGTERM of the instance running `n` sessions → the last of them READY elsewhere, ms. */
const moveRun = async (
  n: number,
  how: 'kill' | 'sigterm',
  run: number,
): Promise<{ ms: number; moved: number }> => {
  return withCluster(async (cluster) => {
    const victim = cluster.instances[0];
    if (!victim) throw new Error('no instance');
    const ids = Array.from({ length: n }, (_, i) => `bench-${how}-${run}-${i}`);
    await linkOn(cluster, victim, ids);
    const placement = await cluster.placement();
    const moved = ids.filter((id) => placement.get(id)?.some((i) => i === victim));
    if (moved.length === 0) throw new Error(`none of the ${n} sessions runs on ${victim.id}`);
    // A session's link moves with its archive, saved just after READY: a host lost before that
    // (measured here, it is milliseconds) costs a QR, which is not what failover time measures.
    await pollUntil(
      'every auth archive saved',
      async () => {
        const rows = await query<{ n: string }>(
          cluster,
          'SELECT count(*) AS n FROM wa_auth_archives WHERE session_id = ANY($1)',
          [moved],
        );
        return Number(rows[0]?.n) === moved.length;
      },
      PHASE_MS,
      100,
    );
    const at = Date.now();
    if (how === 'kill') await cluster.kill9(victim.index);
    else void cluster.terminate(victim.index);
    const readyAt = await Promise.all(moved.map((id) => readyElsewhereAt(cluster, victim, id, at)));
    return { ms: Math.max(...readyAt) - at, moved: moved.length };
  });
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** GET /sessions/:id `count` times, one after another, on `instance`; the durations in ms, sorted. */
const timeRequests = async (instance: Instance, id: string, count: number): Promise<number[]> => {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await expectOk(await instance.server.request('GET', `/sessions/${id}`), `GET on ${instance.id}`);
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
};

/** The owner answering directly, and another instance forwarding to it: median and p99 of each. */
const forwardRun = async (): Promise<{ direct: number[]; forwarded: number[] }> => {
  return withCluster(async (cluster) => {
    const [owner, other] = cluster.instances;
    if (!owner || !other) throw new Error('two instances needed');
    await linkOn(cluster, owner, ['bench-forward']);
    const placement = await cluster.placement();
    if (!placement.get('bench-forward')?.includes(owner))
      throw new Error(`the session is not on ${owner.id}`);
    // Warm both paths (connections, JIT) before timing.
    await timeRequests(owner, 'bench-forward', 50);
    await timeRequests(other, 'bench-forward', 50);
    const direct = await timeRequests(owner, 'bench-forward', FORWARD_REQUESTS);
    const forwarded = await timeRequests(other, 'bench-forward', FORWARD_REQUESTS);
    return { direct, forwarded };
  });
};

export const runCluster = async (counts: readonly number[], runs: number): Promise<Section> => {
  const rows: string[][] = [];
  for (const how of ['kill', 'sigterm'] as const) {
    for (const n of counts) {
      const samples: number[] = [];
      let moved = 0;
      for (let i = 0; i < runs; i++) {
        progress(`cluster ${how} ${n}: run ${i + 1}/${runs}`);
        const result = await moveRun(n, how, i);
        samples.push(result.ms / 1000);
        moved = result.moved;
      }
      const what =
        how === 'kill'
          ? 'failover: kill -9 → all READY elsewhere'
          : 'hand-over: SIGTERM → all READY elsewhere';
      rows.push([`${what}, ${moved} sessions`, `${fmtSummary(summarize(samples))} s`]);
    }
  }
  progress('cluster forward: one run');
  const { direct, forwarded } = await forwardRun();
  const median = (s: number[]) => percentile(s, 50);
  const p99 = (s: number[]) => percentile(s, 99);
  rows.push([
    `GET /sessions/:id on the owner: median, p99 (${FORWARD_REQUESTS} requests)`,
    `${fmt(median(direct))}, ${fmt(p99(direct))} ms`,
  ]);
  rows.push([
    `the same on another instance (forwarded): median, p99`,
    `${fmt(median(forwarded))}, ${fmt(p99(forwarded))} ms`,
  ]);
  rows.push([
    'added by forwarding: median, p99',
    `${fmt(median(forwarded) - median(direct))}, ${fmt(p99(forwarded) - p99(direct))} ms`,
  ]);
  return {
    title: 'cluster',
    header: ['figure', `median (min–max) of ${runs}`],
    rows,
    notes: [
      "Three real instances (CLUSTER=true, default lease settings: LEASE_TTL_MS 15000, LEASE_RENEW_MS 3000, TAKEOVER_CONCURRENCY 2) on a throw-away PostgreSQL, behind Debian's nginx with deploy/cluster/nginx.conf; a fresh cluster per run.",
      'The sessions are created through nginx on wa-1 (the body names the instance), linked, then wa-1 is stopped. kill -9 kills its node process and its browsers at once (a lost host); the others wait for the leases to expire. SIGTERM hands over.',
      "Times run from the signal to the last session's READY in a surviving instance's log (its pino `time`).",
      `Forwarding: ${FORWARD_REQUESTS} sequential GET /sessions/:id on the owner, then the same on another instance that streams it to the owner (one run).`,
    ],
  };
};
