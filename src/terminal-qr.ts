import QRCode from 'qrcode';
import type { EventBus } from './events/types.js';
import type { Logger } from './logger.js';

/**
 * Prints each new QR to the terminal as a block a phone can scan, so `npm start` alone is enough to
 * link a number. Only when the output is a TTY: in a log collector the block is noise.
 */
export const printQrCodesToTerminal = (deps: {
  bus: EventBus;
  logger: Logger;
  write: (text: string) => void;
  onlySession?: string;
}): (() => void) =>
  deps.bus.subscribe((event) => {
    if (event.type !== 'session.qr') return;
    if (deps.onlySession !== undefined && event.sessionId !== deps.onlySession) return;
    QRCode.toString(event.payload.qr, { type: 'terminal', small: true })
      .then((block) =>
        deps.write(`\nScan this QR with WhatsApp to link session "${event.sessionId}":\n${block}\n`),
      )
      .catch((err: unknown) => deps.logger.warn({ err }, 'Could not draw the QR in the terminal'));
  });
