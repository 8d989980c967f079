import type { Logger } from '../logger.js';
import type { AuthFolders } from '../sessions/auth-folders.js';
import type { BrowserProcesses } from './browser-processes.js';

/**
 * A run that was killed (kill -9, OOM) leaves its browsers running; a shutdown can leave one that
 * did not close in time or was still launching. Kills the browsers whose --user-data-dir is one of
 * our session folders (nothing else is ours to kill). The Singleton* locks they leave in the profile
 * are cleared where every start clears them, in the manager.
 */
export const reapOrphans = async (deps: {
  processes: BrowserProcesses;
  folders: AuthFolders;
  logger: Logger;
  killWaitMs: number;
}): Promise<{ killed: number }> => {
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
  return { killed };
};
