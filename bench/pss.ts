import { readFile } from 'node:fs/promises';
import { listProcesses, type ProcessInfo } from '../src/sessions/process-table.js';

/** Proportional set size of one process in KiB (from /proc/<pid>/smaps_rollup), 0 if it is gone. */
export const pssKiB = async (pid: number): Promise<number> => {
  try {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const match = /^Pss:\s+(\d+) kB$/m.exec(rollup);
    return match?.[1] === undefined ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
};

export interface TreeMemory {
  processes: number;
  pssMiB: number;
}

/** Live processes of the given process groups. */
export const liveInGroups = async (pgids: ReadonlySet<number>): Promise<ProcessInfo[]> =>
  (await listProcesses()).filter((p) => p.state !== 'Z' && pgids.has(p.pgid));

/** PSS summed over every live process of the given process groups (one group per browser). */
export const groupsMemory = async (pgids: ReadonlySet<number>): Promise<TreeMemory> => {
  const procs = await liveInGroups(pgids);
  const kib = await Promise.all(procs.map((p) => pssKiB(p.pid)));
  return { processes: procs.length, pssMiB: kib.reduce((a, b) => a + b, 0) / 1024 };
};
