import type { Page } from 'puppeteer';
import { parseSessionId } from '../../src/domain/session-id.js';
import { appError } from '../../src/error-catalog.js';
import { sessionNotFound, wrongState } from '../../src/sessions/session-errors.js';
import {
  type CreateSessionOptions,
  liveStates,
  type OutgoingContent,
  type QrCode,
  type ReadyCall,
  type SendOptions,
  type SessionManager,
  type SessionSnapshot,
} from '../../src/sessions/types.js';
import type { WhatsAppPort } from '../../src/whatsapp/port.js';
import { createFakePort } from './fake-port.js';

export type ManagerMethod =
  | 'create'
  | 'get'
  | 'list'
  | 'qr'
  | 'requestPairingCode'
  | 'stop'
  | 'delete'
  | 'sendMessage'
  | 'runOnReady'
  | 'page'
  | 'restore'
  | 'shutdown';

export interface ManagerCall {
  method: ManagerMethod;
  args: unknown[];
}

/**
 * An in-memory SessionManager for HTTP tests. Tests seed snapshots and QR codes, read `calls`, and
 * script failures with `failNext`. It throws the AppErrors the real manager throws: 400
 * `invalid_session_id`, 404 `session_not_found`, 409 `session_live`, 409 `no_qr`, 409
 * `session_not_ready`, 503 `browser_missing`.
 */
export interface FakeManager extends SessionManager {
  readonly sessions: Map<string, SessionSnapshot>;
  readonly qrCodes: Map<string, QrCode>;
  readonly calls: ManagerCall[];
  browserMissing: string | null;
  /** What `requestPairingCode` answers. */
  pairingCode: string;
  /** Adds (or replaces) a session; fields not given get plausible values. */
  seed(id: string, fields?: Partial<SessionSnapshot>): SessionSnapshot;
  /** The next call of `method` throws `error` instead of doing its work (after being recorded). */
  failNext(method: ManagerMethod, error: unknown): void;
  callsOf(method: ManagerMethod): ManagerCall[];
  /** What `runOnReady` hands its work: every call rejects until a test scripts it. */
  port: WhatsAppPort;
}

const FIXED_TIME = '2025-01-01T00:00:00.000Z';

// The real registry's errors, so the routes are tested against the same codes, statuses and words.
export { sessionNotFound };

export const createFakeManager = (): FakeManager => {
  const sessions = new Map<string, SessionSnapshot>();
  const qrCodes = new Map<string, QrCode>();
  const calls: ManagerCall[] = [];
  const failures = new Map<ManagerMethod, unknown>();

  const enter = (method: ManagerMethod, args: unknown[]): void => {
    calls.push({ method, args });
    if (failures.has(method)) {
      const error = failures.get(method);
      failures.delete(method);
      throw error;
    }
  };

  const checkId = (id: string): void => {
    parseSessionId(id);
  };

  const existing = (id: string): SessionSnapshot => {
    checkId(id);
    const session = sessions.get(id);
    if (!session) throw sessionNotFound(id);
    return session;
  };

  const snapshot = (id: string, fields: Partial<SessionSnapshot> = {}): SessionSnapshot => ({
    id,
    state: 'STARTING',
    reason: null,
    me: null,
    hasQr: false,
    restart: null,
    createdAt: FIXED_TIME,
    updatedAt: FIXED_TIME,
    disconnectedAt: null,
    webhook: null,
    ...fields,
  });

  const manager: FakeManager = {
    sessions,
    qrCodes,
    calls,
    browserMissing: null,
    // Every number is on WhatsApp unless a test says otherwise (sends check it first).
    port: createFakePort({ numberId: async (chatId) => chatId }),
    pairingCode: 'ABCD-EFGH',

    seed(id, fields) {
      const session = snapshot(id, fields);
      sessions.set(id, session);
      return session;
    },
    failNext(method, error) {
      failures.set(method, error);
    },
    callsOf(method) {
      return calls.filter((call) => call.method === method);
    },

    async create(id: string, options: CreateSessionOptions = {}) {
      enter('create', [id, options]);
      checkId(id);
      if (manager.browserMissing !== null) {
        throw appError('browser_missing', manager.browserMissing);
      }
      const previous = sessions.get(id);
      if (previous && liveStates.has(previous.state)) {
        throw wrongState('session_live', `Session "${id}" is already ${previous.state}.`, previous.state);
      }
      const webhook = options.webhook === undefined ? (previous?.webhook ?? null) : options.webhook;
      const session = snapshot(id, { ...(previous ?? {}), state: 'STARTING', reason: null, webhook });
      sessions.set(id, session);
      return { created: previous === undefined, session };
    },
    get(id: string) {
      enter('get', [id]);
      return existing(id);
    },
    has: (id: string) => sessions.has(id),
    list() {
      enter('list', []);
      return [...sessions.values()];
    },
    qr(id: string) {
      enter('qr', [id]);
      existing(id);
      const code = qrCodes.get(id);
      if (!code) {
        const { state } = existing(id);
        throw wrongState('no_qr', `Session "${id}" has no QR pending (it is ${state}).`, state);
      }
      return code;
    },
    async requestPairingCode(id: string, phoneNumber: string) {
      enter('requestPairingCode', [id, phoneNumber]);
      existing(id);
      return manager.pairingCode;
    },
    async stop(id: string) {
      enter('stop', [id]);
      const session = { ...existing(id), state: 'STOPPED' as const };
      sessions.set(id, session);
      qrCodes.delete(id);
      return session;
    },
    async delete(id: string) {
      enter('delete', [id]);
      existing(id);
      sessions.delete(id);
      qrCodes.delete(id);
    },
    async sendMessage(id: string, chatId: string, content: OutgoingContent, options: SendOptions = {}) {
      enter('sendMessage', [id, chatId, content, options]);
      const session = existing(id);
      if (session.state !== 'READY') {
        throw wrongState(
          'session_not_ready',
          `Session "${id}" is ${session.state}, not READY.`,
          session.state,
        );
      }
      return { id: `msg-${calls.length}` };
    },
    async runOnReady<T>(id: string, call: ReadyCall, work: (wa: WhatsAppPort) => Promise<T>): Promise<T> {
      enter('runOnReady', [id, call]);
      const { state } = existing(id);
      if (state !== 'READY') {
        throw wrongState('session_not_ready', `Session "${id}" is ${state}, not READY.`, state);
      }
      return work(manager.port);
    },
    page(id: string): Page {
      enter('page', [id]);
      const { state } = existing(id);
      throw wrongState('no_browser', `Session "${id}" has no running browser (it is ${state}).`, state);
    },
    async restore() {
      enter('restore', []);
    },
    async shutdown() {
      enter('shutdown', []);
    },
  };
  return manager;
};
