import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { TEST_API_KEY } from '../test/helpers/server-process.js';
import { type BenchServer, startBenchServer } from './bench-server.js';
import { readMainProfile, summarizeProfile } from './cpu-profile.js';
import { startFlags } from './heap.js';
import { buildServer } from './idle-rss.js';
import { progress } from './progress.js';
import type { Section } from './report.js';
import { call } from './sessions.js';
import { fmt, summarize } from './stats.js';
import { pollUntil } from './wait.js';

/** What the side-by-side used: 10 connections for 10 s, one server at a time. */
export const HTTP_CONNECTIONS = 10;
export const HTTP_SECONDS = 10;
const PHASE_MS = 600_000;
const WARMUP_SECONDS = 2;

export interface Driver {
  name: string;
  url: string;
  headers: Record<string, string>;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/** One autocannon round; every answer must be 2xx (a refused request is fast and would flatter). */
const round = async (driver: Driver, seconds: number): Promise<Sample> => {
  const result = await autocannon({
    url: driver.url,
    connections: HTTP_CONNECTIONS,
    duration: seconds,
    headers: driver.headers,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
};

/** Runs each driver `runs` times, back to back, and reports medians (min–max for req/s). */
export const measureDrivers = async (
  drivers: readonly Driver[],
  runs: number,
  seconds = HTTP_SECONDS,
): Promise<string[][]> => {
  const rows: string[][] = [];
  for (const driver of drivers) {
    // Unrecorded: the first second of a cold route measures V8 compiling it, not the server.
    progress(`http: ${driver.name} warm-up (${WARMUP_SECONDS} s, not counted)`);
    await round(driver, WARMUP_SECONDS);
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      progress(`http: ${driver.name} run ${i + 1}/${runs}`);
      samples.push(await round(driver, seconds));
    }
    const rps = summarize(samples.map((s) => s.rps));
    const p50 = summarize(samples.map((s) => s.p50));
    const p99 = summarize(samples.map((s) => s.p99));
    const failed = samples.reduce((n, s) => n + s.non2xx, 0);
    rows.push([
      driver.name,
      rps === null ? 'n/a' : `${fmt(rps.median)} (${fmt(rps.min)}–${fmt(rps.max)})`,
      p50 === null ? 'n/a' : fmt(p50.median),
      p99 === null ? 'n/a' : fmt(p99.median),
      String(failed),
    ]);
  }
  return rows;
};

/** Polls the session's state (the state-change log lines are at debug, off at the default level). */
export const stateReached = (bench: BenchServer, id: string, state: string): Promise<number> =>
  pollUntil(
    `${id} ${state}`,
    async () => {
      const body = (await call(bench, 'GET', `/sessions/${id}`, 200)) as { state?: unknown } | null;
      if (body?.state === 'FAILED') throw new Error(`Session ${id} FAILED`);
      return body?.state === state;
    },
    PHASE_MS,
    50,
  );

export const readyAll = async (bench: BenchServer, ids: readonly string[]): Promise<void> => {
  await Promise.all(ids.map((id) => call(bench, 'POST', `/sessions/${id}`, 201)));
  await Promise.all(ids.map((id) => stateReached(bench, id, 'QR')));
  await Promise.all(ids.map((id) => call(bench, 'POST', `/sessions/${id}/simulator/scan`, 200)));
  await Promise.all(ids.map((id) => stateReached(bench, id, 'READY')));
};

const driver = (bench: BenchServer, name: string, path: string): Driver => ({
  name,
  url: `${bench.server.baseUrl}${path}`,
  headers: { 'x-api-key': TEST_API_KEY },
});

const header = ['route', 'req/s median (min–max)', 'p50 ms', 'p99 ms', 'non-2xx or errors'];

/**
 * The server as users run it (`npm start`, the image): built, with npm start's Node flags. The access
 * lines are written but not parsed.
 */
const startHttpServer = async (nodeArgs: string[] = []): Promise<BenchServer> =>
  startBenchServer(
    { LOG_LEVEL: 'info', INIT_TIMEOUT_MS: '600000', PROTOCOL_TIMEOUT_MS: '120000' },
    {
      nodeArgs: [...nodeArgs, ...(await startFlags())],
      entry: ['dist/main.js'],
      // The server writes every access line; the bench, which is also the load generator, does not
      // parse them (tens of thousands a run would take its CPU from autocannon).
      ignoreLine: (raw) => raw.includes('"msg":"request completed"'),
    },
  );

/**
 * `--cpu-profile`: a server under V8's profiler, one READY session, each hot route and the same
 * status through Express (a conditional GET, which the fast lane leaves) driven once; where its CPU went.
 */
export const runHttpProfile = async (seconds = HTTP_SECONDS): Promise<Section[]> => {
  await buildServer();
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-cpu-'));
  try {
    const bench = await startHttpServer(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    try {
      progress('http profile: one READY session');
      await readyAll(bench, ['one']);
      await measureDrivers(
        [
          driver(bench, 'GET /health/live', '/health/live'),
          driver(bench, 'GET /sessions/one', '/sessions/one'),
          {
            ...driver(bench, 'GET /sessions/one through Express', '/sessions/one'),
            // A conditional GET whose ETag never matches: the fast lane leaves it, Express answers 200.
            headers: { 'x-api-key': TEST_API_KEY, 'if-none-match': '"never"' },
          },
        ],
        1,
        seconds,
      );
    } finally {
      await bench.close();
    }
    const { functions, modules } = summarizeProfile(await readMainProfile(dir));
    const notes = [
      `One server under \`node --cpu-prof\`: a session made READY, then ${seconds} s of autocannon on /health/live, on /sessions/one, and on /sessions/one as a conditional GET (Express answers it). Shares of the time the server was busy (idle left out), start-up included.`,
    ];
    return [
      {
        title: 'http: where the server CPU went, by function (self time)',
        header: ['function', 'share'],
        rows: functions,
        notes,
      },
      {
        title: 'http: where the server CPU went, by module',
        header: ['module', 'share'],
        rows: modules,
        notes: [],
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/**
 * The server at its defaults (LOG_LEVEL=info: the access log line of every request is written, to a
 * pipe the bench reads), loopback client (the rate limiter exempts it, as for a local sidecar).
 */
export const runHttp = async (runs: number, seconds = HTTP_SECONDS): Promise<Section> => {
  progress('http: npm run build');
  await buildServer();
  const bench = await startHttpServer();
  try {
    const rows: string[][] = [];
    progress('http: one READY session');
    await readyAll(bench, ['one']);
    rows.push(
      ...(await measureDrivers(
        [
          driver(bench, 'GET /health/live (trivial)', '/health/live'),
          driver(bench, 'GET /sessions/one, 1 READY', '/sessions/one'),
        ],
        runs,
        seconds,
      )),
    );
    progress('http: 20 READY sessions');
    await readyAll(
      bench,
      Array.from({ length: 19 }, (_, i) => `s${i}`),
    );
    rows.push(
      ...(await measureDrivers(
        [
          driver(bench, 'GET /sessions/one, 20 READY', '/sessions/one'),
          driver(bench, 'GET /sessions (list of 20 READY)', '/sessions'),
        ],
        runs,
        seconds,
      )),
    );
    return {
      title: 'http',
      header,
      rows,
      notes: [
        `autocannon -c ${HTTP_CONNECTIONS} -d ${seconds} from the same machine (it shares the cores with the server), ${runs} runs per route after a ${WARMUP_SECONDS} s warm-up round that is not counted, medians.`,
        `The server built and run as npm start runs it (\`node ${(await startFlags()).join(' ')} dist/main.js\`), every setting at its default but SIMULATOR=true and longer start limits; logs at info (one access line per request, to a pipe the bench reads but does not parse).`,
        'To put another server beside it, run the same drivers against it by URL: ' +
          '`npm run bench -- --only http --compare http://127.0.0.1:21465/ping --compare-header "x-api-key: KEY"` ' +
          "(repeat --compare for each route, e.g. a peer's session status; one server at a time, so they do not share the cores).",
      ],
    };
  } finally {
    await bench.close();
  }
};

/** `--compare URL ...`: the same autocannon drivers against any server, ours or a peer's. */
export const runCompare = async (
  urls: readonly string[],
  headerLines: readonly string[],
  runs: number,
  seconds = HTTP_SECONDS,
): Promise<Section> => {
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon < 1) throw new Error(`--compare-header takes "Name: value"; got "${line}"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  const rows = await measureDrivers(
    urls.map((url) => ({ name: `GET ${url}`, url, headers })),
    runs,
    seconds,
  );
  return {
    title: 'http --compare',
    header,
    rows,
    notes: [
      `autocannon -c ${HTTP_CONNECTIONS} -d ${seconds} against the given URLs (a server already running), ${runs} runs each after a ${WARMUP_SECONDS} s warm-up round that is not counted, medians.`,
    ],
  };
};
