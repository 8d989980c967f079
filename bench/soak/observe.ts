import { existsSync } from 'node:fs';
import path from 'node:path';
import { listProcesses, type ProcessInfo } from '../../src/browser/process-table.js';
import { canTransition } from '../../src/sessions/state-machine.js';
import type { SessionState } from '../../src/sessions/types.js';
import type { ServerProcess } from '../../test/helpers/server-process.js';

export interface ApiSession {
  id: string;
  state: SessionState;
}

export const folderOf = (dataDir: string, id: string): string =>
  path.join(dataDir, 'sessions', `session-${id}`);

/** The session id a process runs for, from its exact --user-data-dir argument; null when none of ours. */
const profileId = (p: ProcessInfo, sessionsRoot: string): string | null => {
  const prefix = `--user-data-dir=${sessionsRoot}${path.sep}session-`;
  const arg = p.argv.find((a) => a.startsWith(prefix));
  return arg ? arg.slice(prefix.length) : null;
};

/** Live processes per session id (by profile), for every profile under the server's DATA_DIR. */
export const browsersById = async (dataDir: string): Promise<Map<string, ProcessInfo[]>> => {
  const root = path.join(dataDir, 'sessions');
  const byId = new Map<string, ProcessInfo[]>();
  for (const p of await listProcesses()) {
    if (p.state === 'Z') continue;
    const id = profileId(p, root);
    if (id === null) continue;
    byId.set(id, [...(byId.get(id) ?? []), p]);
  }
  return byId;
};

export const listSessions = async (server: ServerProcess): Promise<ApiSession[] | null> => {
  try {
    const res = await server.request('GET', '/sessions');
    if (res.status !== 200) return null;
    const body = (await res.json()) as ApiSession[] | { sessions: ApiSession[] };
    return Array.isArray(body) ? body : body.sessions;
  } catch {
    return null;
  }
};

/** What the soak knows it did: ids whose removal it saw and that nobody created since. */
export interface Model {
  gone: Set<string>;
}

/**
 * The promises checked after every step. Strict ones (the server answers, no illegal edge, no
 * unhandled rejection) hold at once; the ones about browsers and folders are given `graceMs` for
 * work the server does on its own after a step (a browser that exited being reaped).
 */
export const checkInvariants = async (
  server: ServerProcess,
  model: Model,
  logCursor: { at: number },
  graceMs: number,
): Promise<string[]> => {
  const violations: string[] = [];
  const logs = server.logs.slice(logCursor.at);
  logCursor.at = server.logs.length;
  for (const line of logs) {
    if (line.msg === 'Unhandled promise rejection (contained)')
      violations.push(`unhandled rejection: ${JSON.stringify(line.err ?? line)}`);
    if (line.msg === 'Illegal session state transition refused')
      violations.push(`illegal edge ${String(line.from)} → ${String(line.to)}`);
    if (
      line.msg === 'Session state changed' &&
      !canTransition(line.from as SessionState, line.to as SessionState)
    ) {
      violations.push(`edge not allowed ${String(line.from)} → ${String(line.to)}`);
    }
  }
  const deadline = Date.now() + graceMs;
  let soft: string[] = [];
  for (;;) {
    soft = [];
    const sessions = await listSessions(server);
    if (sessions === null) {
      soft.push('the server does not answer GET /sessions');
    } else {
      const listed = new Set(sessions.map((s) => s.id));
      const browsers = await browsersById(server.dataDir);
      for (const [id, procs] of browsers) {
        if (!listed.has(id))
          soft.push(`browser of unlisted session ${id}: pids ${procs.map((p) => p.pid).join(',')}`);
        const groups = new Set(procs.map((p) => p.pgid));
        if (groups.size > 1) soft.push(`session ${id} has ${groups.size} browsers`);
      }
      for (const id of model.gone) {
        if (listed.has(id)) soft.push(`deleted session ${id} came back`);
        if (existsSync(folderOf(server.dataDir, id)))
          soft.push(`folder of removed session ${id} left in place`);
      }
    }
    if (soft.length === 0 || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return [...violations, ...soft];
};
