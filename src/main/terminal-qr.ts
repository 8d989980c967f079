import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { printQrCodesToTerminal } from '../terminal-qr.js';
import type { Http } from './http.js';
import type { Sessions } from './sessions.js';

/** Draws QR codes on stdout for the operator who links from the terminal. */
export const showQrCodes = (deps: {
  config: Config;
  logger: Logger;
  bus: Sessions['bus'];
  /** Its terminal drawing only; restore starts before the HTTP layer (and its renderer) is loaded. */
  qrRenderer: Pick<Http['qrRenderer'], 'terminal'>;
}): void => {
  const { config, logger, bus, qrRenderer } = deps;
  // On a terminal every QR is drawn; in a log collector only the default session's, whose user
  // asked to link from the terminal (docker logs shows it).
  if (process.stdout.isTTY || config.DEFAULT_SESSION) {
    printQrCodesToTerminal({
      bus,
      render: qrRenderer.terminal,
      logger,
      write: (text) => process.stdout.write(text),
      ...(process.stdout.isTTY || !config.DEFAULT_SESSION ? {} : { onlySession: config.DEFAULT_SESSION }),
    });
  }
};
