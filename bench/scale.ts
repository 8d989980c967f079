import { type BenchServer, sessionFolders, startBenchServer } from './bench-server.js';
import { browserGroupOf, browsersUnder } from './browsers.js';
import { progress } from './progress.js';
import { groupsMemory } from './pss.js';
import type { Section } from './report.js';
import { call } from './sessions.js';
import { fmt } from './stats.js';
import { pollUntil, sleep } from './wait.js';

/** Two cores for up to 50 browsers: every limit generous, so the figure is the time, not a timeout. */
const scaleEnv: Record<string, string> = {
  INIT_TIMEOUT_MS: '600000',
  PROTOCOL_TIMEOUT_MS: '120000',
  DESTROY_TIMEOUT_MS: '60000',
  LOGOUT_TIMEOUT_MS: '60000',
  SHUTDOWN_TIMEOUT_MS: '120000',
};
const PHASE_MS = 600_000;
const SETTLE_MS = 3000;

const seconds = (ms: number) => fmt(ms / 1000);

const sessionCount = async (bench: BenchServer): Promise<number> => {
  const body = (await call(bench, 'GET', '/sessions', 200)) as { sessions?: unknown[] } | null;
  if (!Array.isArray(body?.sessions)) throw new Error('GET /sessions: no list in the answer');
  return body.sessions.length;
};

const scaleRun = async (n: number): Promise<string[]> => {
  const ids = Array.from({ length: n }, (_, i) => `s${n}-${i}`);
  const bench = await startBenchServer(scaleEnv);
  try {
    progress(`scale ${n}: POST all`);
    const t0 = Date.now();
    await Promise.all(ids.map((id) => call(bench, 'POST', `/sessions/${id}`, 201)));
    const qrAt = Math.max(...(await Promise.all(ids.map((id) => bench.stateAt(id, 'QR', PHASE_MS)))));
    progress(`scale ${n}: all QR after ${seconds(qrAt - t0)} s; scan all`);
    const t1 = Date.now();
    await Promise.all(ids.map((id) => call(bench, 'POST', `/sessions/${id}/simulator/scan`, 200)));
    const readyAt = Math.max(...(await Promise.all(ids.map((id) => bench.stateAt(id, 'READY', PHASE_MS)))));
    progress(`scale ${n}: all READY after ${seconds(readyAt - t0)} s`);
    await sleep(SETTLE_MS);
    const pgids = new Set(await Promise.all(ids.map((id) => browserGroupOf(bench.dataDir, id))));
    const memory = await groupsMemory(pgids);

    progress(`scale ${n}: DELETE all`);
    const t2 = Date.now();
    await Promise.all(ids.map((id) => call(bench, 'DELETE', `/sessions/${id}`, 204)));
    const answeredAt = Date.now();
    const freedAt = await pollUntil(
      'every session freed',
      async () =>
        (await browsersUnder(bench.dataDir)).length === 0 &&
        (await sessionFolders(bench.dataDir)).length === 0 &&
        (await sessionCount(bench)) === 0,
      PHASE_MS,
      50,
    );
    const left = (await browsersUnder(bench.dataDir)).length;
    return [
      String(n),
      seconds(qrAt - t0),
      seconds(readyAt - t1),
      seconds(readyAt - t0),
      fmt(memory.pssMiB),
      fmt(memory.pssMiB / n),
      fmt(memory.pssAnonMiB / n),
      String(memory.processes),
      seconds(answeredAt - t2),
      seconds(freedAt - t2),
      String(left),
      String(bench.unhandledRejections()),
    ];
  } finally {
    const closed = await bench.close();
    if (closed.browsersLeft > 0) progress(`scale ${n}: ${closed.browsersLeft} Chromium processes left`);
  }
};

export const runScale = async (sizes: number[]): Promise<Section> => {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const n of sizes) {
    try {
      rows.push(await scaleRun(n));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      progress(`scale ${n}: failed: ${message}`);
      notes.push(`${n} sessions did not complete: ${message}`);
    }
  }
  return {
    title: 'Scale: N sessions at once (one run each)',
    header: [
      'N',
      'POST all → all QR s',
      'scan all → all READY s',
      'POST → all READY s',
      'total PSS MiB',
      'PSS MiB per session',
      'anon MiB per session',
      'Chromium processes',
      'DELETE all → all 204 s',
      'DELETE all → all freed s',
      'Chromium left',
      'unhandled rejections',
    ],
    rows,
    notes: [
      'All requests of a phase sent at once; QR and READY times from the server’s log timestamps; ' +
        '"freed": GET /sessions empty, no session folder, no Chromium process with a profile under DATA_DIR ' +
        '(polled every 50 ms).',
      `Server settings: ${Object.entries(scaleEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}; PSS read ${SETTLE_MS} ms after the last READY.`,
      ...notes,
    ],
  };
};
