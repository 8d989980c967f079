import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { resolveChrome } from '../../src/browser/chrome.js';
import { createProfileProcesses } from '../../src/browser/profile-processes.js';
import {
  browserOf,
  browsersUnder,
  getSession,
  post,
  sessionFolder,
  startToQr,
  startToReady,
  waitForState,
  waitUntil,
} from '../helpers/e2e.js';
import { sandboxServer } from './harness.js';

const profiles = createProfileProcesses();

/**
 * A Chromium that takes `delayS` seconds to appear: a shell that sleeps, then execs the real one with
 * the same arguments. The shell already carries the --user-data-dir argument, so the test can freeze
 * the browser the moment it exists, before puppeteer could connect to it.
 */
const slowChrome = async (context: TestContext, delayS: number): Promise<string> => {
  const chrome = resolveChrome({ chromePath: undefined, headless: undefined, pathEnv: process.env.PATH });
  if (!chrome.found) throw new Error(chrome.problem);
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-slow-chrome-'));
  const file = path.join(dir, path.basename(chrome.executablePath));
  await writeFile(file, `#!/bin/sh\nsleep ${delayS}\nexec '${chrome.executablePath}' "$@"\n`);
  await chmod(file, 0o755);
  context.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return file;
};

/** Waits for the first process on the session's profile and freezes its whole group (SIGSTOP). */
const freezeOnAppearance = async (folder: string): Promise<number> => {
  let pgid = 0;
  await waitUntil(
    'a process on the profile appears',
    async () => {
      const first = (await profiles.list(folder))[0];
      if (first) {
        pgid = first.pgid;
        process.kill(-pgid, 'SIGSTOP');
      }
      return first !== undefined;
    },
    20_000,
  );
  return pgid;
};

/** Before the fix such browsers outlived the test: never leave them to the next one. */
const killLeftovers = (context: TestContext, dataDir: () => string) =>
  context.onTestFinished(async () => {
    for (const p of await browsersUnder(dataDir())) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

describe('teardown under races, with a real browser', () => {
  it('DELETE and stop of a session whose browser is frozen the moment it appears leave no process on its profile', async (context) => {
    let dataDir = '';
    killLeftovers(context, () => dataDir);
    const chrome = await slowChrome(context, 1);
    const server = await sandboxServer(context, { CHROME_PATH: chrome, DESTROY_TIMEOUT_MS: '2000' });
    dataDir = server.dataDir;

    await post(server, '/sessions/kilo', undefined, 201);
    const kilo = sessionFolder(server, 'kilo');
    await freezeOnAppearance(kilo);
    expect((await server.request('DELETE', '/sessions/kilo')).status).toBe(204);
    // 204 means nothing runs on the profile and the folder is gone, not that they will be.
    expect(await profiles.list(kilo)).toEqual([]);
    expect(existsSync(kilo)).toBe(false);

    await post(server, '/sessions/lima', undefined, 201);
    const lima = sessionFolder(server, 'lima');
    await freezeOnAppearance(lima);
    const stopped = (await post(server, '/sessions/lima/stop')) as { state: string };
    expect(stopped.state).toBe('STOPPED');
    expect(await profiles.list(lima)).toEqual([]);

    // And nothing comes back later: no browser writes the deleted folder again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await browsersUnder(server.dataDir)).toEqual([]);
    expect(existsSync(kilo)).toBe(false);
    expect(await getSession(server, 'kilo')).toBeNull();
  });

  it('a DELETE during start-up restore wins: the deleted id is not started afterwards', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-e2e-'));
    const ids = ['mike', 'nancy', 'oscar', 'papa', 'quinn'];
    for (const id of ids) await mkdir(path.join(dataDir, 'sessions', `session-${id}`), { recursive: true });
    const server = await sandboxServer(context, { RESTORE_CONCURRENCY: '1' }, { dataDir });

    // Restore goes in order, one at a time, each until its QR: the last id is seconds away.
    const last = 'quinn';
    expect(await getSession(server, last)).toBeNull();
    expect((await server.request('DELETE', `/sessions/${last}`)).status).toBe(204);
    expect(existsSync(sessionFolder(server, last))).toBe(false);

    for (const id of ids.slice(0, -1)) await waitForState(server, id, 'QR', 60_000);
    // Its turn came right after the others: for a few seconds more, it must stay gone.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      expect(await getSession(server, last)).toBeNull();
      expect(existsSync(sessionFolder(server, last))).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(
      server.logs.some((l) => l.msg === `Session ${last} not restored: deleted or created meanwhile`),
    ).toBe(true);
    expect(await profiles.list(sessionFolder(server, last))).toEqual([]);
  });

  it('DELETE of a READY session whose browser is frozen answers within DESTROY_TIMEOUT_MS + 1 s, no process left', async (context) => {
    const server = await sandboxServer(context, { DESTROY_TIMEOUT_MS: '3000', LOGOUT_TIMEOUT_MS: '3000' });
    await startToReady(server, 'romeo');
    const browser = await browserOf(server, 'romeo');
    process.kill(-browser.pgid, 'SIGSTOP');

    const sentAt = Date.now();
    const res = await server.request('DELETE', '/sessions/romeo');
    const took = Date.now() - sentAt;
    expect(res.status).toBe(204);
    expect(took).toBeLessThan(3000 + 1000);
    expect(await profiles.list(sessionFolder(server, 'romeo'))).toEqual([]);
    expect(existsSync(sessionFolder(server, 'romeo'))).toBe(false);
  });

  it('a simulator call cut off by stop or DELETE answers 409 with the state (404 once gone), not 503', async (context) => {
    const server = await sandboxServer(context, { DESTROY_TIMEOUT_MS: '2000' });
    for (const [id, end] of [
      ['sierra', 'stop'],
      ['tango', 'delete'],
    ] as const) {
      await startToQr(server, id);
      const browser = await browserOf(server, id);
      process.kill(-browser.pgid, 'SIGSTOP');
      // The page call hangs in the frozen browser; the teardown then closes the page under it.
      const pending = server.request('POST', `/sessions/${id}/simulator/scan`, {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ended =
        end === 'stop'
          ? await server.request('POST', `/sessions/${id}/stop`)
          : await server.request('DELETE', `/sessions/${id}`);
      expect(ended.status).toBe(end === 'stop' ? 200 : 204);
      const res = await pending;
      const body = (await res.json()) as { code: string; state?: string };
      if (end === 'stop') {
        expect(res.status).toBe(409);
        expect(body.code).toBe('no_browser');
        expect(['CLOSING', 'STOPPED']).toContain(body.state);
      } else {
        expect([404, 409]).toContain(res.status);
        expect(['session_not_found', 'no_browser']).toContain(body.code);
      }
    }
  });
});
