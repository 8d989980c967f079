import { mkdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type WAWebJS from 'whatsapp-web.js';
import wwebjs from 'whatsapp-web.js';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../timeout.js';
import { CorruptArchiveError } from './auth-archives.js';
import type { AuthArchives } from './types.js';

const { RemoteAuth } = wwebjs;

/** The part of unzipper (an optional dependency of whatsapp-web.js, without types) used here. */
interface Unzipper {
  Open: {
    file(
      zip: string,
    ): Promise<{ extract(options: { path: string; concurrency?: number }): Promise<unknown> }>;
  };
}
const unzipper = createRequire(import.meta.url)('unzipper') as Unzipper;

/** A database read or write of one archive; a few MB over the network. */
const ARCHIVE_IO_TIMEOUT_MS = 60_000;
/** The profile is extracted and zipped on the local disk; bounded all the same. */
const ARCHIVE_DISK_TIMEOUT_MS = 120_000;

export interface ArchivedAuthOptions {
  sessionId: string;
  /** LocalAuth's dataPath: the profile is `<authRoot>/session-<id>`, exactly as with LocalAuth. */
  authRoot: string;
  /** Where the zip and its staging copy are made: under DATA_DIR, outside `authRoot`. */
  stagingRoot: string;
  archives: AuthArchives;
  backupIntervalMs: number;
  /** The session's logger. */
  logger: Logger;
  ioTimeoutMs?: number;
}

const exists = async (target: string): Promise<boolean> => {
  try {
    await stat(target);
    return true;
  } catch {
    return false;
  }
};

/**
 * whatsapp-web.js's RemoteAuth with its profile archive in PostgreSQL, changed where the library's
 * behaviour breaks wa-sessions' promises:
 * - the profile stays `<authRoot>/session-<id>` (LocalAuth's layout), so the folder guard, orphan
 *   reaping, profile processes and the teardown work unchanged;
 * - it never deletes the folder (on LOGOUT, on disconnect, or when the library re-initialises after
 *   a LOGOUT under the running browser): the EBUSY promise, as for LocalAuth in wwebjs-client.ts
 *   (https://github.com/pedroslopez/whatsapp-web.js/issues/3072); the session removes it itself;
 * - it saves at READY without the library's 60 s delay, then every `backupIntervalMs`; every failure
 *   is caught and logged (the library's `setInterval(async …)` and its un-awaited afterAuthReady()
 *   would turn one into an unhandled rejection);
 * - a stored archive that cannot be used (corrupt, cut short, not a profile) is logged with the reason
 *   and removed, and the session starts on an empty profile: a QR, never a crash loop.
 */
export class ArchivedAuth extends RemoteAuth {
  /** Set by the library's setup(); only its puppeteer options are read and written here. */
  declare client: { options: Pick<WAWebJS.ClientOptions, 'puppeteer'> };
  declare userDataDir: string | undefined;
  declare sessionName: string;
  declare tempDir: string;
  declare dataPath: string;
  /** The library's: copies the profile's required folders to `tempDir` and zips them; returns the zip. */
  declare compressSession: () => Promise<string>;

  private readonly sessionId: string;
  private readonly profile: string;
  private readonly zipPath: string;
  private readonly archives: AuthArchives;
  private readonly interval: number;
  private readonly log: Logger;
  private readonly ioTimeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private prepared = false;
  /** READY was reached in this client's life: before it, the profile holds no link worth saving. */
  private linked = false;
  /** Logged out, disconnected or destroyed: nothing is saved any more. */
  private ended = false;
  /** The save running now; saves never overlap. */
  private saving: Promise<void> = Promise.resolve();

  constructor(options: ArchivedAuthOptions) {
    const { sessionId, archives } = options;
    const zipPath = path.join(options.stagingRoot, `session-${sessionId}.zip`);
    super({
      clientId: sessionId,
      dataPath: options.stagingRoot,
      backupSyncIntervalMs: options.backupIntervalMs,
      // Only for the library's own code paths, which this class replaces: the same archives.
      store: {
        sessionExists: () => archives.exists(sessionId),
        save: () => archives.save(sessionId, zipPath),
        extract: ({ path: file }: { path: string }) => archives.extract(sessionId, file),
        delete: () => archives.remove(sessionId),
      },
    });
    this.sessionId = sessionId;
    this.profile = path.join(options.authRoot, `session-${sessionId}`);
    this.zipPath = zipPath;
    this.archives = archives;
    this.interval = options.backupIntervalMs;
    this.log = options.logger;
    this.ioTimeoutMs = options.ioTimeoutMs ?? ARCHIVE_IO_TIMEOUT_MS;
    this.sessionName = `session-${sessionId}`;
    this.tempDir = path.join(options.stagingRoot, `staging-${sessionId}`);
  }

  override beforeBrowserInitialized = async (): Promise<void> => {
    // The library calls this again after a LOGOUT, with the browser running: its RemoteAuth would
    // delete the folder then. Only the first call (before the launch) prepares the profile.
    if (this.prepared) return;
    this.prepared = true;
    this.userDataDir = this.profile;
    await this.restore();
    this.client.options.puppeteer = { ...this.client.options.puppeteer, userDataDir: this.profile };
  };

  override afterAuthReady = async (): Promise<void> => {
    this.linked = true;
    // The library waits 60 s before the first save, so that the profile is "stable enough"; a session
    // that moves within that minute (hand-over, failover) would then need a new QR. The link is in
    // IndexedDB, whose committed transactions are on disk: saved now, and again every interval.
    await this.backup('ready').catch(() => undefined);
    if (this.ended) return;
    // READY again (the library re-injects after a reload): one timer, never two.
    this.stopBackups();
    this.timer = setInterval(() => void this.backup('interval').catch(() => undefined), this.interval);
    this.timer.unref();
  };

  override logout = async (): Promise<void> => {
    // The credentials are dead: stop saving, drop the archive, and leave the folder to the session.
    this.end();
    await this.saving;
    try {
      await this.limit(this.archives.remove(this.sessionId), 'removing the stored auth archive');
      this.log.info('Stored auth archive removed after the logout');
    } catch (err) {
      this.log.error({ err: toError(err) }, 'Could not remove the stored auth archive after the logout');
    }
  };

  override disconnect = async (): Promise<void> => {
    // Any other disconnect keeps the credentials, here and in the database; the session decides.
    this.end();
  };

  override destroy = async (): Promise<void> => {
    this.end();
    // A save still running finishes (bounded) before the browser's folder can be removed under it.
    await this.saving;
  };

  /**
   * Saves the profile now (the hand-over calls it before closing the browser). Rejects with the
   * reason when nothing could be saved; resolves without saving before READY or after the end.
   */
  backup(why: 'ready' | 'interval' | 'hand-over' = 'hand-over'): Promise<void> {
    const run = this.saving.then(() => this.saveNow(why));
    this.saving = run.catch(() => undefined);
    return run;
  }

  private async saveNow(why: string): Promise<void> {
    if (!this.linked || this.ended) {
      this.log.debug({ why, linked: this.linked }, 'Auth archive not saved: the session is not linked');
      return;
    }
    if (!(await exists(this.profile))) return;
    let bytes: number;
    try {
      const zip = await withTimeout(this.compressSession(), ARCHIVE_DISK_TIMEOUT_MS, 'zipping the profile');
      bytes = (await stat(zip)).size;
      await this.limit(this.archives.save(this.sessionId, zip), 'saving the auth archive');
    } catch (err) {
      this.log.warn({ err: toError(err), why }, 'Could not save the auth archive; the previous one is kept');
      throw err;
    } finally {
      await this.clearStaging();
    }
    this.log.info({ why, bytes }, 'Auth archive saved');
  }

  private async restore(): Promise<void> {
    await this.clearStaging();
    let stored: boolean;
    try {
      stored = await this.limit(this.archives.exists(this.sessionId), 'reading the stored auth archive');
    } catch (err) {
      // Not the archive's fault: the session fails with the reason (and may be started again), and
      // the archive stays; a QR here would replace a good link.
      throw new Error(`Could not read the stored auth archive: ${toError(err).message}`, { cause: err });
    }
    if (!stored) {
      // The folder (if any) is what there is: an instance that ran with LocalAuth before keeps its links.
      await mkdir(this.profile, { recursive: true, mode: 0o700 });
      this.log.info('No stored auth archive: the session starts on its local folder');
      return;
    }
    try {
      await mkdir(path.dirname(this.zipPath), { recursive: true, mode: 0o700 });
      await this.limit(
        this.archives.extract(this.sessionId, this.zipPath),
        'reading the stored auth archive',
      );
      // The archive is the truth in cluster mode: a local folder may be older than it.
      await rm(this.profile, { recursive: true, force: true });
      await this.unzip();
      this.log.info('Profile restored from the stored auth archive');
    } catch (err) {
      if (!(err instanceof CorruptArchiveError)) {
        throw new Error(`Could not read the stored auth archive: ${toError(err).message}`, { cause: err });
      }
      await this.discard(err.message);
    } finally {
      await this.clearStaging();
    }
  }

  private async unzip(): Promise<void> {
    let directory: Awaited<ReturnType<Unzipper['Open']['file']>>;
    try {
      directory = await unzipper.Open.file(this.zipPath);
      await withTimeout(
        directory.extract({ path: this.profile, concurrency: 4 }),
        ARCHIVE_DISK_TIMEOUT_MS,
        'unzipping the profile',
      );
    } catch (err) {
      throw new CorruptArchiveError(this.sessionId, `it is not a readable zip (${toError(err).message})`);
    }
    if (!(await exists(path.join(this.profile, 'Default'))))
      throw new CorruptArchiveError(this.sessionId, 'it holds no Chromium profile (no Default folder)');
  }

  /** A corrupt archive: removed, the profile emptied, the session goes on to a QR. */
  private async discard(reason: string): Promise<void> {
    this.log.warn(
      { reason },
      `Stored auth archive of session ${this.sessionId} cannot be used; removed: the session starts unlinked and shows a QR`,
    );
    await this.limit(this.archives.remove(this.sessionId), 'removing the corrupt auth archive').catch(
      (err: unknown) => this.log.error({ err: toError(err) }, 'Could not remove the corrupt auth archive'),
    );
    await rm(this.profile, { recursive: true, force: true });
    await mkdir(this.profile, { recursive: true, mode: 0o700 });
  }

  private end(): void {
    this.ended = true;
    this.stopBackups();
  }

  private stopBackups(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private limit<T>(work: Promise<T>, what: string): Promise<T> {
    return withTimeout(work, this.ioTimeoutMs, what);
  }

  private async clearStaging(): Promise<void> {
    await Promise.allSettled([
      rm(this.tempDir, { recursive: true, force: true }),
      rm(this.zipPath, { force: true }),
    ]);
  }
}
