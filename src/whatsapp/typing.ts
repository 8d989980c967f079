import type { Logger } from '../logger.js';
import type { ChatState } from './port.js';
import type { SessionRunner } from './runner.js';

/** WhatsApp itself drops a typing indicator after about 25 s; a longer one is not ours to promise. */
export const MAX_TYPING_MS = 25_000;

export interface TypingIndicators {
  /**
   * Shows `state` in the chat; after `durationMs` it is cleared (paused). A new call for the same
   * chat replaces the pending clear; `paused` clears at once.
   */
  show(
    key: { sessionId: string; chatId: string },
    run: SessionRunner,
    state: ChatState,
    durationMs: number,
  ): Promise<void>;
  /** Pending clears, for tests. */
  pending(): number;
  /** Cancels every pending clear (shutdown). */
  close(): void;
}

const send = (run: SessionRunner, chatId: string, state: ChatState) =>
  run(
    { what: 'chat state', code: 'chat_state_failed', failure: 'WhatsApp Web did not send the chat state' },
    (wa) => wa.chatState(chatId, state),
  );

export const createTypingIndicators = (deps: { logger: Logger }): TypingIndicators => {
  const timers = new Map<string, NodeJS.Timeout>();
  const cancel = (id: string) => {
    clearTimeout(timers.get(id));
    timers.delete(id);
  };
  return {
    async show({ sessionId, chatId }, run, state, durationMs) {
      const id = `${sessionId} ${chatId}`;
      cancel(id);
      await send(run, chatId, state);
      if (state === 'paused') return;
      const timer = setTimeout(() => {
        timers.delete(id);
        // The session may have ended meanwhile (409): nothing left to clear then.
        send(run, chatId, 'paused').catch((err: unknown) =>
          deps.logger.debug({ err, sessionId, chatId }, 'Could not clear the chat state'),
        );
      }, durationMs);
      timer.unref();
      timers.set(id, timer);
    },
    pending: () => timers.size,
    close() {
      for (const id of [...timers.keys()]) cancel(id);
    },
  };
};
