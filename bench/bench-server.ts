import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type LogLine, removeDir, type ServerProcess, startServer } from '../test/helpers/server-process.js';
import { browsersUnder } from './browsers.js';
import { bounded, pollUntil } from './wait.js';

/** Sandbox mode with real Chromium; the rest are the server's own defaults unless a section says. */
export const benchEnv: Record<string, string> = {
  SIMULATOR: 'true',
  LOG_LEVEL: 'debug',
  RESTORE_ON_START: 'false',
};

export interface BenchServer {
  readonly server: ServerProcess;
  readonly dataDir: string;
  /** When the server logged that the session entered `state` (epoch ms); rejects on FAILED. */
  stateAt(id: string, state: string, timeoutMs: number): Promise<number>;
  /** Lines of the safety net: rejections that escaped somewhere in the server. */
  unhandledRejections(): number;
  /** Their distinct error messages, shortened. */
  rejectionMessages(): string[];
  /** SIGTERM (SIGKILL past the limit), waits for every browser to exit, removes DATA_DIR. */
  close(): Promise<{ exitCode: number | null; browsersLeft: number }>;
}

const live = new Set<BenchServer>();

/** Every server still running: closed on Ctrl-C or when a section throws. */
export const closeAllServers = async (): Promise<void> => {
  await Promise.allSettled([...live].map((s) => s.close()));
};

const isStateLine = (line: LogLine, id: string, states: readonly string[]): boolean =>
  line.msg === 'Session state changed' &&
  line.sessionId === id &&
  typeof line.to === 'string' &&
  states.includes(line.to);

export interface BenchServerOptions {
  /** An existing DATA_DIR (a restart); default a fresh temporary one. */
  dataDir?: string;
  /** Leave DATA_DIR in place on close (the next server restores from it). */
  keepDataDir?: boolean;
  nodeArgs?: string[];
  /** What node runs (test/helpers/server-process.ts): default tsx on the sources. */
  entry?: string[];
}

export const startBenchServer = async (
  env: Record<string, string>,
  options: BenchServerOptions = {},
): Promise<BenchServer> => {
  const server = await startServer(
    { ...benchEnv, ...env },
    {
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs }),
      ...(options.entry === undefined ? {} : { entry: options.entry }),
    },
  );
  const dataDir = server.dataDir;
  const rejections = () => server.logs.filter((l) => l.msg === 'Unhandled promise rejection (contained)');
  let closing: Promise<{ exitCode: number | null; browsersLeft: number }> | null = null;

  const bench: BenchServer = {
    server,
    dataDir,
    async stateAt(id, state, timeoutMs) {
      const line = await server.waitForLog((l) => isStateLine(l, id, [state, 'FAILED']), timeoutMs);
      if (line.to !== state) throw new Error(`Session ${id} FAILED: ${String(line.reason)}`);
      if (typeof line.time !== 'number') throw new Error('Log lines carry no time');
      return line.time;
    },
    unhandledRejections: () => rejections().length,
    rejectionMessages: () => [
      ...new Set(
        rejections().map((l) => {
          const err = l.err as { type?: unknown; message?: unknown } | undefined;
          return `${String(err?.type ?? 'Error')}: ${String(err?.message ?? '').slice(0, 120)}`;
        }),
      ),
    ],
    close() {
      closing ??= (async () => {
        let exit: { code: number | null } | null = null;
        try {
          exit = await bounded(server.stop('SIGTERM'), 150_000, 'server stop');
        } catch {
          exit = await bounded(server.stop('SIGKILL'), 10_000, 'server kill').catch(() => null);
        }
        // Browsers of a killed server: their process groups, which only this server started.
        for (const p of await browsersUnder(dataDir)) {
          if (p.pid === p.pgid) {
            try {
              process.kill(-p.pgid, 'SIGKILL');
            } catch {
              // Already gone.
            }
          }
        }
        await pollUntil(
          'browsers exited',
          async () => (await browsersUnder(dataDir)).length === 0,
          10_000,
        ).catch(() => undefined);
        const browsersLeft = (await browsersUnder(dataDir)).length;
        if (options.keepDataDir !== true) await removeDir(dataDir);
        live.delete(bench);
        return { exitCode: exit?.code ?? null, browsersLeft };
      })();
      return closing;
    },
  };
  live.add(bench);
  return bench;
};

/** Session folders left in DATA_DIR/sessions. */
export const sessionFolders = async (dataDir: string): Promise<string[]> => {
  try {
    return await readdir(path.join(dataDir, 'sessions'));
  } catch {
    return [];
  }
};

/** Runs `work` with a fresh server, always closes it; returns the result and how the close went. */
export const withBenchServer = async <T>(
  env: Record<string, string>,
  work: (bench: BenchServer) => Promise<T>,
): Promise<{ result: T; browsersLeft: number; unhandledRejections: number }> => {
  const bench = await startBenchServer(env);
  let result: T;
  try {
    result = await work(bench);
  } catch (err) {
    await bench.close();
    throw err;
  }
  const closed = await bench.close();
  return { result, browsersLeft: closed.browsersLeft, unhandledRejections: bench.unhandledRejections() };
};
