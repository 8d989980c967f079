import path from 'node:path';
import { listProcesses, type ProcessInfo } from '../src/browser/process-table.js';

/** The session's profile folder, as the server lays it out: DATA_DIR/sessions/session-<id>. */
export const sessionFolder = (dataDir: string, id: string): string =>
  path.join(dataDir, 'sessions', `session-${id}`);

/** Live Chromium processes whose profile is under `dataDir` (the ones one bench server started). */
export const browsersUnder = async (dataDir: string): Promise<ProcessInfo[]> =>
  (await listProcesses()).filter(
    (p) => p.state !== 'Z' && p.cmdline.includes(`--user-data-dir=${dataDir}${path.sep}`),
  );

/** The process group id of one session's browser (its main process leads the group). */
export const browserGroupOf = async (dataDir: string, id: string): Promise<number> => {
  // cmdline arguments are NUL-separated, turned into spaces: the trailing space ends the path.
  const flag = `--user-data-dir=${sessionFolder(dataDir, id)} `;
  const leader = (await listProcesses()).find(
    (p) => p.state !== 'Z' && p.pid === p.pgid && p.cmdline.includes(flag),
  );
  if (!leader) throw new Error(`No browser found for session ${id}`);
  return leader.pgid;
};
