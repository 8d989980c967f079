import { readdir, readFile } from 'node:fs/promises';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** One letter from /proc/<pid>/stat: R, S, D, T (stopped), Z (zombie), ... */
  state: string;
  /** The arguments joined by spaces, for display and loose matching. */
  cmdline: string;
  /** The arguments exactly as the kernel holds them (NUL-separated in /proc/<pid>/cmdline). */
  argv: string[];
}

/**
 * Parses /proc/<pid>/stat. The command name is in parentheses and may itself hold spaces or
 * parentheses, so the fields are read after the last ')'.
 */
export const parseStat = (stat: string): Omit<ProcessInfo, 'cmdline' | 'argv' | 'pid'> | null => {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(' ');
  const [state, ppid, pgid] = fields;
  if (state === undefined || ppid === undefined || pgid === undefined) return null;
  return { state, ppid: Number(ppid), pgid: Number(pgid) };
};

/** Every process this user can see, from /proc (Linux). Elsewhere an empty list. */
export const listProcesses = async (): Promise<ProcessInfo[]> => {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const result: ProcessInfo[] = [];
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        try {
          const [stat, cmdline] = await Promise.all([
            readFile(`/proc/${name}/stat`, 'utf8'),
            readFile(`/proc/${name}/cmdline`, 'utf8'),
          ]);
          const parsed = parseStat(stat);
          if (!parsed) return;
          const argv = cmdline.split('\0');
          if (argv.at(-1) === '') argv.pop();
          result.push({ pid: Number(name), ...parsed, cmdline: argv.join(' '), argv });
        } catch {
          // The process ended while we looked: nothing to report.
        }
      }),
  );
  return result;
};
