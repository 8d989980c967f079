import type { CloseOptions } from '../browser/client-closer.js';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../timeout.js';
import type { SessionClient } from './types.js';

/**
 * The log out a DELETE does first on a connected session, bounded by `logoutTimeoutMs`. The browser is
 * probed first: one that does not answer is not asked to log out (that would only wait the whole
 * limit) and the closer is told to kill it at once. Never throws; says how the client is to be closed.
 */
export const logoutFirst = async (deps: {
  id: string;
  client: SessionClient;
  log: Logger;
  logoutTimeoutMs: number;
  probeBrowser: (client: SessionClient) => Promise<boolean>;
}): Promise<CloseOptions> => {
  const { id, client, log } = deps;
  if (!(await deps.probeBrowser(client))) {
    log.warn(`Browser of session ${id} does not answer: not logging out, killing it`);
    return { responsive: false };
  }
  try {
    await withTimeout(client.logout(), deps.logoutTimeoutMs, 'logout()');
  } catch (err) {
    // The closer probes again: a browser that hung meanwhile is killed, not asked to close.
    log.warn({ err: toError(err) }, `Logout of session ${id} failed; tearing it down anyway`);
  }
  return {};
};
