import type { EventBus } from './events/types.js';
import type { QrRenderer } from './http/qr-render.js';
import type { Logger } from './logger.js';

/**
 * Prints each new QR to the terminal as a block a phone can scan, so `npm start` alone is enough to
 * link a number. main.ts decides for which sessions (all on a TTY, else only the default session's).
 */
export const printQrCodesToTerminal = (deps: {
  bus: EventBus;
  logger: Logger;
  /** The renderer `GET /sessions/:id/qr?format=text` uses: one drawing, one cache. */
  render: QrRenderer['terminal'];
  write: (text: string) => void;
  onlySession?: string;
}): (() => void) =>
  deps.bus.subscribe((event) => {
    if (event.type !== 'session.qr') return;
    if (deps.onlySession !== undefined && event.sessionId !== deps.onlySession) return;
    deps
      .render(event.payload.qr)
      .then((block) =>
        deps.write(`\nScan this QR with WhatsApp to link session "${event.sessionId}":\n${block}\n`),
      )
      .catch((err: unknown) => deps.logger.warn({ err }, 'Could not draw the QR in the terminal'));
  });
