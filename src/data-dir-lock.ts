import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseStat } from './browser/process-table.js';

export const LOCK_FILE = 'server.lock';

interface Holder {
  pid: number;
  /** The holder's start time (/proc/<pid>/stat field 22): a pid reused by another process differs. */
  startTime: string | null;
}

export type LockResult =
  | { acquired: true; release: () => void; tookOverFrom: number | null }
  | { acquired: false; holderPid: number };

const startTimeOf = (pid: number): string | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (parseStat(stat) === null) return null;
    // Fields after the command name: state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
};

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** A holder is live when its pid runs, is not us (a container restarts with the same pid 1), and started when it said. */
const isLive = (holder: Holder): boolean => {
  if (holder.pid === process.pid || !isRunning(holder.pid)) return false;
  const now = startTimeOf(holder.pid);
  return holder.startTime === null || now === null || now === holder.startTime;
};

const parseHolder = (text: string): Holder | null => {
  try {
    const value = JSON.parse(text) as { pid?: unknown; startTime?: unknown };
    if (typeof value.pid !== 'number' || !Number.isSafeInteger(value.pid) || value.pid <= 0) return null;
    return { pid: value.pid, startTime: typeof value.startTime === 'string' ? value.startTime : null };
  } catch {
    return null;
  }
};

const isErrno = (err: unknown, code: string): boolean => (err as NodeJS.ErrnoException).code === code;

/** link() into place; on filesystems without hard links, an exclusive create (not atomic, but exclusive). */
const place = async (temporary: string, file: string, content: string): Promise<void> => {
  try {
    await link(temporary, file);
  } catch (err) {
    if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP'].some((code) => isErrno(err, code))) throw err;
    await writeFile(file, content, { mode: 0o600, flag: 'wx' });
  }
};

/**
 * One server per DATA_DIR: two would restore the same sessions into two browsers each and reap each
 * other's browsers as orphans. The lock is DATA_DIR/server.lock holding our pid and start time,
 * written whole under a temporary name and linked into place (link() fails when the file exists, so
 * exactly one of two starting servers gets it). A lock whose process is gone (kill -9, OOM, a
 * container restart) is taken over.
 */
export const acquireDataDirLock = async (dataDir: string): Promise<LockResult> => {
  const file = path.join(dataDir, LOCK_FILE);
  const mine: Holder = { pid: process.pid, startTime: startTimeOf(process.pid) };
  const content = JSON.stringify(mine);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
  let tookOverFrom: number | null = null;
  try {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        await place(temporary, file, content);
        const release = () => {
          try {
            // Only our own lock: never one a later server took over after we were thought dead.
            if (readFileSync(file, 'utf8') === content) unlinkSync(file);
          } catch {
            // Already gone.
          }
        };
        return { acquired: true, release, tookOverFrom };
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      let holder: Holder | null = null;
      try {
        holder = parseHolder(await readFile(file, 'utf8'));
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      if (holder !== null && isLive(holder)) return { acquired: false, holderPid: holder.pid };
      // A dead holder, or a file that is not a lock of ours: stale.
      tookOverFrom = holder?.pid ?? null;
      await unlink(file).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
      });
    }
    throw new Error(`Could not take the lock ${file}: it kept changing`);
  } finally {
    await rm(temporary, { force: true });
  }
};
