import type WAWebJS from 'whatsapp-web.js';
import type { ArchivedAuth } from '../cluster/remote-auth.js';
import type { AuthArchives } from '../cluster/types.js';
import type { Logger } from '../logger.js';
import { LocalAuth } from '../whatsapp/wwebjs-lib.js';

/** Cluster mode: the profile also lives as an archive in PostgreSQL, so that it can move. */
export interface ArchiveSettings {
  /** src/cluster/remote-auth.ts, loaded in cluster mode only (with archiver and unzipper). */
  ArchivedAuth: typeof ArchivedAuth;
  archives: AuthArchives;
  /** Where zips are made: under DATA_DIR, outside the sessions folder. */
  stagingRoot: string;
  backupIntervalMs: number;
}

export interface SessionAuth {
  strategy: WAWebJS.AuthStrategy;
  /** Saves the profile's archive now (hand-over); LocalAuth has nothing to save. */
  backup(): Promise<void>;
}

/**
 * LocalAuth whose logout() leaves the folder alone. whatsapp-web.js deletes the session folder on
 * LOGOUT while Chromium still holds files in it: on Windows that throws EBUSY from inside an event
 * listener and the process dies (https://github.com/pedroslopez/whatsapp-web.js/issues/3072).
 * wa-sessions deletes the folder itself, once the browser has exited.
 */
const createFolderKeepingAuth = (sessionId: string, authRoot: string): WAWebJS.LocalAuth => {
  const auth = new LocalAuth({ clientId: sessionId, dataPath: authRoot });
  auth.logout = async () => undefined;
  return auth;
};

/** The auth strategy of one session: LocalAuth, or the archived one in cluster mode (src/cluster/remote-auth.ts). */
export const createSessionAuth = (input: {
  sessionId: string;
  authRoot: string;
  archive: ArchiveSettings | undefined;
  logger: Logger;
}): SessionAuth => {
  const { sessionId, authRoot, archive } = input;
  if (!archive) {
    return { strategy: createFolderKeepingAuth(sessionId, authRoot), backup: async () => undefined };
  }
  const auth = new archive.ArchivedAuth({
    sessionId,
    authRoot,
    stagingRoot: archive.stagingRoot,
    archives: archive.archives,
    backupIntervalMs: archive.backupIntervalMs,
    logger: input.logger.child({ sessionId }),
  });
  return { strategy: auth, backup: () => auth.backup('hand-over') };
};
