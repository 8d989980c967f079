import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeDir } from '../test/helpers/server-process.js';
import { startBenchServer } from './bench-server.js';
import { readyAll } from './http.js';
import { progress } from './progress.js';
import type { Section } from './report.js';
import { type RestoreTimeline, readTimeline, timelineSection } from './restore-timeline.js';
import { fmtSummary, summarize } from './stats.js';

const PHASE_MS = 600_000;
const limits: Record<string, string> = { INIT_TIMEOUT_MS: '600000', PROTOCOL_TIMEOUT_MS: '120000' };

/**
 * Links `n` sessions, stops the server (SIGTERM keeps linked folders), starts a new one on the same
 * DATA_DIR: spawn → last READY, ms, and the restoring server's timeline.
 */
const restoreRun = async (
  n: number,
  concurrency: string | null,
): Promise<{ ms: number; timeline: RestoreTimeline }> => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-bench-restore-'));
  try {
    const ids = Array.from({ length: n }, (_, i) => `r${i}`);
    const first = await startBenchServer({ ...limits, LOG_LEVEL: 'info' }, { dataDir, keepDataDir: true });
    try {
      await readyAll(first, ids);
    } finally {
      await first.close();
    }
    const spawnedAt = Date.now();
    const second = await startBenchServer(
      {
        ...limits,
        RESTORE_ON_START: 'true',
        ...(concurrency === null ? {} : { RESTORE_CONCURRENCY: concurrency }),
      },
      { dataDir, keepDataDir: true },
    );
    try {
      const readyAt = await Promise.all(ids.map((id) => second.stateAt(id, 'READY', PHASE_MS)));
      await second.server.waitForLog((l) => l.msg === 'Startup step' && l.step === 'restore done', PHASE_MS);
      return {
        ms: Math.max(...readyAt) - spawnedAt,
        timeline: readTimeline(second.server.logs, spawnedAt),
      };
    } finally {
      await second.close();
    }
  } finally {
    await removeDir(dataDir);
  }
};

/** Process start → every linked session READY again, for each count; then each count's timeline. */
export const runRestore = async (
  counts: readonly number[],
  runs: number,
  concurrency: string | null = null,
): Promise<Section[]> => {
  const rows: string[][] = [];
  const timelines: Section[] = [];
  for (const n of counts) {
    const samples: number[] = [];
    const lines: RestoreTimeline[] = [];
    for (let i = 0; i < runs; i++) {
      progress(`restore ${n}: run ${i + 1}/${runs}`);
      const { ms, timeline } = await restoreRun(n, concurrency);
      samples.push(ms);
      lines.push(timeline);
    }
    const s = summarize(samples.map((ms) => ms / 1000));
    rows.push([String(n), fmtSummary(s)]);
    timelines.push(timelineSection(n, lines));
  }
  const summary: Section = {
    title: 'restore',
    header: ['linked sessions', 'process start → all READY again, s: median (min–max)'],
    rows,
    notes: [
      `From spawning \`node --import tsx src/main.ts\` (so tsx's compile is in the figure, as \`npm run dev\` would have it) to the last READY in its log; RESTORE_CONCURRENCY ${concurrency ?? 'at its default'}.`,
      'The sessions were linked by a first server on the same DATA_DIR, stopped with SIGTERM (which keeps linked folders).',
    ],
  };
  return [summary, ...timelines];
};
