import type { Page } from 'puppeteer';
import { appError, timeoutError } from '../error-catalog.js';
import { type AppError, isAppError } from '../errors.js';
import { isTimeoutError, sleep, withTimeout } from '../timeout.js';
import type {
  SimulatorChatSeed,
  SimulatorChatView,
  SimulatorContact,
  SimulatorGroupAction,
  SimulatorIncoming,
  SimulatorOutboxEntry,
  SimulatorSocketState,
  SimulatorStatus,
} from './driver-types.js';

export type {
  SimulatorChatSeed,
  SimulatorChatView,
  SimulatorContact,
  SimulatorGroupAction,
  SimulatorIncoming,
  SimulatorMediaType,
  SimulatorOutboxEntry,
  SimulatorSocketState,
  SimulatorStatus,
} from './driver-types.js';

export interface SimulatorDriverOptions {
  /** Limit for each single action on the page. Default 5000 ms. */
  timeoutMs?: number;
  /** Limit for `logout()`, which waits for the page to load again. Default 10000 ms. */
  logoutTimeoutMs?: number;
}

export interface SimulatorDriver {
  status(): Promise<SimulatorStatus>;
  /** Links the device as the phone's QR scan does; `ready` follows on the client. */
  scan(opts?: { phone?: string; pushname?: string }): Promise<void>;
  /** Rotates the QR ref; the client emits a new `qr`. Returns the new ref. */
  rotateQr(): Promise<string>;
  /** The code handed out by `client.requestPairingCode()`, if one is pending. */
  pairingCode(): Promise<{ phone: string; code: string } | null>;
  /** Enters the code on the phone: links the device as that phone number. */
  confirmPairingCode(code: string): Promise<void>;
  /** Delivers a text or a file from `from`; returns its serialized message id. */
  incomingMessage(msg: SimulatorIncoming): Promise<string>;
  /** A contact reacts to a message (empty `reaction` takes it back); returns the reaction's id. */
  incomingReaction(r: { from: string; messageId: string; reaction: string }): Promise<string>;
  /** A contact deletes one of their messages for everyone. */
  revokeIncoming(messageId: string): Promise<void>;
  /** A contact edits one of their messages. */
  editIncoming(e: { messageId: string; body: string }): Promise<void>;
  /** A group someone else made, with us in it; returns its id. */
  seedGroup(g: {
    subject: string;
    owner: string;
    participants?: string[];
    admins?: string[];
  }): Promise<string>;
  /** Someone else changes a group; the client gets the notification. */
  groupEvent(e: {
    groupId: string;
    author: string;
    action: SimulatorGroupAction;
    participants?: string[] | undefined;
    value?: string | undefined;
  }): Promise<void>;
  /** The reactions the client sent, oldest first. */
  sentReactions(): Promise<Array<{ messageId: string; reaction: string }>>;
  /** WhatsApp's server no longer has the message's file. */
  expireMedia(messageId: string): Promise<void>;
  /** A contact in the phone's address book and WhatsApp's directory; returns its wid. */
  seedContact(contact: SimulatorContact): Promise<string>;
  /** A chat with history the phone already has; returns its id and its messages' ids, oldest first. */
  seedChat(chat: SimulatorChatSeed): Promise<{ id: string; messages: string[] }>;
  /** Every chat as the phone sees it. */
  chats(): Promise<SimulatorChatView[]>;
  /** Everything the client sent through the page, oldest first. */
  outbox(): Promise<SimulatorOutboxEntry[]>;
  /** Moves a message's ack (2 delivered, 3 read); the client emits `message_ack`. */
  setAck(messageId: string, ack: number): Promise<void>;
  /**
   * Unlinks the device from the phone. The client emits `disconnected` 'LOGOUT', then a fresh `qr`;
   * resolves once the page has loaded again and the client has attached all its listeners to it.
   */
  logout(): Promise<void>;
  /** Moves the socket; after `ready` the client emits `change_state` (and `disconnected` unless accepted). */
  setState(state: SimulatorSocketState): Promise<void>;
}

type SimMethod =
  | 'state'
  | 'scan'
  | 'rotateQr'
  | 'confirmPairingCode'
  | 'receiveMessage'
  | 'expireMedia'
  | 'receiveReaction'
  | 'revokeIncoming'
  | 'editIncoming'
  | 'sentReactions'
  | 'seedGroup'
  | 'groupEvent'
  | 'seedContact'
  | 'seedChat'
  | 'chats'
  | 'outbox'
  | 'setAck'
  | 'setState'
  | 'beginLogout'
  | 'navigateHome';

interface SimWindow {
  __sim?: Record<SimMethod, (...args: unknown[]) => unknown>;
}

const POLL_MS = 25;

/** Page-side errors carry `[code]` in their message (see wa-web.html). */
const fromPageError = (err: unknown, what: string): AppError => {
  if (isAppError(err)) return err;
  if (isTimeoutError(err)) return timeoutError(err);
  const message = err instanceof Error ? err.message : String(err);
  const code = /\[(simulator_[a-z_]+)\]/.exec(message)?.[1];
  if (code === 'simulator_not_ready') return appError(code, `${what}: ${message}`, { cause: err });
  if (code === 'simulator_bad_request') return appError(code, `${what}: ${message}`, { cause: err });
  // The page is loading (the client navigates it at start and after a LOGOUT): not loaded yet either.
  if (
    /__sim|Cannot read properties of undefined|Execution context was destroyed|Cannot find context/.test(
      message,
    )
  ) {
    return appError('simulator_not_ready', `${what}: the simulator page is not loaded`, {
      cause: err,
    });
  }
  return appError('simulator_unavailable', `${what}: ${message}`, { cause: err });
};

/**
 * Drives the simulator page (src/simulator/assets/wa-web.html) that a whatsapp-web.js client has
 * open, playing the phone and the WhatsApp servers. Every call is bounded in time.
 *
 * What whatsapp-web.js 1.34.7 then does (read in Client.js, proven in test/simulator):
 * - scan: `loading_screen` (100), `authenticated`, `ready`; `client.info.wid` is the phone's wid.
 * - logout: `disconnected` 'LOGOUT', then (after the auth strategy's logout()) a fresh `qr`.
 * - setState after ready: `change_state` then, unless the state is CONNECTED, OPENING, PAIRING or
 *   TIMEOUT, `disconnected` with the state and an un-awaited `client.destroy()`. CONFLICT counts as
 *   accepted only with `takeoverOnConflict`: the client then calls `Socket.takeover()` after
 *   `takeoverTimeoutMs` from a bare setTimeout, and the page goes back to CONNECTED.
 */
export const createSimulatorDriver = (page: Page, opts: SimulatorDriverOptions = {}): SimulatorDriver => {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const logoutTimeoutMs = opts.logoutTimeoutMs ?? 10_000;

  const call = async <T>(method: SimMethod, args: unknown[] = [], ms = timeoutMs): Promise<T> => {
    const what = `simulator ${method}`;
    try {
      const work = page.evaluate(
        async (name: SimMethod, params: unknown[]) => {
          const sim = (globalThis as unknown as SimWindow).__sim;
          if (!sim) throw new Error('[simulator_not_ready] the simulator page is not loaded');
          return (await sim[name](...params)) as unknown;
        },
        method,
        args,
      );
      return (await withTimeout(work, ms, what)) as T;
    } catch (err) {
      throw fromPageError(err, what);
    }
  };

  const status = () => call<SimulatorStatus>('state');

  /** Polls until `done`; a failing poll (e.g. the page is navigating) just polls again. */
  const waitFor = async (what: string, ms: number, done: (s: SimulatorStatus) => boolean) => {
    const deadline = Date.now() + ms;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const s = await call<SimulatorStatus>('state', [], Math.max(1, deadline - Date.now()));
        if (done(s)) return s;
        last = s;
      } catch (err) {
        last = err;
      }
      await sleep(POLL_MS);
    }
    throw appError('timeout', `simulator: ${what} did not happen within ${ms} ms`, {
      details: last,
    });
  };

  return {
    status,
    scan: (o = {}) => call<void>('scan', [o]),
    rotateQr: () => call<string>('rotateQr'),
    pairingCode: async () => (await status()).pairing,
    confirmPairingCode: (code) => call<void>('confirmPairingCode', [code]),
    incomingMessage: (msg) => call<string>('receiveMessage', [msg]),
    expireMedia: (messageId) => call<void>('expireMedia', [messageId]),
    incomingReaction: (r) => call<string>('receiveReaction', [r]),
    revokeIncoming: (messageId) => call<void>('revokeIncoming', [messageId]),
    editIncoming: (e) => call<void>('editIncoming', [e]),
    seedGroup: (g) => call<string>('seedGroup', [g]),
    groupEvent: (e) => call<void>('groupEvent', [e]),
    sentReactions: () => call<Array<{ messageId: string; reaction: string }>>('sentReactions'),
    seedContact: (contact) => call<string>('seedContact', [contact]),
    seedChat: (chat) => call<{ id: string; messages: string[] }>('seedChat', [chat]),
    chats: () => call<SimulatorChatView[]>('chats'),
    outbox: () => call<SimulatorOutboxEntry[]>('outbox'),
    setAck: (messageId, ack) => call<void>('setAck', [messageId, ack]),
    setState: (state) => call<void>('setState', [state]),
    logout: async () => {
      const before = await status();
      // Two round trips on purpose: the client's logout handler is a page binding, and CDP delivers
      // its call before the reply to `beginLogout`, so `client.lastLoggedOut` is already true when
      // the page navigates. Navigating in the same step would race it (and lose the LOGOUT event).
      await call<void>('beginLogout');
      await call<void>('navigateHome');
      // The client re-injects on the new page; its logout listener is the last thing it attaches.
      // Destroying the client before that point makes the library reject unhandled (Target closed).
      await waitFor(
        'the client to re-inject after logout',
        logoutTimeoutMs,
        (s) => s.pageId !== before.pageId && s.listening.qr && s.listening.logout,
      );
    },
  };
};
