import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClientOptions, Client as WaClient } from 'whatsapp-web.js';
import pkg from 'whatsapp-web.js';
import {
  createSimulatorDriver,
  type SimulatorDriver,
  type SimulatorDriverOptions,
} from '../../src/simulator/driver.js';
import { prepareSimulatorCache } from '../../src/simulator/web-cache.js';
import { sleep, withTimeout } from '../../src/timeout.js';

const { Client, LocalAuth } = pkg;

/**
 * LocalAuth that never deletes its folder on LOGOUT. whatsapp-web.js removes the profile folder
 * while the browser that uses it still runs (https://github.com/pedroslopez/whatsapp-web.js/issues/3072);
 * the server does the same replacement and cleans up itself once the browser is gone.
 */
export class KeepFolderLocalAuth extends LocalAuth {
  override logout = async (): Promise<void> => undefined;
}

export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/lib/chromium/chromium-headless-shell';

/** Offline, quiet Chromium: nothing but the intercepted https://web.whatsapp.com/ is ever fetched. */
export const CHROME_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-gpu',
];

export const CLIENT_EVENTS = [
  'qr',
  'code',
  'loading_screen',
  'authenticated',
  'auth_failure',
  'ready',
  'message',
  'message_create',
  'message_ack',
  'change_state',
  'disconnected',
] as const;
export type ClientEventName = (typeof CLIENT_EVENTS)[number];

export interface RecordedEvent {
  name: ClientEventName;
  args: unknown[];
  /** ms since the log was created */
  at: number;
}

export interface EventLog {
  readonly events: readonly RecordedEvent[];
  /** Index to pass as `since` to wait only for events after this point. */
  mark(): number;
  names(): ClientEventName[];
  /** First event `name` at index >= since (default 0) that matches; waits for it, bounded. */
  waitFor(
    name: ClientEventName,
    opts?: { since?: number; timeoutMs?: number; where?: (args: unknown[]) => boolean },
  ): Promise<RecordedEvent>;
}

export const recordEvents = (client: WaClient): EventLog => {
  const started = Date.now();
  const events: RecordedEvent[] = [];
  const waiters = new Set<() => void>();
  for (const name of CLIENT_EVENTS) {
    client.on(name, (...args: unknown[]) => {
      events.push({ name, args, at: Date.now() - started });
      for (const wake of [...waiters]) wake();
    });
  }
  return {
    events,
    mark: () => events.length,
    names: () => events.map((e) => e.name),
    waitFor: (name, opts = {}) => {
      const since = opts.since ?? 0;
      const timeoutMs = opts.timeoutMs ?? 10_000;
      const find = () =>
        events.find((e, i) => i >= since && e.name === name && (opts.where ? opts.where(e.args) : true));
      const found = find();
      if (found) return Promise.resolve(found);
      let wake: (() => void) | undefined;
      const work = new Promise<RecordedEvent>((resolve) => {
        wake = () => {
          const hit = find();
          if (hit) resolve(hit);
        };
        waiters.add(wake);
      });
      const seen = () => events.map((e) => e.name).join(', ');
      return withTimeout(work, timeoutMs, `event ${name} (seen: ${seen() || 'none'})`).finally(() => {
        if (wake) waiters.delete(wake);
      });
    },
  };
};

/** Live (non-zombie) processes in process group `pgid`; puppeteer starts Chromium as a group leader. */
export const liveProcessesInGroup = (pgid: number): number[] => {
  const live: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') live.push(Number(entry));
  }
  return live;
};

const killGroup = (pgid: number): void => {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
};

export interface RealClientOptions {
  /** Folder for the auth data (root/auth) and the page cache (root/cache); a new temp dir if absent. */
  root?: string;
  clientId?: string;
  pairWithPhoneNumber?: ClientOptions['pairWithPhoneNumber'];
  takeoverOnConflict?: boolean;
  takeoverTimeoutMs?: number;
  driver?: SimulatorDriverOptions;
  /** Chromium flags instead of CHROME_ARGS (the bench measures the server's presets this way). */
  args?: readonly string[];
}

export interface RealClient {
  client: WaClient;
  root: string;
  events: EventLog;
  /** `client.initialize()`, bounded. */
  initialize(timeoutMs?: number): Promise<void>;
  /** Driver of the page the client has open (after `initialize()` has launched the browser). */
  driver(): SimulatorDriver;
  browserPid(): number | undefined;
  /**
   * `client.destroy()`, bounded; then waits until no process of the browser is alive, SIGKILLing
   * the group if needed. Returns the pids that had to be killed or would not die (expected: none).
   */
  destroy(timeoutMs?: number): Promise<{ leftover: number[] }>;
  /** destroy() and remove the root folder. */
  cleanup(): Promise<{ leftover: number[] }>;
}

/** A real whatsapp-web.js Client, in real Chromium, on the simulator page, with LocalAuth in `root`. */
export const createRealClient = async (opts: RealClientOptions = {}): Promise<RealClient> => {
  const root = opts.root ?? (await mkdtemp(path.join(os.tmpdir(), 'wa-sim-')));
  await mkdir(root, { recursive: true });
  const cache = await prepareSimulatorCache(path.join(root, 'cache'));
  const client = new Client({
    ...cache,
    authStrategy: new KeepFolderLocalAuth({ dataPath: path.join(root, 'auth'), clientId: opts.clientId }),
    takeoverOnConflict: opts.takeoverOnConflict ?? false,
    takeoverTimeoutMs: opts.takeoverTimeoutMs ?? 0,
    ...(opts.pairWithPhoneNumber ? { pairWithPhoneNumber: opts.pairWithPhoneNumber } : {}),
    puppeteer: {
      executablePath: CHROME_PATH,
      headless: 'shell',
      args: [...(opts.args ?? CHROME_ARGS)],
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      protocolTimeout: 30_000,
    },
  });
  const events = recordEvents(client);
  let pid: number | undefined;
  const browserPid = () => {
    pid ??= client.pupBrowser?.process()?.pid;
    return pid;
  };

  let initializing: Promise<void> | undefined;
  const destroy = async (timeoutMs = 10_000) => {
    // client.destroy() before the browser is up is a no-op, and initialize() then launches it anyway:
    // let a pending initialize() settle first so that its browser is the one destroyed.
    if (initializing)
      await withTimeout(initializing, timeoutMs, 'client.initialize()').catch(() => undefined);
    const pgid = browserPid();
    try {
      await withTimeout(client.destroy(), timeoutMs, 'client.destroy()');
    } catch {
      // Killed below; the caller sees it as leftover processes.
    }
    if (pgid === undefined) return { leftover: [] };
    const deadline = Date.now() + 3000;
    let alive = liveProcessesInGroup(pgid);
    while (alive.length > 0 && Date.now() < deadline) {
      await sleep(25);
      alive = liveProcessesInGroup(pgid);
    }
    if (alive.length > 0) killGroup(pgid);
    return { leftover: alive };
  };

  return {
    client,
    root,
    events,
    initialize: async (timeoutMs = 30_000) => {
      initializing = client.initialize();
      await withTimeout(initializing, timeoutMs, 'client.initialize()');
      browserPid();
    },
    driver: () => {
      const page = client.pupPage;
      if (!page) throw new Error('the client has no page yet: call initialize() first');
      return createSimulatorDriver(page, opts.driver);
    },
    browserPid,
    destroy,
    cleanup: async () => {
      const result = await destroy();
      await rm(root, { recursive: true, force: true, maxRetries: 3 });
      return result;
    },
  };
};
