import type { Config } from '../config.js';
import type { createDefaultSession } from '../sessions/default-session.js';
import type { Chrome } from './chrome.js';
import type { Sessions } from './sessions.js';

/** Brings back the sessions of the last run, then the default session; both need a Chromium. */
export const restoreSessions = async (deps: {
  config: Config;
  chrome: Chrome;
  manager: Sessions['manager'];
  defaultSession: ReturnType<typeof createDefaultSession> | null;
}): Promise<void> => {
  const { config, chrome, manager, defaultSession } = deps;
  if (config.RESTORE_ON_START && chrome.found) await manager.restore();
  // After restore, which brings the default session back (paired) when its folder exists.
  if (defaultSession && chrome.found) await defaultSession.start();
};
