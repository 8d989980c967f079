import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer';
import type { BrowserProcesses } from '../../src/browser/browser-processes.js';
import type { ProcessInfo } from '../../src/browser/process-table.js';
import type {
  ClientFactory,
  IncomingMessage,
  MeInfo,
  OutgoingContent,
  SendOptions,
  SessionClient,
  SessionClientEvents,
} from '../../src/sessions/types.js';
import type { WhatsAppPort } from '../../src/whatsapp/port.js';
import { createFakePort } from './fake-port.js';

/** What one scripted method does when called: resolve, hang, throw, or anything else a test writes. */
export type Script<T> = (client: FakeClient) => Promise<T>;

export const resolves =
  <T>(value: T): Script<T> =>
  () =>
    Promise.resolve(value);

/** Never settles: a frozen browser. */
export const hangs =
  <T>(): Script<T> =>
  () =>
    new Promise<T>(() => undefined);

export const rejects =
  <T>(makeError: () => Error): Script<T> =>
  () =>
    Promise.reject(makeError());

/** Resolves after `ms` of (fake) time: a browser that is slow but alive. */
export const resolvesAfter =
  <T>(ms: number, value: T): Script<T> =>
  () =>
    new Promise<T>((resolve) => {
      setTimeout(() => resolve(value), ms);
    });

/** What puppeteer throws when the page or browser went away under a call. */
export const targetClosed = (): Error => new Error('Protocol error (Runtime.callFunctionOn): Target closed');

/** A Node errno error as fs throws it (EBUSY, EPERM, ...). */
export const errnoError = (code: string, syscall: string, target: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: resource busy or locked, ${syscall} '${target}'`), {
    code,
    syscall,
    path: target,
  });

export interface FakeClientScripts {
  initialize: Script<void>;
  destroy: Script<void>;
  logout: Script<void>;
  probe: Script<void>;
  requestPairingCode: Script<string>;
  sendMessage: Script<{ id: string }>;
}

export type FakeMethod = keyof FakeClientScripts | 'dispose';

export const defaultScripts = (): FakeClientScripts => ({
  initialize: resolves(undefined),
  destroy: resolves(undefined),
  logout: resolves(undefined),
  probe: resolves(undefined),
  requestPairingCode: resolves('ABCD-EFGH'),
  sendMessage: resolves({ id: 'true_123@c.us_MSG1' }),
});

/**
 * Stands in for the process table: which fake browser pids are running, and every kill asked for.
 * A browser runs from initialize() until destroy() or logout() succeeds, or until it is killed.
 */
export class FakeBrowserProcesses implements BrowserProcesses {
  readonly running = new Set<number>();
  readonly killCalls: Array<{ pid: number; timeoutMs: number }> = [];
  /** Pids that survive SIGKILL (a process stuck in D state). */
  readonly unkillable = new Set<number>();

  launch(pid: number): void {
    this.running.add(pid);
  }

  exit(pid: number): void {
    this.running.delete(pid);
  }

  isRunning(pid: number): boolean {
    return this.running.has(pid);
  }

  async alive(pid: number): Promise<number[]> {
    return this.running.has(pid) ? [pid] : [];
  }

  async kill(pid: number, timeoutMs: number): Promise<{ killed: number[]; remaining: number[] }> {
    this.killCalls.push({ pid, timeoutMs });
    const killed = this.running.has(pid) ? [pid] : [];
    if (this.unkillable.has(pid)) return { killed, remaining: killed };
    this.running.delete(pid);
    return { killed, remaining: [] };
  }

  async findOrphans(): Promise<ProcessInfo[]> {
    return [];
  }
}

let nextPid = 40_000;

/** A scripted SessionClient: counts calls, plays scripts, and emits the library's events on demand. */
export class FakeClient extends EventEmitter<SessionClientEvents> implements SessionClient {
  readonly calls: Record<FakeMethod, number> = {
    initialize: 0,
    destroy: 0,
    logout: 0,
    probe: 0,
    requestPairingCode: 0,
    sendMessage: 0,
    dispose: 0,
  };
  readonly pid = nextPid++;
  readonly sent: Array<{ chatId: string; content: OutgoingContent; options: SendOptions }> = [];
  /** Entries of the session folder when this client was created; null when the folder was absent. */
  readonly profileAtStart: string[] | null;
  meInfo: MeInfo | null = { wid: '15550001111@c.us', name: 'Fake Phone' };
  disposed = false;
  /** destroy() or logout() resolved: the library closed its browser. */
  closedCleanly = false;
  /** The closer gave the browser up without asking it to close (it did not answer the probe). */
  abandoned = false;
  private qrCount = 0;

  constructor(
    readonly index: number,
    readonly sessionId: string,
    readonly authRoot: string,
    readonly scripts: FakeClientScripts,
    private readonly processes: FakeBrowserProcesses,
  ) {
    super();
    const folder = this.folder();
    this.profileAtStart = existsSync(folder) ? readdirSync(folder) : null;
  }

  folder(): string {
    return path.join(this.authRoot, `session-${this.sessionId}`);
  }

  /** Running browser or not disposed: what "two live clients for one id" counts. */
  isLive(): boolean {
    return !this.disposed || this.processes.isRunning(this.pid);
  }

  async initialize(): Promise<void> {
    this.calls.initialize += 1;
    // What Chromium does first: the browser runs and writes its profile into the session folder.
    this.processes.launch(this.pid);
    mkdirSync(path.join(this.folder(), 'Default'), { recursive: true });
    writeFileSync(path.join(this.folder(), 'Default', 'Cookies'), `client ${this.index}`);
    await this.scripts.initialize(this);
  }

  async destroy(): Promise<void> {
    this.calls.destroy += 1;
    await this.scripts.destroy(this);
    this.closedCleanly = true;
    this.processes.exit(this.pid);
  }

  async logout(): Promise<void> {
    this.calls.logout += 1;
    await this.scripts.logout(this);
    // whatsapp-web.js closes the browser at the end of logout().
    this.closedCleanly = true;
    this.processes.exit(this.pid);
  }

  /** How often backupAuth() was called (the hand-over saves the profile's archive first). */
  backups = 0;

  async backupAuth(): Promise<void> {
    this.backups += 1;
  }

  probe(): Promise<void> {
    this.calls.probe += 1;
    return this.scripts.probe(this);
  }

  /** The fake's browser runs as soon as initialize() is called: never caught half-launched. */
  launching(): boolean {
    return false;
  }

  abandon(): void {
    this.abandoned = true;
  }

  browserPid(): number | undefined {
    return this.calls.initialize > 0 ? this.pid : undefined;
  }

  me(): MeInfo | null {
    return this.meInfo;
  }

  requestPairingCode(phoneNumber: string): Promise<string> {
    this.calls.requestPairingCode += 1;
    void phoneNumber;
    return this.scripts.requestPairingCode(this);
  }

  sendMessage(chatId: string, content: OutgoingContent, options: SendOptions): Promise<{ id: string }> {
    this.calls.sendMessage += 1;
    this.sent.push({ chatId, content, options });
    return this.scripts.sendMessage(this);
  }

  page(): Page | undefined {
    return undefined;
  }

  // Every number is on WhatsApp unless a test scripts otherwise, as in the simulator.
  readonly port = createFakePort({ numberId: async (id) => id });

  whatsapp(): WhatsAppPort {
    return this.port;
  }

  /** As the real adapter: detaches from the library and drops every listener on itself. */
  dispose(): void {
    this.calls.dispose += 1;
    this.disposed = true;
    this.removeAllListeners();
  }

  // Library events, emitted as whatsapp-web.js would.
  emitQr(qr = `qr-${this.index}-${++this.qrCount}`): string {
    this.emit('qr', qr);
    return qr;
  }

  emitAuthenticated(): void {
    this.emit('authenticated');
  }

  emitReady(): void {
    this.emit('ready');
  }

  /** authenticated then ready: a phone linked (or a restored session came up). */
  link(): void {
    this.emitAuthenticated();
    this.emitReady();
  }

  emitDisconnected(reason: string): void {
    this.emit('disconnected', reason);
  }

  /** The browser crashed or was killed from outside. */
  crashBrowser(): void {
    this.processes.exit(this.pid);
    this.emit('browser_exited');
  }

  emitMessage(message: Partial<IncomingMessage> = {}): IncomingMessage {
    const full: IncomingMessage = {
      id: 'false_15550002222@c.us_IN1',
      from: '15550002222@c.us',
      to: '15550001111@c.us',
      body: 'hello',
      type: 'chat',
      timestamp: 1_700_000_000,
      fromMe: false,
      hasMedia: false,
      media: null,
      ...message,
    };
    this.emit('message', full);
    return full;
  }
}

export interface FakeClientFactory {
  factory: ClientFactory;
  /** Every client created, in order. */
  readonly clients: FakeClient[];
  /** Scripts given to clients created from now on (per-client changes go on `client.scripts`). */
  scripts: FakeClientScripts;
  /** Called on each new client before the manager sees it. */
  configure: ((client: FakeClient) => void) | null;
  /** One line per creation that found another live client for the same id. */
  readonly violations: string[];
  forId(id: string): FakeClient[];
  /** The newest client of `id`; throws when there is none. */
  last(id: string): FakeClient;
  live(id: string): FakeClient[];
}

export const createFakeClientFactory = (processes: FakeBrowserProcesses): FakeClientFactory => {
  const clients: FakeClient[] = [];
  const violations: string[] = [];
  const forId = (id: string) => clients.filter((c) => c.sessionId === id);
  const live = (id: string) => forId(id).filter((c) => c.isLive());
  const state: FakeClientFactory = {
    clients,
    violations,
    scripts: defaultScripts(),
    configure: null,
    forId,
    live,
    last(id) {
      const list = forId(id);
      const client = list[list.length - 1];
      if (!client) throw new Error(`No fake client was created for session ${id}`);
      return client;
    },
    factory: ({ sessionId, authRoot }) => {
      const others = live(sessionId);
      if (others.length > 0) {
        violations.push(
          `client #${clients.length} for ${sessionId} created while #${others.map((c) => c.index).join(', #')} still live`,
        );
      }
      const client = new FakeClient(clients.length, sessionId, authRoot, { ...state.scripts }, processes);
      clients.push(client);
      state.configure?.(client);
      return client;
    },
  };
  return state;
};
