import path from 'node:path';
import type { Logger } from '../logger.js';
import { sleep } from '../timeout.js';
import { signalGroup } from './process-group.js';
import { listProcesses, type ProcessInfo } from './process-table.js';

/**
 * The browsers of one profile folder, found in the process table by the exact `--user-data-dir`
 * argument Chromium is started with. The server knows a browser by it from the moment the process
 * exists, before puppeteer has connected to it and before the library has a handle on it, so a
 * teardown never depends on how far the launch got.
 */
export interface ProfileProcesses {
  /** Live (not zombie) processes whose argv holds exactly `--user-data-dir=<profile>`. */
  list(profile: string): Promise<ProcessInfo[]>;
  /**
   * SIGKILL the process group of every process on `profile`, again for any that appears meanwhile,
   * until none is alive or `timeoutMs` passed. Never signals the server's own group.
   */
  kill(profile: string, timeoutMs: number): Promise<{ killed: number[]; remaining: number[] }>;
}

/** Whether `argv` names `profile` as its user data dir, exactly (no prefix match, no other folder). */
export const usesProfile = (argv: readonly string[], profile: string): boolean => {
  const wanted = `--user-data-dir=${path.resolve(profile)}`;
  return argv.some((arg) => arg === wanted);
};

export const createProfileProcesses = (
  deps: { logger?: Logger; pollMs?: number; table?: () => Promise<ProcessInfo[]> } = {},
): ProfileProcesses => {
  const pollMs = deps.pollMs ?? 50;
  const table = deps.table ?? listProcesses;

  const scan = async (profile: string): Promise<{ on: ProcessInfo[]; ownGroup: number | undefined }> => {
    const all = await table();
    const ownGroup = all.find((p) => p.pid === process.pid)?.pgid;
    const on = all.filter((p) => p.state !== 'Z' && p.pid !== process.pid && usesProfile(p.argv, profile));
    return { on, ownGroup };
  };

  const signalAll = (on: ProcessInfo[], ownGroup: number | undefined): void => {
    for (const p of on) {
      try {
        // puppeteer starts Chromium detached: it leads its own group. A process that somehow shares
        // ours is killed alone, never with the server.
        if (p.pgid === ownGroup || p.pgid <= 1) process.kill(p.pid, 'SIGKILL');
        else signalGroup(p.pgid, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
          deps.logger?.warn({ err, pid: p.pid }, 'Could not kill a browser process of the profile');
        }
      }
    }
  };

  return {
    list: async (profile) => (await scan(profile)).on,
    async kill(profile, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const killed = new Set<number>();
      for (;;) {
        const { on, ownGroup } = await scan(profile);
        if (on.length === 0 || Date.now() >= deadline) {
          return { killed: [...killed], remaining: on.map((p) => p.pid) };
        }
        for (const p of on) killed.add(p.pid);
        signalAll(on, ownGroup);
        await sleep(pollMs);
      }
    },
  };
};
