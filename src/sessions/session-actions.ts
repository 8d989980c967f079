import { appError, type ErrorCode, timeoutError } from '../error-catalog.js';
import { AppError, toError } from '../errors.js';
import { isTimeoutError, withTimeout } from '../timeout.js';
import type { ManagedSession } from './managed-session.js';
import { wrongState } from './session-errors.js';
import { liveStates, type OutgoingContent, type QrCode, type SendOptions } from './types.js';

/**
 * What the API asks of a running session's browser. Each checks the state first (409 with the state
 * when wrong) and bounds its call into the browser; none changes the session's lifecycle.
 */
export const createSessionActions = (config: { PROTOCOL_TIMEOUT_MS: number }) => {
  /**
   * One call into the browser: bounded by PROTOCOL_TIMEOUT_MS (504), and a failure of the library
   * becomes a 502 with `code` that keeps it as `cause`.
   */
  const callBrowser = async <T>(
    work: Promise<T>,
    what: string,
    code: ErrorCode,
    failure: string,
  ): Promise<T> => {
    try {
      return await withTimeout(work, config.PROTOCOL_TIMEOUT_MS, what);
    } catch (err) {
      if (isTimeoutError(err)) throw timeoutError(err);
      if (err instanceof AppError) throw err;
      throw appError(code, `${failure}: ${toError(err).message}`, { cause: err });
    }
  };

  return {
    qr(session: ManagedSession): QrCode {
      const { qr, state } = session.record;
      if (!qr)
        throw wrongState('no_qr', `Session "${session.id}" has no QR pending (it is ${state}).`, state);
      return qr;
    },

    async requestPairingCode(session: ManagedSession, phoneNumber: string): Promise<string> {
      const client = session.currentClient;
      const { state } = session.record;
      if (!client || state !== 'QR') {
        const message = `Session "${session.id}" is not waiting to be linked (it is ${state}).`;
        throw wrongState('not_pairing', message, state);
      }
      return callBrowser(
        client.requestPairingCode(phoneNumber),
        'pairing code',
        'pairing_failed',
        'WhatsApp Web did not give a pairing code',
      );
    },

    async sendMessage(
      session: ManagedSession,
      chatId: string,
      content: OutgoingContent,
      options: SendOptions,
    ): Promise<{ id: string }> {
      const client = session.currentClient;
      const { state } = session.record;
      if (state !== 'READY' || !client) {
        throw wrongState('session_not_ready', `Session "${session.id}" is ${state}, not READY.`, state);
      }
      return callBrowser(
        client.sendMessage(chatId, content, options),
        'send',
        'send_failed',
        'WhatsApp Web did not send the message',
      );
    },

    page(session: ManagedSession): import('puppeteer').Page {
      const page = session.currentClient?.page();
      const { state } = session.record;
      if (!page || !liveStates.has(state)) {
        const message = `Session "${session.id}" has no running browser (it is ${state}).`;
        throw wrongState('no_browser', message, state);
      }
      return page;
    },
  };
};
