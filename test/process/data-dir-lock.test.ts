import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, LOCK_FILE } from '../../src/data-dir-lock.js';
import { sandboxEnv, sandboxServer } from '../e2e/harness.js';
import { aliveInGroup, browserOf, startToQr } from '../helpers/e2e.js';
import { removeDir, startServer } from '../helpers/server-process.js';

/** A pid that certainly names no process: one that ran and was reaped. */
const deadPid = async (): Promise<number> => {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
};

describe('the DATA_DIR lock', () => {
  it('makes a second server on the same DATA_DIR exit 1 naming the first one, whose browsers live on', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-lock-'));
    context.onTestFinished(() => removeDir(dataDir));
    const first = await sandboxServer(context, {}, { dataDir, keepDataDir: true });
    await startToQr(first, 'sierra');
    const browser = await browserOf(first, 'sierra');

    const second = await startServer({ ...sandboxEnv }, { dataDir, waitForListening: false });
    context.onTestFinished(() => second.stop('SIGKILL').then(() => undefined));
    const { code } = await second.exited;

    expect(code).toBe(1);
    expect(second.stderr.join('')).toContain(
      `is in use by another wa-sessions server (pid ${String(first.child.pid)})`,
    );
    expect((await aliveInGroup(browser.pgid)).length).toBeGreaterThan(0);
    expect((await first.request('GET', '/sessions/sierra')).status).toBe(200);
  });

  it('takes over the lock of a server that is gone, and releases its own on exit', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-lock-'));
    context.onTestFinished(() => removeDir(dataDir));
    const gone = await deadPid();
    await writeFile(path.join(dataDir, LOCK_FILE), JSON.stringify({ pid: gone, startTime: '1' }));

    const server = await startServer({ ...sandboxEnv }, { dataDir });
    context.onTestFinished(() => server.stop('SIGKILL').then(() => undefined));
    const lock = JSON.parse(await readFile(path.join(dataDir, LOCK_FILE), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(server.child.pid);
    expect(
      server.logs.some(
        (l) => l.msg === 'Took over the DATA_DIR lock of a server that is gone' && l.pid === gone,
      ),
    ).toBe(true);

    expect((await server.stop('SIGTERM')).code).toBe(0);
    await expect(readFile(path.join(dataDir, LOCK_FILE), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('treats a live pid that started at another time (a reused pid), our own pid and a garbage file as stale', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-lock-'));
    context.onTestFinished(() => removeDir(dataDir));
    const file = path.join(dataDir, LOCK_FILE);
    for (const stale of [
      JSON.stringify({ pid: process.ppid, startTime: '1' }),
      JSON.stringify({ pid: process.pid, startTime: null }),
      'not a lock',
    ]) {
      await writeFile(file, stale);
      const result = await acquireDataDirLock(dataDir);
      expect(result.acquired, stale).toBe(true);
      if (result.acquired) result.release();
    }
    const held = await acquireDataDirLock(dataDir);
    expect(held.acquired).toBe(true);
    // A live holder (our parent, with its real start time) keeps it.
    const parentStart = (await readFile(`/proc/${process.ppid}/stat`, 'utf8')).split(') ')[1]?.split(' ')[19];
    if (held.acquired) held.release();
    await writeFile(file, JSON.stringify({ pid: process.ppid, startTime: parentStart }));
    expect(await acquireDataDirLock(dataDir)).toEqual({ acquired: false, holderPid: process.ppid });
  });
});
