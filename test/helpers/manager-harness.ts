import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, vi } from 'vitest';
import type { SessionOwnership } from '../../src/cluster/types.js';
import { createEventBus } from '../../src/events/bus.js';
import type { AnyWaEvent, EventBus } from '../../src/events/types.js';
import { createLogger, type Logger } from '../../src/logger.js';
import {
  type AuthFolders,
  createAuthFolders,
  type FolderOps,
  nodeFolderOps,
} from '../../src/sessions/auth-folders.js';
import {
  createSessionManager,
  type InternalSessionManager,
  type ManagerConfig,
} from '../../src/sessions/manager.js';
import type { SessionRecords } from '../../src/sessions/session-records.js';
import {
  createFakeClientFactory,
  errnoError,
  FakeBrowserProcesses,
  type FakeClient,
  type FakeClientFactory,
  type FakeClientScripts,
} from './fake-client.js';

// Captured before any test fakes timers: real turns of the event loop, so real fs work can finish.
const realSetImmediate = globalThis.setImmediate;
const realNow = () => performance.now();

export const defaultManagerConfig: ManagerConfig = {
  AUTO_CLEANUP_ON_LOGOUT: true,
  LOGOUT_CLEANUP_DELAY_MS: 3000,
  DESTROY_TIMEOUT_MS: 5000,
  LOGOUT_TIMEOUT_MS: 5000,
  INIT_TIMEOUT_MS: 90_000,
  PROTOCOL_TIMEOUT_MS: 30_000,
  RESTORE_CONCURRENCY: 2,
  MAX_SESSIONS: 100,
  // Off unless a test is about them: the other tests prove what a failure alone does.
  RESTART_MAX_ATTEMPTS: 0,
  RESTART_BACKOFF_MS: 1000,
  LAUNCH_CONCURRENCY: 100,
};

const levelNames: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export interface LogRecord {
  level: string;
  msg: string;
  sessionId?: string;
  [key: string]: unknown;
}

/** Overrides of single folder operations; unset ones go to the real file system. */
export type FolderFaults = { [K in keyof FolderOps]?: FolderOps[K] | undefined };

export interface HarnessOptions {
  config?: Partial<ManagerConfig>;
  scripts?: Partial<FakeClientScripts>;
  browserMissing?: string | null;
  trashSweepMs?: number;
  /** The jitter source of automatic restarts (0.5 unless a test sets it). */
  random?: () => number;
  /** Cluster mode: the leases and the durable registry the manager is given (none by default). */
  ownership?: SessionOwnership;
  records?: SessionRecords;
}

export interface ManagerHarness {
  manager: InternalSessionManager;
  folders: AuthFolders;
  processes: FakeBrowserProcesses;
  clients: FakeClientFactory;
  bus: EventBus;
  events: AnyWaEvent[];
  logs: LogRecord[];
  config: ManagerConfig;
  dataDir: string;
  /** Mutable: set `rm`/`rename`/... to make the folder store fail, unset to heal it. */
  faults: FolderFaults;
  /** Every wait the folder store asked for between removal attempts (the sleep resolves at once). */
  retrySleeps: number[];
  /** Makes every rm fail with `code` (EBUSY by default). */
  failRemoval(code?: string): void;
  /** Makes every rename (moving a folder into the trash) fail with `code`. */
  failRename(code?: string): void;
  healFolders(): void;
  /** Advances fake time, running what the timers start. */
  advance(ms: number): Promise<void>;
  /**
   * Advances fake time in steps (real turns in between, for the file system) until `work` settles;
   * returns its outcome. For operations that wait on timers (a hung destroy, a hung logout).
   */
  drive<T>(work: Promise<T>, stepMs?: number): Promise<PromiseSettledResult<T>>;
  /** Real turns of the event loop until `check` holds (bounded by 2 s of real time). */
  until(check: () => boolean, what: string): Promise<void>;
  /** A few real turns of the event loop, to show that nothing more happens. */
  settle(): Promise<void>;
  /** Until no operation holds or waits for a session lock. */
  idle(): Promise<void>;
  has(id: string): boolean;
  folderEntries(id: string): string[] | null;
  trashEntries(): string[];
  /** `level msg` of the log lines that mention `text`, in order. */
  lines(filter?: (record: LogRecord) => boolean): string[];
  eventsOf(type: AnyWaEvent['type'], sessionId?: string): AnyWaEvent[];
  dispose(): Promise<void>;
}

const realTurn = () => new Promise<void>((resolve) => realSetImmediate(resolve));

/**
 * A real SessionManager over fake clients and a fake process table, with real AuthFolders on a
 * temporary DATA_DIR, a real event bus and a pino logger into an array. Fakes the clock (setTimeout,
 * setInterval, Date) but leaves setImmediate real, so the file system can be awaited.
 */
export const createManagerHarness = async (options: HarnessOptions = {}): Promise<ManagerHarness> => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'wa-sessions-mgr-'));
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });

  const logs: LogRecord[] = [];
  const logger: Logger = createLogger(
    { level: 'debug' },
    {
      write(line: string) {
        const parsed = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
        logs.push({
          ...parsed,
          level: levelNames[parsed.level] ?? String(parsed.level),
          msg: parsed.msg ?? '',
        });
      },
    },
  );

  const faults: FolderFaults = {};
  const ops: FolderOps = {
    rm: (target) => (faults.rm ?? nodeFolderOps.rm)(target),
    rename: (from, to) => (faults.rename ?? nodeFolderOps.rename)(from, to),
    mkdir: (target) => (faults.mkdir ?? nodeFolderOps.mkdir)(target),
    readdir: (target) => (faults.readdir ?? nodeFolderOps.readdir)(target),
    exists: (target) => (faults.exists ?? nodeFolderOps.exists)(target),
  };
  const retrySleeps: number[] = [];
  const folders = createAuthFolders({
    dataDir,
    logger,
    ops,
    sleep: async (ms) => {
      retrySleeps.push(ms);
    },
  });

  const bus = createEventBus({ logger });
  const events: AnyWaEvent[] = [];
  bus.subscribe((event) => events.push(event));

  const processes = new FakeBrowserProcesses();
  const clients = createFakeClientFactory(processes);
  clients.scripts = { ...clients.scripts, ...options.scripts };

  const config: ManagerConfig = { ...defaultManagerConfig, ...options.config };
  const manager = createSessionManager({
    config,
    logger,
    bus,
    clientFactory: clients.factory,
    folders,
    processes,
    // Fake browsers have no process on their profile; scanning the real /proc would only slow the
    // fake-timer tests down (the profile path is proven on real processes in test/process and e2e).
    profiles: { list: async () => [], kill: async () => ({ killed: [], remaining: [] }) },
    browserMissing: options.browserMissing ?? null,
    killWaitMs: 1000,
    random: options.random ?? (() => 0.5),
    ...(options.trashSweepMs === undefined ? {} : { trashSweepMs: options.trashSweepMs }),
    ...(options.ownership ? { ownership: options.ownership } : {}),
    ...(options.records ? { records: options.records } : {}),
  });

  const until = async (check: () => boolean, what: string): Promise<void> => {
    const deadline = realNow() + 2000;
    while (!check()) {
      if (realNow() > deadline) throw new Error(`Timed out waiting until ${what}`);
      await realTurn();
    }
  };

  const drive = async <T>(work: Promise<T>, stepMs = 100): Promise<PromiseSettledResult<T>> => {
    let outcome: PromiseSettledResult<T> | undefined;
    void work.then(
      (value) => {
        outcome = { status: 'fulfilled', value };
      },
      (reason: unknown) => {
        outcome = { status: 'rejected', reason };
      },
    );
    const deadline = realNow() + 5000;
    while (outcome === undefined) {
      if (realNow() > deadline) throw new Error('The operation did not settle while time was advanced');
      await vi.advanceTimersByTimeAsync(stepMs);
      await realTurn();
    }
    return outcome;
  };

  return {
    manager,
    folders,
    processes,
    clients,
    bus,
    events,
    logs,
    config,
    dataDir,
    faults,
    retrySleeps,
    failRemoval(code = 'EBUSY') {
      faults.rm = async (target) => {
        throw errnoError(code, 'rmdir', target);
      };
    },
    failRename(code = 'EBUSY') {
      faults.rename = async (from) => {
        throw errnoError(code, 'rename', from);
      };
    },
    healFolders() {
      for (const key of Object.keys(faults) as Array<keyof FolderOps>) delete faults[key];
    },
    async advance(ms) {
      await vi.advanceTimersByTimeAsync(ms);
    },
    drive,
    until,
    async settle() {
      for (let i = 0; i < 20; i += 1) await realTurn();
    },
    async idle() {
      // Settled promise chains (a rejected initialize, say) take the lock a few microtasks later:
      // quiet means no operation for a few real turns in a row.
      let quietTurns = 0;
      await until(() => {
        quietTurns = manager.busyIds().length === 0 ? quietTurns + 1 : 0;
        return quietTurns > 3;
      }, 'no session operation is running');
    },
    has: (id) => manager.list().some((s) => s.id === id),
    folderEntries(id) {
      const folder = folders.folderOf(id);
      return existsSync(folder) ? readdirSync(folder) : null;
    },
    trashEntries() {
      const trash = path.join(dataDir, 'trash');
      return existsSync(trash) ? readdirSync(trash) : [];
    },
    lines(filter = () => true) {
      return logs.filter(filter).map((r) => `${r.level} ${r.msg}`);
    },
    eventsOf(type, sessionId) {
      return events.filter((e) => e.type === type && (sessionId === undefined || e.sessionId === sessionId));
    },
    async dispose() {
      await drive(manager.shutdown());
      vi.useRealTimers();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

/** The AppError a synchronous call throws, for asserting its status and code. */
export const thrownBy = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('Expected the call to throw');
};

/** Creates a session and links it as a phone does (QR, then scan): READY, and its fake client. */
export const readySession = async (h: ManagerHarness, id: string): Promise<FakeClient> => {
  await h.manager.create(id);
  const client = h.clients.last(id);
  client.emitQr();
  client.link();
  expect(h.manager.get(id).state).toBe('READY');
  return client;
};
