import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeDir } from '../test/helpers/server-process.js';
import { startBenchServer } from './bench-server.js';
import { readyAll } from './http.js';
import { buildServer } from './idle-rss.js';
import { progress } from './progress.js';
import type { Section } from './report.js';
import { type RestoreTimeline, readTimeline, timelineSection } from './restore-timeline.js';
import { fmtSummary, summarize } from './stats.js';

const PHASE_MS = 600_000;
const limits: Record<string, string> = { INIT_TIMEOUT_MS: '600000', PROTOCOL_TIMEOUT_MS: '120000' };

/** How the restoring server is run: built as the Docker image runs it, or through tsx as `npm run dev`. */
export const restoreEntries = ['built', 'tsx'] as const;
export type RestoreEntry = (typeof restoreEntries)[number];

const entryArgs: Record<RestoreEntry, string[]> = {
  built: ['dist/main.js'],
  tsx: ['--import', 'tsx', 'src/main.ts'],
};
const entryLabel: Record<RestoreEntry, string> = {
  built: '`node dist/main.js`',
  tsx: '`node --import tsx src/main.ts`',
};

export interface RestoreSettings {
  /** RESTORE_CONCURRENCY of the restoring server; null: its default. */
  concurrency: string | null;
  /** LAUNCH_CONCURRENCY of the restoring server; null: its default. */
  launchConcurrency: string | null;
  entries: readonly RestoreEntry[];
}

/** Spawn → last READY, ms, and the restoring server's timeline, of a server restoring `dataDir`. */
const restoreOnce = async (
  dataDir: string,
  ids: readonly string[],
  entry: RestoreEntry,
  settings: RestoreSettings,
): Promise<{ ms: number; timeline: RestoreTimeline }> => {
  const spawnedAt = Date.now();
  const server = await startBenchServer(
    {
      ...limits,
      RESTORE_ON_START: 'true',
      ...(settings.concurrency === null ? {} : { RESTORE_CONCURRENCY: settings.concurrency }),
      ...(settings.launchConcurrency === null ? {} : { LAUNCH_CONCURRENCY: settings.launchConcurrency }),
    },
    { dataDir, keepDataDir: true, entry: entryArgs[entry] },
  );
  try {
    const readyAt = await Promise.all(ids.map((id) => server.stateAt(id, 'READY', PHASE_MS)));
    await server.server.waitForLog((l) => l.msg === 'Startup step' && l.step === 'restore done', PHASE_MS);
    return { ms: Math.max(...readyAt) - spawnedAt, timeline: readTimeline(server.server.logs, spawnedAt) };
  } finally {
    // SIGTERM keeps the linked folders: the next entry restores the same sessions.
    await server.close();
  }
};

/**
 * Links `n` sessions, stops the server (SIGTERM keeps linked folders), then restarts it on the same
 * DATA_DIR once per entry, one after the other (so both see the same machine load).
 */
const restoreRun = async (n: number, settings: RestoreSettings) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-bench-restore-'));
  try {
    const ids = Array.from({ length: n }, (_, i) => `r${i}`);
    const first = await startBenchServer({ ...limits, LOG_LEVEL: 'info' }, { dataDir, keepDataDir: true });
    try {
      await readyAll(first, ids);
    } finally {
      await first.close();
    }
    const results = new Map<RestoreEntry, { ms: number; timeline: RestoreTimeline }>();
    for (const entry of settings.entries)
      results.set(entry, await restoreOnce(dataDir, ids, entry, settings));
    return results;
  } finally {
    await removeDir(dataDir);
  }
};

/** Process start → every linked session READY again, for each count and entry; then their timelines. */
export const runRestore = async (
  counts: readonly number[],
  runs: number,
  settings: RestoreSettings,
): Promise<Section[]> => {
  if (settings.entries.includes('built')) {
    progress('restore: npm run build');
    await buildServer();
  }
  const rows: string[][] = [];
  const timelines: Section[] = [];
  for (const n of counts) {
    const samples = new Map<RestoreEntry, number[]>(settings.entries.map((e) => [e, []]));
    const lines = new Map<RestoreEntry, RestoreTimeline[]>(settings.entries.map((e) => [e, []]));
    for (let i = 0; i < runs; i++) {
      progress(`restore ${n}: run ${i + 1}/${runs}`);
      for (const [entry, { ms, timeline }] of await restoreRun(n, settings)) {
        samples.get(entry)?.push(ms / 1000);
        lines.get(entry)?.push(timeline);
      }
    }
    rows.push([String(n), ...settings.entries.map((e) => fmtSummary(summarize(samples.get(e) ?? [])))]);
    for (const entry of settings.entries) {
      timelines.push(timelineSection(`${n} sessions, ${entryLabel[entry]}`, lines.get(entry) ?? []));
    }
  }
  const summary: Section = {
    title: 'restore',
    header: [
      'linked sessions',
      ...settings.entries.map(
        (e) => `${entryLabel[e]}: process start → all READY again, s: median (min–max)`,
      ),
    ],
    rows,
    notes: [
      'From spawning the server to the last READY in its log. `node dist/main.js` is the server as the Docker image and `npm start` run it (built first by the bench); through tsx, as `npm run dev` runs it, its loader compiles and resolves every module on the way.',
      `RESTORE_CONCURRENCY ${settings.concurrency ?? 'at its default'}, LAUNCH_CONCURRENCY ${settings.launchConcurrency ?? 'at its default'}.`,
      'The sessions were linked by a first server on the same DATA_DIR, stopped with SIGTERM (which keeps linked folders); each entry then restores them in turn, in the same run.',
    ],
  };
  return [summary, ...timelines];
};
