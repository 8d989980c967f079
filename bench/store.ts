import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/logger.js';
import { openStore } from '../src/store/connect.js';
import { createOutboxStore } from '../src/store/outbox.js';
import { type PostgresCluster, startPostgres } from '../test/helpers/postgres.js';
import { buildServer, idleRssOfBuiltServer } from './idle-rss.js';
import { progress } from './progress.js';
import type { Section } from './report.js';
import { fmtSummary, summarize } from './stats.js';
import { latencySamples, throughputRound } from './webhooks.js';

type Backend = 'SQLite' | 'PostgreSQL';
const LATENCY_SAMPLES = 20;
const IDLE_MS = 5000;

/** Deliveries per second through the durable outbox on one backend: a fresh database per round. */
const throughput = async (
  backend: Backend,
  events: number,
  cluster: PostgresCluster | null,
  round: number,
) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-bench-store-'));
  const connection = await openStore({
    dataDir,
    databaseUrl: backend === 'PostgreSQL' ? await cluster?.createDatabase(`bench_${round}`) : undefined,
    logger: createLogger({ level: 'silent' }),
    connectRetryMs: 5000,
  });
  try {
    return await throughputRound(events, createOutboxStore({ db: connection.db }));
  } finally {
    await connection.close();
    await rm(dataDir, { recursive: true, force: true });
  }
};

export const runStore = async (runs: number, events: number): Promise<Section[]> => {
  progress('store: npm run build (for the idle RSS of the built server)');
  await buildServer();
  const cluster = await startPostgres();
  let databases = 0;
  try {
    const rows: string[][] = [];
    const rejections: string[] = [];
    for (const backend of ['SQLite', 'PostgreSQL'] as const) {
      const rates: number[] = [];
      for (let r = 0; r < runs; r++) {
        progress(`store: ${backend} throughput run ${r + 1}/${runs} (${events} events)`);
        databases += 1;
        rates.push(await throughput(backend, events, cluster, databases));
      }
      const env = async (): Promise<Record<string, string>> => {
        databases += 1;
        return backend === 'PostgreSQL'
          ? { DATABASE_URL: await cluster.createDatabase(`bench_${databases}`) }
          : {};
      };
      progress(`store: ${backend} latency, ${LATENCY_SAMPLES} messages`);
      const latency = await latencySamples(Math.max(LATENCY_SAMPLES, runs), await env());
      rejections.push(`${backend}: ${latency.rejections}`);
      const rss: number[] = [];
      for (let r = 0; r < runs; r++) {
        progress(`store: ${backend} idle RSS run ${r + 1}/${runs}`);
        rss.push(await idleRssOfBuiltServer(await env(), IDLE_MS));
      }
      rows.push(
        [
          `${backend}: outbox deliveries per second (${events} events at once)`,
          fmtSummary(summarize(rates)),
          String(runs),
        ],
        [
          `${backend}: incoming message → webhook received, ms`,
          fmtSummary(summarize(latency.samples)),
          String(latency.samples.length),
        ],
        [`${backend}: server idle RSS with the store open, MiB`, fmtSummary(summarize(rss)), String(runs)],
      );
    }
    return [
      {
        title: 'Durable store',
        header: ['Figure', 'median (min–max)', 'samples'],
        rows,
        notes: [
          'Throughput: createWebhookDispatcher as main wires it (2 in flight per receiver, signed) on a real bus; ' +
            'every event is written to the outbox (event log + one delivery row, batched per event-loop turn) and ' +
            'every result written back, to a node:http receiver on 127.0.0.1 answering 204; from the first publish ' +
            'to the last arrival. SQLite: a file in a temporary DATA_DIR, WAL, synchronous=NORMAL. PostgreSQL: ' +
            'a throw-away local cluster (initdb/pg_ctl, fsync off), a fresh database per round.',
          'Latency: the real server (WEBHOOK_URL signed, WEBHOOK_EVENTS=message.received, one READY session), ' +
            'from just before POST /sessions/:id/simulator/messages to the receiver reading the delivery; ' +
            `one message at a time. Unhandled rejections: ${rejections.join(', ')}.`,
          `Idle RSS: VmRSS of the built server (npm run build, then node dist/main.js) ${IDLE_MS / 1000} s after ` +
            'it listens, no session, SIMULATOR=false, LOG_LEVEL=info, the store open (and migrated).',
        ],
      },
    ];
  } finally {
    await cluster.stop();
  }
};
