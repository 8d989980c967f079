import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SessionClient } from '../sessions/types.js';
import { sleep, withTimeout } from '../timeout.js';
import type { BrowserProcesses } from './browser-processes.js';
import type { ProfileProcesses } from './profile-processes.js';

export interface CloseOptions {
  /** Already probed by the caller (delete probes before logging out): not probed again. */
  responsive?: boolean;
}

/** Whether the browser answers one short round trip within `timeoutMs`. Never throws. */
export const probeClient = async (client: SessionClient, timeoutMs: number): Promise<boolean> => {
  try {
    await withTimeout(client.probe(), timeoutMs, 'browser probe');
    return true;
  } catch {
    return false;
  }
};

export type ClientCloser = (
  sessionId: string,
  log: Logger,
  client: SessionClient,
  options?: CloseOptions,
) => Promise<void>;

/**
 * Closes one client and makes sure no browser is left on its profile. Never throws.
 *
 * - Still launching (the library has no handle yet): the browser is not asked anything; every
 *   process on the profile is killed, again as puppeteer spawns or respawns, until the launch has
 *   settled (bounded by `destroyTimeoutMs`).
 * - Launched: a short probe first (`probeTimeoutMs`). A browser that answers gets `destroy()`,
 *   raced against `destroyTimeoutMs`; one that does not is killed at once, so a hung browser is
 *   waited for once, by the probe, not by every graceful step in turn.
 * - Always last: SIGKILL to whatever is left of the main process's group (renderers can outlive the
 *   main process by ~100 ms) and to anything on the profile, and a bounded wait until none is alive.
 *   The folder is removed only after this returns.
 */
export const createClientCloser = (deps: {
  processes: BrowserProcesses;
  profiles: ProfileProcesses;
  /** The profile folder (Chromium's --user-data-dir) of a session. */
  profileOf: (sessionId: string) => string;
  destroyTimeoutMs: number;
  probeTimeoutMs: number;
  killWaitMs: number;
}): ClientCloser => {
  /** Kills what is on the profile until the launch has settled and nothing is left, bounded. */
  const killLaunch = async (profile: string, client: SessionClient): Promise<void> => {
    const deadline = Date.now() + deps.destroyTimeoutMs;
    for (;;) {
      const { remaining } = await deps.profiles.kill(profile, Math.max(0, deadline - Date.now()));
      if ((!client.launching() && remaining.length === 0) || Date.now() >= deadline) return;
      await sleep(50);
    }
  };

  return async (sessionId, log, client, options = {}) => {
    const profile = deps.profileOf(sessionId);
    const launching = client.launching();
    const pid = client.browserPid();
    try {
      if (launching) {
        client.abandon();
        log.warn({ profile }, `Browser of session ${sessionId} still launching: killing it`);
        await killLaunch(profile, client);
      } else if (
        pid !== undefined &&
        !(options.responsive ?? (await probeClient(client, deps.probeTimeoutMs)))
      ) {
        client.abandon();
        log.warn({ pid }, `Browser of session ${sessionId} does not answer: killing it`);
      } else {
        await withTimeout((signal) => client.destroy(signal), deps.destroyTimeoutMs, 'destroy()');
      }
    } catch (err) {
      log.warn(
        { err: toError(err), pid },
        `Error destroying client for session ${sessionId}: ${toError(err).message}`,
      );
    } finally {
      client.dispose();
    }
    try {
      const leader = client.browserPid() ?? pid;
      if (leader !== undefined && (await deps.processes.alive(leader)).length > 0) {
        const { killed, remaining } = await deps.processes.kill(leader, deps.killWaitMs);
        if (remaining.length > 0)
          log.error({ pid: leader, remaining }, 'Browser processes still alive after SIGKILL');
        else log.debug({ pid: leader, killed }, 'Browser process group killed');
      }
      const { killed, remaining } = await deps.profiles.kill(profile, deps.killWaitMs);
      if (remaining.length > 0)
        log.error({ profile, remaining }, 'Processes on the profile still alive after SIGKILL');
      else if (killed.length > 0) log.debug({ profile, killed }, 'Processes left on the profile killed');
    } catch (err) {
      log.error({ err: toError(err), pid }, 'Could not check or kill the browser processes');
    }
  };
};
