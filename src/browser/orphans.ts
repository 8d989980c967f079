import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import type { BrowserProcesses } from './browser-processes.js';
import { parseStat } from './process-table.js';

/** Where launcher scripts (Debian's /usr/bin/chromium is one) exec the real browser. */
const launchedBinaries = [
  '/usr/lib/chromium/chromium',
  '/usr/lib/chromium-browser/chromium-browser',
  '/opt/google/chrome/chrome',
];

const realpathOrNull = (file: string): string | null => {
  try {
    return realpathSync(file);
  } catch {
    return null;
  }
};

/**
 * The executables a browser we launched runs as: the configured one, resolved; when that is a
 * launcher script (`#!`), the binaries such scripts exec.
 */
export const browserExecutables = (chromePath: string): Set<string> => {
  const found = new Set<string>();
  const real = realpathOrNull(chromePath);
  if (real === null) return found;
  found.add(real);
  // Only the first two bytes: the whole file is Chromium's binary (~220 MB), whose full read blocked
  // the start for about 2 s and left the server's RSS hundreds of MiB higher.
  const head = Buffer.alloc(2);
  try {
    const fd = openSync(real, 'r');
    try {
      readSync(fd, head, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return found;
  }
  if (head.toString('latin1') === '#!') {
    for (const binary of launchedBinaries) {
      const resolved = realpathOrNull(binary);
      if (resolved !== null) found.add(resolved);
    }
  }
  return found;
};

/** The `--user-data-dir` a command line gives, as one whole argument; null when none. */
export const userDataDirOf = (argv: readonly string[]): string | null => {
  const flag = argv.find((arg) => arg.startsWith('--user-data-dir='));
  return flag === undefined ? null : flag.slice('--user-data-dir='.length);
};

const isStrictlyUnder = (root: string, dir: string): boolean => {
  const relative = path.relative(root, path.resolve(dir));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
};

const realUid = (status: string): number | null => {
  const match = /^Uid:\s+(\d+)/m.exec(status);
  return match?.[1] === undefined ? null : Number(match[1]);
};

/**
 * Browsers of ours an earlier run left: every condition must hold, because a wrong match is a kill.
 * The executable is the configured Chromium (not a shell that names the path), its exact
 * --user-data-dir argument (the command line split on NUL, not searched as text) is a folder under
 * `sessionsRoot`, it leads its own process group (puppeteer launches it detached: a process that does
 * not is someone's child, not a browser we launched), and it runs as our user.
 */
export const findOrphanBrowsers = async (settings: {
  sessionsRoot: string;
  executables: ReadonlySet<string>;
  uid: number;
}): Promise<number[]> => {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const leaders: number[] = [];
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .map(async (name) => {
        try {
          const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0');
          const profile = userDataDirOf(argv);
          if (profile === null || !isStrictlyUnder(settings.sessionsRoot, profile)) return;
          const stat = parseStat(await readFile(`/proc/${name}/stat`, 'utf8'));
          if (stat === null || stat.state === 'Z' || stat.pgid !== Number(name)) return;
          if (realUid(await readFile(`/proc/${name}/status`, 'utf8')) !== settings.uid) return;
          // A binary replaced by an upgrade while running reads as "<path> (deleted)".
          const exe = (await readlink(`/proc/${name}/exe`)).replace(/ \(deleted\)$/, '');
          if (!settings.executables.has(exe)) return;
          leaders.push(Number(name));
        } catch {
          // The process ended while we looked, or is not ours to read: not ours to kill.
        }
      }),
  );
  return leaders;
};

/**
 * A run that was killed (kill -9, OOM) leaves its browsers running; a shutdown can leave one that
 * did not close in time or was still launching. Kills those browsers' process groups (see
 * findOrphanBrowsers for what counts as one; nothing else is ours to kill). The Singleton* locks
 * they leave in the profile are cleared where every start clears them, in the manager.
 */
export const reapOrphans = async (deps: {
  processes: Pick<BrowserProcesses, 'kill'>;
  sessionsRoot: string;
  /** The configured Chromium; null when none was found (then nothing can be ours). */
  chromePath: string | null;
  logger: Logger;
  killWaitMs: number;
}): Promise<{ killed: number }> => {
  if (deps.chromePath === null || typeof process.getuid !== 'function') return { killed: 0 };
  const groups = await findOrphanBrowsers({
    sessionsRoot: deps.sessionsRoot,
    executables: browserExecutables(deps.chromePath),
    uid: process.getuid(),
  });
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
