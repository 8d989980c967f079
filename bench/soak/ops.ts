import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ServerProcess } from '../../test/helpers/server-process.js';
import { browsersById, folderOf, listSessions, type Model } from './observe.js';
import type { Random } from './random.js';

export const OP_WEIGHTS = {
  create: 14,
  scan: 10,
  send: 6,
  stop: 7,
  start: 6,
  delete: 9,
  logout: 4,
  conflict: 4,
  freeze: 5,
  kill: 4,
  freezeAtLaunch: 5,
  undeletable: 3,
  restartTerm: 2,
  restartKill: 2,
} as const;

export type OpName = keyof typeof OP_WEIGHTS;

export interface SoakContext {
  server: ServerProcess;
  model: Model;
  rnd: Random;
  ids: readonly string[];
  /** Restarts the server on the same DATA_DIR after it stopped (SIGTERM) or was killed (kill -9). */
  restart: (signal: 'SIGTERM' | 'SIGKILL') => Promise<{ code: number | null }>;
  /** Mount points made inside profiles (root only), unmounted at the end. */
  mounts: string[];
  canMount: boolean;
  /** The id whose folder removal always fails (EBUSY preload) when mounting is not allowed. */
  stuckId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The body of the last answer, named in a violation so that it can be understood without a replay. */
let lastBody = '';

const status = async (
  server: ServerProcess,
  method: string,
  url: string,
  body?: unknown,
): Promise<number> => {
  const res = await server.request(method, url, body);
  lastBody = (await res.text()).slice(0, 300);
  return res.status;
};

/** After a DELETE answered 204: nothing on the profile, no folder, and the id is gone for good. */
const afterDelete = async (ctx: SoakContext, id: string, code: number): Promise<string[]> => {
  if (code !== 204) return code === 404 ? [] : [`DELETE ${id} answered ${code}: ${lastBody}`];
  ctx.model.gone.add(id);
  const left: string[] = [];
  if ((await browsersById(ctx.server.dataDir)).has(id))
    left.push(`DELETE ${id} answered 204 with a browser alive`);
  if (existsSync(folderOf(ctx.server.dataDir, id)))
    left.push(`DELETE ${id} answered 204 with its folder in place`);
  return left;
};

const afterStop = async (ctx: SoakContext, id: string, code: number): Promise<string[]> => {
  if (code !== 200) return [404, 409].includes(code) ? [] : [`stop ${id} answered ${code}: ${lastBody}`];
  return (await browsersById(ctx.server.dataDir)).has(id)
    ? [`stop ${id} answered 200 with a browser alive`]
    : [];
};

const create = async (ctx: SoakContext, id: string): Promise<string[]> => {
  const code = await status(ctx.server, 'POST', `/sessions/${id}`);
  if (code === 200 || code === 201) ctx.model.gone.delete(id);
  return [200, 201, 409, 429, 503].includes(code) ? [] : [`POST ${id} answered ${code}: ${lastBody}`];
};

const deleteOrStop = async (ctx: SoakContext, id: string): Promise<string[]> => {
  if (ctx.rnd.next() < 0.5)
    return afterDelete(ctx, id, await status(ctx.server, 'DELETE', `/sessions/${id}`));
  return afterStop(ctx, id, await status(ctx.server, 'POST', `/sessions/${id}/stop`));
};

const freezeGroup = (pgid: number): void => {
  try {
    process.kill(-pgid, 'SIGSTOP');
  } catch {
    // Gone already.
  }
};

/** Answers a route may give in sandbox mode while sessions come and go; 500 and 503 are not among them. */
const simulatorOk = (code: number) => [200, 201, 404, 409, 504].includes(code);

const tryMount = (target: string): boolean => {
  try {
    mkdirSync(target, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'wa-sessions-soak', target], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export const runOp = async (ctx: SoakContext, op: OpName, id: string): Promise<string[]> => {
  const { server, rnd } = ctx;
  switch (op) {
    case 'create':
    case 'start':
      return create(ctx, id);
    case 'scan': {
      const code = await status(server, 'POST', `/sessions/${id}/simulator/scan`, {});
      return simulatorOk(code) ? [] : [`scan ${id} answered ${code}: ${lastBody}`];
    }
    case 'send': {
      const code = await status(server, 'POST', `/sessions/${id}/messages`, {
        to: '5511912345678',
        text: 'soak',
      });
      return [201, 404, 409, 502, 504].includes(code) ? [] : [`send ${id} answered ${code}: ${lastBody}`];
    }
    case 'stop':
      return afterStop(ctx, id, await status(server, 'POST', `/sessions/${id}/stop`));
    case 'delete':
      return afterDelete(ctx, id, await status(server, 'DELETE', `/sessions/${id}`));
    case 'logout': {
      const code = await status(server, 'POST', `/sessions/${id}/simulator/logout`);
      return simulatorOk(code) ? [] : [`phone logout ${id} answered ${code}: ${lastBody}`];
    }
    case 'conflict': {
      const code = await status(server, 'POST', `/sessions/${id}/simulator/state`, { state: 'CONFLICT' });
      return simulatorOk(code) ? [] : [`CONFLICT ${id} answered ${code}: ${lastBody}`];
    }
    case 'freeze':
    case 'kill': {
      const procs = (await browsersById(server.dataDir)).get(id);
      const main = procs?.find((p) => p.pid === p.pgid) ?? procs?.[0];
      if (!main) return [];
      if (op === 'kill') {
        try {
          process.kill(main.pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
        return [];
      }
      freezeGroup(main.pgid);
      await sleep(rnd.int(300));
      return deleteOrStop(ctx, id);
    }
    case 'freezeAtLaunch': {
      const created = await create(ctx, id);
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        const first = (await browsersById(server.dataDir)).get(id)?.[0];
        if (first) {
          freezeGroup(first.pgid);
          break;
        }
        await sleep(5);
      }
      return [...created, ...(await deleteOrStop(ctx, id))];
    }
    case 'undeletable': {
      const target = ctx.canMount ? id : ctx.stuckId;
      if (!(await listSessions(server))?.some((s) => s.id === target)) await create(ctx, target);
      const folder = folderOf(server.dataDir, target);
      if (ctx.canMount && existsSync(folder)) {
        const point = path.join(folder, 'held-open');
        if (tryMount(point)) ctx.mounts.push(point);
      }
      return afterDelete(ctx, target, await status(server, 'DELETE', `/sessions/${target}`));
    }
    case 'restartTerm':
    case 'restartKill': {
      const { code } = await ctx.restart(op === 'restartTerm' ? 'SIGTERM' : 'SIGKILL');
      const problems = op === 'restartTerm' && code !== 0 ? [`SIGTERM exit code ${String(code)}`] : [];
      // Requests while restore runs: a DELETE of a restored id must win, a create must not clash.
      for (let i = 0; i < 3; i += 1) {
        const other = rnd.pick(ctx.ids);
        if (rnd.next() < 0.5)
          problems.push(
            ...(await afterDelete(ctx, other, await status(ctx.server, 'DELETE', `/sessions/${other}`))),
          );
        else problems.push(...(await create(ctx, other)));
      }
      return problems;
    }
  }
};
