import type { Config } from '../config.js';
import type { AuthFolders } from '../sessions/auth-folders.js';
import type { createDefaultSession } from '../sessions/default-session.js';
import type { Chrome } from './chrome.js';
import type { Cluster } from './cluster.js';
import type { Sessions } from './sessions.js';

/** Brings back the sessions of the last run, then the default session; both need a Chromium. */
export const restoreSessions = async (deps: {
  config: Config;
  chrome: Chrome;
  manager: Sessions['manager'];
  defaultSession: ReturnType<typeof createDefaultSession> | null;
  cluster?: Cluster | null;
  folders: Pick<AuthFolders, 'listIds' | 'remove'>;
}): Promise<void> => {
  const { config, chrome, manager, defaultSession, cluster, folders } = deps;
  // Cluster mode: restore is the takeover loop (sessions nobody runs, this INSTANCE_ID's own first),
  // always on: it is also how the sessions of an instance that died come back.
  if (cluster && manager.cluster) {
    // The profiles on this disk are only a cache of the archives in PostgreSQL, and what an earlier
    // run left (killed, its host lost) may be of sessions moved, deleted or logged out since: none is
    // kept. Orphaned browsers on them were reaped before the server listened.
    for (const id of await folders.listIds()) await folders.remove(id);
    if (chrome.found) cluster.startTakeover(manager.cluster);
  } else if (config.RESTORE_ON_START && chrome.found) await manager.restore();
  // After restore, which brings the default session back (paired) when its folder exists.
  if (defaultSession && chrome.found) await defaultSession.start();
};
