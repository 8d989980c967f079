import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { SESSION_ID_PATTERN } from './types.js';

/** The file operations the store needs; tests inject failing ones (EBUSY, EPERM). */
export interface FolderOps {
  rm(target: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdir(target: string): Promise<void>;
  readdir(target: string): Promise<string[]>;
  exists(target: string): Promise<boolean>;
}

export const nodeFolderOps: FolderOps = {
  rm: (target) => fs.rm(target, { recursive: true, force: true }),
  rename: (from, to) => fs.rename(from, to),
  mkdir: async (target) => {
    await fs.mkdir(target, { recursive: true, mode: 0o700 });
  },
  readdir: async (target) => {
    try {
      return await fs.readdir(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  },
  exists: async (target) => {
    try {
      await fs.access(target);
      return true;
    } catch {
      return false;
    }
  },
};

export interface AuthFolders {
  /** LocalAuth's dataPath: holds one `session-<id>` folder per session. */
  readonly root: string;
  folderOf(id: string): string;
  exists(id: string): Promise<boolean>;
  /** Ids that have an auth folder, for restore at start. */
  listIds(): Promise<string[]>;
  /**
   * Removes a session's folder: retries with backoff; when it still fails, moves it into the trash
   * (retried later by `sweepTrash`). Never throws: returns what happened.
   */
  remove(id: string): Promise<'removed' | 'absent' | 'trashed' | 'stuck'>;
  /** Retries removing what the trash holds; returns how many entries are left. */
  sweepTrash(): Promise<number>;
  /** Chromium's Singleton* files in a profile, left by a browser that was killed. */
  clearStaleLocks(id: string): Promise<string[]>;
  writeMeta(id: string, meta: SessionMeta): Promise<void>;
  readMeta(id: string): Promise<SessionMeta | null>;
}

export interface SessionMeta {
  webhook: { url: string; events: string[] } | null;
}

const SESSION_PREFIX = 'session-';
/** The names remove() gives what it moves into the trash: `session-<id>-<ms>-<8 hex>`. */
const TRASH_ENTRY = /^session-[A-Za-z0-9_-]{1,64}-\d+-[0-9a-f]{8}$/;

/** What is at `target` without following a link: a folder itself, nothing, or anything else. */
const kindOf = async (target: string): Promise<'folder' | 'absent' | 'other'> => {
  try {
    return (await fs.lstat(target)).isDirectory() ? 'folder' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
};

export const createAuthFolders = (deps: {
  dataDir: string;
  logger: Logger;
  ops?: FolderOps;
  /** Waits between removal attempts; tests pass [] or fake timers. */
  retryDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}): AuthFolders => {
  const ops = deps.ops ?? nodeFolderOps;
  const root = path.join(deps.dataDir, 'sessions');
  const trash = path.join(deps.dataDir, 'trash');
  const retryDelays = deps.retryDelaysMs ?? [100, 300, 900];
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  const folderOf = (id: string): string => {
    // The id pattern is the only guard between an HTTP path and the disk: checked here again.
    if (!SESSION_ID_PATTERN.test(id)) throw new Error(`Refusing a folder for an invalid session id: ${id}`);
    return path.join(root, `${SESSION_PREFIX}${id}`);
  };

  const rmWithRetries = async (target: string): Promise<unknown> => {
    let lastError: unknown;
    for (let attempt = 0; attempt <= retryDelays.length; attempt += 1) {
      try {
        await ops.rm(target);
        return undefined;
      } catch (err) {
        lastError = err;
        const delay = retryDelays[attempt];
        if (delay === undefined) break;
        await sleep(delay);
      }
    }
    return lastError ?? new Error('rm failed');
  };

  return {
    root,
    folderOf,
    exists: (id) => ops.exists(folderOf(id)),
    async listIds() {
      const names = await ops.readdir(root);
      return names
        .filter((name) => name.startsWith(SESSION_PREFIX))
        .map((name) => name.slice(SESSION_PREFIX.length))
        .filter((id) => SESSION_ID_PATTERN.test(id))
        .sort();
    },
    async remove(id) {
      const folder = folderOf(id);
      try {
        if (!(await ops.exists(folder))) return 'absent';
        const err = await rmWithRetries(folder);
        if (err === undefined) return 'removed';
        deps.logger.warn(
          { err, sessionId: id, folder },
          'Could not remove the session folder; moving it aside',
        );
        const aside = path.join(trash, `${SESSION_PREFIX}${id}-${Date.now()}-${randomUUID().slice(0, 8)}`);
        try {
          await ops.mkdir(trash);
          if ((await kindOf(trash)) !== 'folder') throw new Error(`${trash} is not a folder (a symlink?)`);
          await ops.rename(folder, aside);
          return 'trashed';
        } catch (renameErr) {
          deps.logger.error(
            { err: renameErr, sessionId: id, folder },
            'Could not move the session folder aside; it stays until it can be removed',
          );
          return 'stuck';
        }
      } catch (err) {
        deps.logger.error(
          { err, sessionId: id, folder },
          'Unexpected error while removing the session folder',
        );
        return 'stuck';
      }
    },
    async sweepTrash() {
      let left = 0;
      try {
        // Never through a link: a `trash` that is a symlink (planted, or a restored backup) would
        // make the sweep delete whatever it points to.
        const kind = await kindOf(trash);
        if (kind === 'other')
          deps.logger.warn({ trash }, 'The trash is not a folder (a symlink?); not sweeping it');
        if (kind !== 'folder') return 0;
        for (const name of await ops.readdir(trash)) {
          // Only what remove() moved here; an entry that is itself a link is removed as a link.
          if (!TRASH_ENTRY.test(name)) continue;
          try {
            await ops.rm(path.join(trash, name));
          } catch (err) {
            left += 1;
            deps.logger.debug({ err, entry: name }, 'Trash entry still cannot be removed');
          }
        }
      } catch (err) {
        deps.logger.warn({ err }, 'Could not read the trash folder');
      }
      return left;
    },
    async writeMeta(id, meta) {
      const folder = folderOf(id);
      const target = path.join(folder, META_FILE);
      // Nothing to keep: no file, so a removed webhook is not restored from an old one (privacy).
      if (meta.webhook === null) {
        await fs.rm(target, { force: true });
        return;
      }
      await fs.mkdir(folder, { recursive: true, mode: 0o700 });
      // Written then renamed, so a crash mid-write never leaves half a file to restore from.
      await fs.writeFile(`${target}.tmp`, JSON.stringify(meta), { mode: 0o600 });
      await fs.rename(`${target}.tmp`, target);
    },
    async readMeta(id) {
      try {
        const raw: unknown = JSON.parse(await fs.readFile(path.join(folderOf(id), META_FILE), 'utf8'));
        if (typeof raw !== 'object' || raw === null) return null;
        const webhook = (raw as { webhook?: unknown }).webhook;
        if (
          typeof webhook === 'object' &&
          webhook !== null &&
          typeof (webhook as { url?: unknown }).url === 'string' &&
          Array.isArray((webhook as { events?: unknown }).events)
        ) {
          const { url, events } = webhook as { url: string; events: unknown[] };
          return { webhook: { url, events: events.filter((e): e is string => typeof e === 'string') } };
        }
        return { webhook: null };
      } catch {
        return null;
      }
    },
    async clearStaleLocks(id) {
      const folder = folderOf(id);
      const cleared: string[] = [];
      for (const name of ['SingletonLock', 'SingletonSocket', 'SingletonCookie']) {
        const target = path.join(folder, name);
        try {
          await fs.lstat(target);
          await fs.rm(target, { force: true });
          cleared.push(target);
        } catch {
          // Absent: nothing to clear.
        }
      }
      return cleared;
    },
  };
};

/** What wa-sessions keeps beside Chromium's profile, so it survives a restart and leaves with the folder. */
export const META_FILE = 'wa-sessions.json';
