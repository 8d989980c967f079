import { readFile } from 'node:fs/promises';
import { listProcesses, type ProcessInfo } from '../src/browser/process-table.js';

export interface ProcessMemory {
  /** Proportional set size, KiB. */
  pss: number;
  /** Its anonymous part (heaps, stacks): the process's own, untouched by what else maps the same files. */
  pssAnon: number;
}

const field = (rollup: string, name: string): number => {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(rollup);
  return match?.[1] === undefined ? 0 : Number(match[1]);
};

/** One process's memory from /proc/<pid>/smaps_rollup; zeros if it is gone. */
export const processMemory = async (pid: number): Promise<ProcessMemory> => {
  try {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    return { pss: field(rollup, 'Pss'), pssAnon: field(rollup, 'Pss_Anon') };
  } catch {
    return { pss: 0, pssAnon: 0 };
  }
};

export interface TreeMemory {
  processes: number;
  pssMiB: number;
  pssAnonMiB: number;
}

/** Live processes of the given process groups. */
export const liveInGroups = async (pgids: ReadonlySet<number>): Promise<ProcessInfo[]> =>
  (await listProcesses()).filter((p) => p.state !== 'Z' && pgids.has(p.pgid));

/** PSS summed over every live process of the given process groups (one group per browser). */
export const groupsMemory = async (pgids: ReadonlySet<number>): Promise<TreeMemory> => {
  const procs = await liveInGroups(pgids);
  const each = await Promise.all(procs.map((p) => processMemory(p.pid)));
  return {
    processes: procs.length,
    pssMiB: each.reduce((a, m) => a + m.pss, 0) / 1024,
    pssAnonMiB: each.reduce((a, m) => a + m.pssAnon, 0) / 1024,
  };
};
