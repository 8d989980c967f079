import { readdir } from 'node:fs/promises';
import path from 'node:path';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import { listProcesses, type ProcessInfo } from '../../src/browser/process-table.js';
import type { ServerProcess } from './server-process.js';

export interface SessionBody {
  id: string;
  state: string;
  reason: string | null;
  me: { wid: string; name: string | null } | null;
  hasQr: boolean;
  /** Cluster mode: the instance running it. */
  instance?: string | null;
}

/** The session folder as the server lays it out: DATA_DIR/sessions/session-<id>. */
export const sessionFolder = (server: ServerProcess, id: string): string =>
  path.join(server.dataDir, 'sessions', `session-${id}`);

export const getSession = async (server: ServerProcess, id: string): Promise<SessionBody | null> => {
  const res = await server.request('GET', `/sessions/${id}`);
  if (res.status === 404) return null;
  expect(res.status).toBe(200);
  return (await res.json()) as SessionBody;
};

/** Polls GET /sessions/:id until `done` holds (null = 404), bounded. */
export const waitForSession = async (
  server: ServerProcess,
  id: string,
  done: (s: SessionBody | null) => boolean,
  timeoutMs = 30_000,
): Promise<SessionBody | null> => {
  const deadline = Date.now() + timeoutMs;
  let last: SessionBody | null = null;
  while (Date.now() < deadline) {
    last = await getSession(server, id);
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `Session ${id} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
  );
};

export const waitForState = (server: ServerProcess, id: string, state: string, timeoutMs?: number) =>
  waitForSession(server, id, (s) => s?.state === state, timeoutMs);

export const post = async (server: ServerProcess, urlPath: string, body?: unknown, expected = 200) => {
  const res = await server.request('POST', urlPath, body);
  const text = await res.text();
  expect(res.status, `${urlPath}: ${text}`).toBe(expected);
  return text === '' ? null : (JSON.parse(text) as unknown);
};

/** POST /sessions/:id, then wait for the QR and return it. */
export const startToQr = async (server: ServerProcess, id: string, expected = 201): Promise<string> => {
  await post(server, `/sessions/${id}`, undefined, expected);
  await waitForState(server, id, 'QR');
  const res = await server.request('GET', `/sessions/${id}/qr`, undefined, { accept: 'application/json' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { qr: string }).qr;
};

/** QR → scan → READY. */
export const startToReady = async (server: ServerProcess, id: string): Promise<SessionBody> => {
  await startToQr(server, id);
  await post(server, `/sessions/${id}/simulator/scan`);
  const ready = await waitForState(server, id, 'READY');
  if (!ready) throw new Error('unreachable');
  return ready;
};

export const decodeQrPng = (png: Buffer): string | null => {
  const image = PNG.sync.read(png);
  // jsqr is CommonJS with an ESM-style `default` in its types; at run time both forms hold the function.
  return jsqr.default(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
};

/** Live (not zombie) Chromium processes whose profile is under `dataDir`: the ones a test started. */
export const browsersUnder = async (dataDir: string): Promise<ProcessInfo[]> =>
  (await listProcesses()).filter((p) => p.state !== 'Z' && p.cmdline.includes(`--user-data-dir=${dataDir}`));

/** The main browser process of one session (the group leader). */
export const browserOf = async (server: ServerProcess, id: string): Promise<ProcessInfo> => {
  const folder = sessionFolder(server, id);
  const procs = (await listProcesses()).filter(
    (p) => p.state !== 'Z' && p.cmdline.includes(`--user-data-dir=${folder}`) && p.pid === p.pgid,
  );
  const main = procs[0];
  if (!main) throw new Error(`No browser found for session ${id}`);
  return main;
};

/** Live processes of a process group. */
export const aliveInGroup = async (pgid: number): Promise<ProcessInfo[]> =>
  (await listProcesses()).filter((p) => p.pgid === pgid && p.state !== 'Z');

/** Zombies whose parent is the server: processes it failed to reap. */
export const zombiesOf = async (pid: number): Promise<ProcessInfo[]> =>
  (await listProcesses()).filter((p) => p.ppid === pid && p.state === 'Z');

export const waitUntil = async (
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
};

export const folderNames = async (dir: string): Promise<string[]> => {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
};

/** Log lines of the safety net: rejections that escaped somewhere. */
export const unhandledRejections = (server: ServerProcess) =>
  server.logs.filter((l) => l.msg === 'Unhandled promise rejection (contained)');
