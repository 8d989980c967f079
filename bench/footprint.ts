import { readFile } from 'node:fs/promises';
import { type BenchServer, startBenchServer } from './bench-server.js';
import { startFlags } from './heap.js';
import { readyAll } from './http.js';
import { buildServer } from './idle-rss.js';
import { progress } from './progress.js';
import type { Section } from './report.js';
import { fmtSummary, summarize } from './stats.js';
import { sleep } from './wait.js';

const SETTLE_MS = 3000;

/**
 * Loaded before the server: on SIGUSR2 it collects garbage and prints the heap to stderr, so the
 * bench reads the server's own heap without the server carrying any code for it.
 */
const HEAP_PROBE = `data:text/javascript,${encodeURIComponent(
  'process.on("SIGUSR2",()=>{globalThis.gc?.();' +
    'process.stderr.write("heap "+JSON.stringify(process.memoryUsage())+"\\n")})',
)}`;

interface Footprint {
  rssMiB: number;
  heapUsedMiB: number;
}

const MiB = 1024 * 1024;

const footprintOf = async (bench: BenchServer): Promise<Footprint> => {
  const pid = bench.server.child.pid;
  if (pid === undefined) throw new Error('The server has no pid');
  const before = bench.server.stderr.length;
  process.kill(pid, 'SIGUSR2');
  let line: string | undefined;
  for (let i = 0; i < 100 && line === undefined; i++) {
    await sleep(20);
    line = bench.server.stderr
      .slice(before)
      .join('')
      .split('\n')
      .find((l) => l.startsWith('heap '));
  }
  if (line === undefined) throw new Error('The server printed no heap');
  const usage = JSON.parse(line.slice(5)) as { heapUsed: number };
  // After the gc above: what the process holds, not garbage waiting for a collection.
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  return { rssMiB: rssKiB / 1024, heapUsedMiB: usage.heapUsed / MiB };
};

/**
 * The server's own process (not its browsers), built and run as `npm start` runs it (its Node flags
 * from package.json): RSS and heap idle, then with 5 READY sessions.
 */
export const runFootprint = async (runs: number): Promise<Section> => {
  progress('footprint: npm run build');
  await buildServer();
  const flags = await startFlags();
  const idle: Footprint[] = [];
  const ready: Footprint[] = [];
  for (let i = 0; i < runs; i++) {
    progress(`footprint: run ${i + 1}/${runs}`);
    const bench = await startBenchServer(
      { LOG_LEVEL: 'info', INIT_TIMEOUT_MS: '600000', PROTOCOL_TIMEOUT_MS: '120000' },
      { nodeArgs: ['--expose-gc', ...flags, '--import', HEAP_PROBE], entry: ['dist/main.js'] },
    );
    try {
      await sleep(SETTLE_MS);
      idle.push(await footprintOf(bench));
      await readyAll(
        bench,
        Array.from({ length: 5 }, (_, j) => `f${j}`),
      );
      await sleep(SETTLE_MS);
      ready.push(await footprintOf(bench));
    } finally {
      await bench.close();
    }
  }
  const row = (name: string, samples: Footprint[]) => [
    name,
    fmtSummary(summarize(samples.map((s) => s.rssMiB))),
    fmtSummary(summarize(samples.map((s) => s.heapUsedMiB))),
  ];
  return {
    title: 'footprint',
    header: ['server process', 'RSS MiB: median (min–max)', 'V8 heap used after gc, MiB'],
    rows: [row('idle', idle), row('5 READY sessions', ready)],
    notes: [
      `The server's own process only (its browsers are separate processes: see memory); ${SETTLE_MS / 1000} s after starting and after the 5th READY; one fresh server per run.`,
      `Built (npm run build) and run as npm start runs it: \`node ${flags.join(' ')} dist/main.js\` (plus --expose-gc and the probe that prints the heap); \`npm run bench -- --only heap\` tells where it goes.`,
    ],
  };
};
