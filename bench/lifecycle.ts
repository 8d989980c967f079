import { existsSync } from 'node:fs';
import { type BenchServer, startBenchServer } from './bench-server.js';
import { browserGroupOf, sessionFolder } from './browsers.js';
import { progress } from './progress.js';
import { liveInGroups } from './pss.js';
import type { Section } from './report.js';
import { call, exists, settle, startToReady } from './sessions.js';
import { fmtSummary, summarize } from './stats.js';
import { pollUntil } from './wait.js';

/** Out of the Map, the browser's process group gone, the folder gone. */
const freed = async (bench: BenchServer, id: string, pgid: number): Promise<boolean> =>
  !existsSync(sessionFolder(bench.dataDir, id)) &&
  (await liveInGroups(new Set([pgid]))).length === 0 &&
  !(await exists(bench, id));

/** Phone unlinks the device (simulator LOGOUT) → the session is freed; ms. */
const logoutToFreed = async (bench: BenchServer, id: string, statuses: string[]): Promise<number> => {
  const pgid = await browserGroupOf(bench.dataDir, id);
  const t0 = Date.now();
  // The simulator answers once the client re-injected; with no cleanup delay the browser may be
  // gone first. The figure is the cleanup, not this answer: watch the session meanwhile.
  const answer = settle(bench.server.request('POST', `/sessions/${id}/simulator/logout`), 30_000);
  const at = await pollUntil(`session ${id} freed after LOGOUT`, () => freed(bench, id, pgid), 30_000);
  statuses.push(await answer);
  return at - t0;
};

export const runLifecycle = async (runs: number): Promise<Section> => {
  const samples = { qr: [] as number[], ready: [] as number[], freed0: [] as number[] };
  const freedDefault: number[] = [];
  const del: number[] = [];
  const delFreed: number[] = [];
  const logoutAnswers: string[] = [];
  const notes: string[] = [];

  const quick = await startBenchServer({ LOGOUT_CLEANUP_DELAY_MS: '0' });
  const slow = await startBenchServer({});
  try {
    // The first session of a server also loads the page cache and Chromium's files from disk.
    progress('lifecycle: warm-up session');
    await startToReady(quick, 'warmup');
    await call(quick, 'DELETE', '/sessions/warmup', 204);
    await startToReady(slow, 'warmup');
    await call(slow, 'DELETE', '/sessions/warmup', 204);

    for (let i = 0; i < runs; i++) {
      progress(`lifecycle: run ${i + 1}/${runs}`);
      const a = await startToReady(quick, `lc-${i}`);
      samples.qr.push(a.qrMs);
      samples.ready.push(a.readyMs);
      samples.freed0.push(await logoutToFreed(quick, `lc-${i}`, logoutAnswers));

      await startToReady(slow, `lo-${i}`);
      freedDefault.push(await logoutToFreed(slow, `lo-${i}`, logoutAnswers));

      await startToReady(quick, `del-${i}`);
      const pgid = await browserGroupOf(quick.dataDir, `del-${i}`);
      const t0 = Date.now();
      await call(quick, 'DELETE', `/sessions/del-${i}`, 204);
      del.push(Date.now() - t0);
      const at = await pollUntil('deleted session freed', () => freed(quick, `del-${i}`, pgid), 30_000);
      delFreed.push(at - t0);
    }
  } finally {
    const rejections = (b: BenchServer) =>
      b.unhandledRejections() === 0
        ? '0'
        : `${b.unhandledRejections()} (${b.rejectionMessages().join('; ')})`;
    const closed = await Promise.all([quick.close(), slow.close()]);
    notes.push(
      `Unhandled rejections in the server log: with cleanup delay 0: ${rejections(quick)}; with 3000: ${rejections(slow)}.`,
      `Chromium processes left after both servers stopped: ${closed.reduce((n, c) => n + c.browsersLeft, 0)}.`,
    );
  }
  const answers = [...new Set(logoutAnswers)].join(', ');
  notes.push(
    'Times in ms: median (min–max). QR and READY from the server’s own log timestamps of the state change; ' +
      '"freed" polled every 10 ms: GET 404, no live process in the browser’s group, folder gone.',
    `One warm-up session per server before the runs (not counted). Simulator LOGOUT answers: ${answers} ` +
      '(it waits for the library to re-inject the page; with no cleanup delay the browser is closed first, ' +
      'and that wait ends in 504).',
  );
  const row = (what: string, s: number[]) => [what, fmtSummary(summarize(s)), String(s.length)];
  return {
    title: 'Session lifecycle (one session at a time)',
    header: ['Step', 'ms: median (min–max)', 'runs'],
    rows: [
      row('POST /sessions/:id → QR', samples.qr),
      row('scan → READY', samples.ready),
      row('LOGOUT → freed, LOGOUT_CLEANUP_DELAY_MS=0', samples.freed0),
      row('LOGOUT → freed, LOGOUT_CLEANUP_DELAY_MS=3000 (default)', freedDefault),
      row('DELETE (READY) → 204', del),
      row('DELETE (READY) → freed', delFreed),
    ],
    notes,
  };
};
