import path from 'node:path';
import type { Logger } from '../logger.js';
import { sleep } from '../timeout.js';
import { signalGroup } from './process-group.js';
import { listProcesses, type ProcessInfo } from './process-table.js';

export interface BrowserProcesses {
  /** Live (not zombie) processes of the browser whose main process is `pid`: its process group. */
  alive(pid: number): Promise<number[]>;
  /** SIGKILL the browser's whole process group, then wait (bounded) until none of it is alive. */
  kill(pid: number, timeoutMs: number): Promise<{ killed: number[]; remaining: number[] }>;
  /** Browsers left running by an earlier run of ours: any process whose --user-data-dir is under `root`. */
  findOrphans(root: string): Promise<ProcessInfo[]>;
}

export const createBrowserProcesses = (deps: { logger: Logger; pollMs?: number }): BrowserProcesses => {
  const pollMs = deps.pollMs ?? 50;

  const alive = async (pgid: number): Promise<number[]> =>
    (await listProcesses()).filter((p) => p.pgid === pgid && p.state !== 'Z').map((p) => p.pid);

  return {
    alive,
    async kill(pgid, timeoutMs) {
      const killed = await alive(pgid);
      try {
        signalGroup(pgid, 'SIGKILL');
      } catch (err) {
        deps.logger.warn({ err, pgid }, 'Could not signal the browser process group');
      }
      const deadline = Date.now() + timeoutMs;
      let remaining = await alive(pgid);
      while (remaining.length > 0 && Date.now() < deadline) {
        await sleep(pollMs);
        remaining = await alive(pgid);
      }
      return { killed, remaining };
    },
    async findOrphans(root) {
      const marker = `--user-data-dir=${root}${path.sep}`;
      return (await listProcesses()).filter(
        (p) => p.pid !== process.pid && p.state !== 'Z' && p.cmdline.includes(marker),
      );
    },
  };
};
