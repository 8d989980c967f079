import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SessionClient } from '../sessions/types.js';
import { withTimeout } from '../timeout.js';
import type { BrowserProcesses } from './browser-processes.js';

/**
 * Closes one client and makes sure its browser is gone: `destroy()` raced against the timeout; on
 * timeout or error a warning and SIGKILL to the browser's whole process group; then a bounded wait
 * until no process of the group is alive. Even after a clean destroy, stragglers of the group
 * (renderers can outlive the main process by ~100 ms) are killed. Never throws.
 */
export const createClientCloser = (deps: {
  processes: BrowserProcesses;
  destroyTimeoutMs: number;
  killWaitMs: number;
}) => {
  return async (sessionId: string, log: Logger, client: SessionClient): Promise<void> => {
    const pid = client.browserPid();
    try {
      await withTimeout((signal) => client.destroy(signal), deps.destroyTimeoutMs, 'destroy()');
    } catch (err) {
      log.warn(
        { err: toError(err), pid },
        `Error destroying client for session ${sessionId}: ${toError(err).message}`,
      );
    } finally {
      client.dispose();
    }
    if (pid === undefined) return;
    try {
      const alive = await deps.processes.alive(pid);
      if (alive.length > 0) {
        const { killed, remaining } = await deps.processes.kill(pid, deps.killWaitMs);
        if (remaining.length > 0) {
          log.error({ pid, remaining }, 'Browser processes still alive after SIGKILL');
        } else {
          log.debug({ pid, killed }, 'Browser process group killed');
        }
      }
    } catch (err) {
      log.error({ err: toError(err), pid }, 'Could not check or kill the browser processes');
    }
  };
};
