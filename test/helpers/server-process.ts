import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly logs: LogLine[];
  readonly stderr: string[];
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits (bounded) for a log line that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  request(
    method: string,
    urlPath: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const root = path.resolve(import.meta.dirname, '..', '..');

/** Every test server runs with this key unless a test sets API_KEY itself; `request` sends it. */
export const TEST_API_KEY = 'test-key-0123456789abcdef';

/**
 * The whole environment of a server under test (nothing inherited but PATH and HOME): a free port on
 * loopback, its DATA_DIR, debug logs and TEST_API_KEY unless `env` says otherwise.
 */
export const serverEnv = (dataDir: string, env: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? tmpdir(),
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'debug',
  API_KEY: TEST_API_KEY,
  // A developer's own .env must not leak into the servers under test.
  ENV_FILE: '',
  ...env,
});

/** The real server as a user runs it: its own process, a temporary DATA_DIR, a free port, JSON logs. */
export const startServer = async (
  env: Record<string, string> = {},
  options: {
    dataDir?: string;
    waitForListening?: boolean;
    nodeArgs?: string[];
    /** What node runs after nodeArgs; default the sources through tsx (the bench's footprint runs dist/main.js). */
    entry?: string[];
    listenTimeoutMs?: number;
    /** Lines dropped before they are parsed (a benchmark's thousands of access lines a second). */
    ignoreLine?: (raw: string) => boolean;
  } = {},
): Promise<ServerProcess> => {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'wa-sessions-e2e-')));
  const entry = options.entry ?? ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: root,
    env: serverEnv(dataDir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const raw of lines) {
      if (raw.trim() === '' || options.ignoreLine?.(raw)) continue;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { level: 30, msg: raw };
      }
      logs.push(line);
      for (const waiter of waiters) {
        if (waiter.match(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`No matching log line within ${timeoutMs} ms. stderr: ${stderr.join('')}`));
      }, timeoutMs);
      waiters.add(waiter);
      void exited.then(() => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`Server exited before the log line. stderr: ${stderr.join('')}`));
      });
    });
  };

  let baseUrl = '';
  if (options.waitForListening !== false) {
    const line = await waitForLog(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('wa-sessions listening'),
      options.listenTimeoutMs,
    );
    baseUrl = `http://127.0.0.1:${String(line.port)}`;
  }

  return {
    child,
    get baseUrl() {
      return baseUrl;
    },
    dataDir,
    logs,
    stderr,
    exited,
    waitForLog,
    request: (method, urlPath, body, headers = {}) =>
      fetch(`${baseUrl}${urlPath}`, {
        method,
        headers: {
          'x-api-key': env.API_KEY ?? TEST_API_KEY,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
};

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });
