import { accessSync, chmodSync, constants as fsConstants, mkdirSync } from 'node:fs';
import type { Config } from '../config.js';
import { acquireDataDirLock } from '../data-dir-lock.js';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { fail } from './fail.js';

/**
 * DATA_DIR holds every WhatsApp login (the browser profiles) and the API key: only the server's user
 * may enter it, whatever mode an earlier version or a volume mount gave it.
 */
const ensurePrivateDir = (dir: string): void => {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    accessSync(dir, fsConstants.W_OK);
  } catch (err) {
    fail(`DATA_DIR=${dir} is not a writable folder: ${toError(err).message}`);
  }
};

/** Makes DATA_DIR private and takes its lock, or exits 1 when another server holds it. */
export const claimDataDir = async (config: Config, logger: Logger): Promise<void> => {
  // Everything the server and its browsers create (profiles, caches, the trash) is private to this
  // user: folders 0700, files 0600. Chromium inherits the umask.
  process.umask(0o077);
  ensurePrivateDir(config.dataDir);
  const lock = await acquireDataDirLock(config.dataDir);
  if (!lock.acquired) {
    return fail(
      `DATA_DIR=${config.dataDir} is in use by another wa-sessions server (pid ${lock.holderPid}): ` +
        'stop it first, or give this server its own DATA_DIR',
    );
  }
  // Every way out (exit 0 after a shutdown, exit 1 on a fatal error) releases it; a kill -9 leaves a
  // lock whose pid is gone, which the next start takes over.
  process.on('exit', lock.release);
  if (lock.tookOverFrom !== null)
    logger.warn({ pid: lock.tookOverFrom }, 'Took over the DATA_DIR lock of a server that is gone');
};
