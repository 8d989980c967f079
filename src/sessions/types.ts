import type { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingContent, SendOptions } from '../domain/message.js';
import type { MeInfo, QrCode, SessionSnapshot, WebhookSettings } from '../domain/session.js';
import type { ErrorCode } from '../error-catalog.js';
import type { WhatsAppEvent, WhatsAppPort } from '../whatsapp/port.js';

// The domain's shapes live in src/domain; re-exported here for the code of the sessions.
export type { IncomingMessage, OutgoingContent, SendOptions } from '../domain/message.js';
export {
  liveStates,
  type MeInfo,
  type QrCode,
  type SessionSnapshot,
  type SessionState,
  sessionStates,
  type WebhookSettings,
} from '../domain/session.js';
export { SESSION_ID_PATTERN } from '../domain/session-id.js';

/** What a client tells its session; the adapter over whatsapp-web.js maps the library's events onto these. */
export interface SessionClientEvents {
  qr: [qr: string];
  authenticated: [];
  auth_failure: [message: string];
  ready: [];
  disconnected: [reason: string];
  message: [message: IncomingMessage];
  message_ack: [ack: { id: string; ack: number }];
  /** Reactions, deletions for everyone, edits, group changes (src/whatsapp/wwebjs-events.ts). */
  whatsapp_event: [event: WhatsAppEvent];
  /** The browser went away without destroy(): crashed or killed. */
  browser_exited: [];
}

/**
 * One WhatsApp Web client as the session sees it: the real adapter wraps whatsapp-web.js, the tests
 * use a scripted fake. `dispose()` removes every listener the adapter put on the library's client.
 */
export interface SessionClient extends EventEmitter<SessionClientEvents> {
  initialize(): Promise<void>;
  /** `signal` is aborted when the caller stopped waiting: a destroy() still waiting gives up. */
  destroy(signal?: AbortSignal): Promise<void>;
  logout(): Promise<void>;
  /**
   * Cluster mode: saves the profile's archive to the database now (the hand-over calls it before the
   * browser closes). Rejects with the reason when it could not; resolves at once with nothing to save
   * (LocalAuth, or a session never READY in this client's life).
   */
  backupAuth(): Promise<void>;
  /**
   * One short round trip to the browser process (bounded by the caller): whether it answers at all.
   * A browser that does not is neither asked to log out nor to close itself: it is killed.
   */
  probe(): Promise<void>;
  /** initialize() runs and the library has no browser handle yet: Chromium is being launched. */
  launching(): boolean;
  /** Gives the browser up without asking it anything: a launch that finishes later is killed at once. */
  abandon(): void;
  /** pid of the browser's main process (leader of its process group), once launched. */
  browserPid(): number | undefined;
  me(): MeInfo | null;
  requestPairingCode(phoneNumber: string): Promise<string>;
  sendMessage(chatId: string, content: OutgoingContent, options: SendOptions): Promise<{ id: string }>;
  /** The puppeteer page, for the simulator driver; undefined before launch. */
  page(): import('puppeteer').Page | undefined;
  /** Chats, contacts and media of this client (src/whatsapp); the manager runs them only when READY. */
  whatsapp(): WhatsAppPort;
  dispose(): void;
}

/** How one call on a READY client is named and bounded (see SessionManager.runOnReady). */
export interface ReadyCall {
  /** Named in the 504: "<what> did not finish within N ms". */
  what: string;
  /** The 502 code when the library fails. */
  code: ErrorCode;
  /** The 502 detail's start: "<failure>: <library message>". */
  failure: string;
  timeoutMs?: number;
}

export interface ClientFactoryInput {
  sessionId: string;
  /** LocalAuth's dataPath: the folder that holds every `session-<id>` folder. */
  authRoot: string;
}

export type ClientFactory = (input: ClientFactoryInput) => SessionClient;

export interface CreateSessionOptions {
  webhook?: WebhookSettings | null;
}

/**
 * What the HTTP layer (and main) may ask of the sessions. Every method validates the id first
 * (400 `invalid_session_id` before anything touches the disk) and throws AppError, never anything else.
 */
export interface SessionManager {
  /** 201-like `created: true` for a new session, `false` when a DISCONNECTED/STOPPED/FAILED one starts again; 409 when live. */
  create(id: string, options?: CreateSessionOptions): Promise<{ created: boolean; session: SessionSnapshot }>;
  get(id: string): SessionSnapshot;
  /** Whether this process runs (or lists) `id`: what cluster routing asks before it forwards. */
  has(id: string): boolean;
  list(): SessionSnapshot[];
  /** 409 `no_qr` when no QR is pending. */
  qr(id: string): QrCode;
  requestPairingCode(id: string, phoneNumber: string): Promise<string>;
  /** Close the browser, keep the auth folder: STOPPED. */
  stop(id: string): Promise<SessionSnapshot>;
  /** Log out when connected (bounded), tear down, remove the folder and the session. Never leaves it in the Map. */
  delete(id: string): Promise<void>;
  /** 409 `session_not_ready` with the state unless READY. */
  sendMessage(
    id: string,
    chatId: string,
    content: OutgoingContent,
    options?: SendOptions,
  ): Promise<{ id: string }>;
  /**
   * Runs `work` on the session's client: 409 `session_not_ready` with the state unless READY, 504
   * past `call.timeoutMs` (PROTOCOL_TIMEOUT_MS by default), a library failure a 502 `call.code`.
   */
  runOnReady<T>(id: string, call: ReadyCall, work: (wa: WhatsAppPort) => Promise<T>): Promise<T>;
  /** The session's page, for the simulator routes; 409 when no browser runs. */
  page(id: string): import('puppeteer').Page;
  /** Restore every session that has an auth folder, bounded concurrency. */
  restore(): Promise<void>;
  /** Close every client without logging out (auth kept); kill what does not close in time. */
  shutdown(): Promise<void>;
  /** True while no Chromium is usable: POST answers 503 naming the package. */
  readonly browserMissing: string | null;
}
