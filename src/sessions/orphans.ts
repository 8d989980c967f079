import type { Logger } from '../logger.js';
import type { AuthFolders } from './auth-folders.js';
import type { BrowserProcesses } from './browser-processes.js';

/**
 * A run that was killed (kill -9, OOM) leaves its browsers running and Chromium's Singleton* locks
 * in their profiles. Before restoring: kill the browsers whose --user-data-dir is one of our session
 * folders (nothing else is ours to kill) and clear the locks, so the restored Chromium can start.
 */
export const reapOrphans = async (deps: {
  processes: BrowserProcesses;
  folders: AuthFolders;
  logger: Logger;
  killWaitMs: number;
}): Promise<{ killed: number; locksCleared: number }> => {
  const orphans = await deps.processes.findOrphans(deps.folders.root);
  // Every process of an orphaned browser carries the flag; the main one leads the group, so killing
  // each distinct group once is enough.
  const groups = [...new Set(orphans.map((p) => p.pgid))];
  let killed = 0;
  for (const pgid of groups) {
    const result = await deps.processes.kill(pgid, deps.killWaitMs);
    killed += result.killed.length;
    if (result.remaining.length > 0) {
      deps.logger.error({ pgid, remaining: result.remaining }, 'Orphaned browser processes survived SIGKILL');
    }
  }
  if (killed > 0)
    deps.logger.warn({ killed, groups: groups.length }, 'Killed browsers left by an earlier run');
  let locksCleared = 0;
  for (const id of await deps.folders.listIds()) {
    locksCleared += (await deps.folders.clearStaleLocks(id)).length;
  }
  if (locksCleared > 0) deps.logger.info({ locksCleared }, 'Cleared stale Chromium profile locks');
  return { killed, locksCleared };
};
