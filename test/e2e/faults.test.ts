import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aliveInGroup,
  browserOf,
  folderNames,
  getSession,
  post,
  sessionFolder,
  startToQr,
  startToReady,
  waitForSession,
  waitForState,
  waitUntil,
  zombiesOf,
} from '../helpers/e2e.js';
import { sandboxServer } from './harness.js';

/**
 * A real EBUSY needs a mount point inside the folder: Linux removes a live Chromium profile without
 * complaint (open files do not block unlink), but rmdir of a mount point fails with EBUSY in the
 * kernel, as Windows fails on Chromium's lockfile. That needs the right to mount (root, and a sandbox
 * that allows it), probed first on a scratch folder; elsewhere the server process is started with a
 * preload that makes fs.promises.rm fail with EBUSY for that folder.
 */
const tryMount = (target: string): boolean => {
  mkdirSync(target, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'wa-sessions-test', target], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const canMountHere = (): boolean => {
  const probe = mkdtempSync(path.join(tmpdir(), 'wa-sessions-mount-probe-'));
  try {
    if (!tryMount(probe)) return false;
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
};

describe('faults injected for real', () => {
  it('survives a LOGOUT whose folder cannot be removed: session gone, server up, the same id starts clean', async (context) => {
    const fixture = path.resolve(import.meta.dirname, 'fixtures', 'fail-rm.mjs');
    const canMount = canMountHere();
    const server = await sandboxServer(
      context,
      canMount ? {} : { FAIL_RM_MATCH: `session-echo` },
      canMount ? {} : { nodeArgs: ['--import', fixture] },
    );
    await startToReady(server, 'echo');
    const folder = sessionFolder(server, 'echo');
    const mountPoint = path.join(folder, 'held-open');
    const mounted = canMount && tryMount(mountPoint);
    context.onTestFinished(() => {
      if (!mounted) return;
      const trash = path.join(server.dataDir, 'trash');
      try {
        execFileSync('sh', ['-c', `umount ${trash}/*/held-open ${mountPoint} 2>/dev/null; true`]);
      } catch {
        // Nothing mounted any more.
      }
    });
    expect(mounted || !canMount).toBe(true);

    await post(server, '/sessions/echo/simulator/logout');
    await waitForSession(server, 'echo', (s) => s === null);
    expect(server.logs.some((l) => l.msg === 'Could not remove the session folder; moving it aside')).toBe(
      true,
    );
    expect(existsSync(folder)).toBe(false);
    expect(
      (await folderNames(path.join(server.dataDir, 'trash'))).some((n) => n.startsWith('session-echo-')),
    ).toBe(true);
    expect((await server.request('GET', '/sessions')).status).toBe(200);

    // Clean: the simulator's "paired" flag lived in the old profile, so a clean start asks for a QR.
    await startToQr(server, 'echo');
  });

  it('answers DELETE within DESTROY_TIMEOUT_MS when the browser is frozen (SIGSTOP), and leaves no process', async (context) => {
    const server = await sandboxServer(context, { DESTROY_TIMEOUT_MS: '2000' });
    await startToQr(server, 'foxtrot');
    const browser = await browserOf(server, 'foxtrot');
    process.kill(-browser.pgid, 'SIGSTOP');

    const sentAt = Date.now();
    const res = await server.request('DELETE', '/sessions/foxtrot');
    const took = Date.now() - sentAt;
    expect(res.status).toBe(204);
    expect(took).toBeLessThan(2000 + 1500);
    // Probed first: a browser that does not answer is killed at once, not asked to close.
    expect(server.logs.some((l) => l.msg === 'Browser of session foxtrot does not answer: killing it')).toBe(
      true,
    );
    expect(await aliveInGroup(browser.pgid)).toEqual([]);
    expect(await getSession(server, 'foxtrot')).toBeNull();
  });

  it('bounds DELETE of a READY session with a frozen browser by LOGOUT_TIMEOUT_MS + DESTROY_TIMEOUT_MS', async (context) => {
    const server = await sandboxServer(context, { DESTROY_TIMEOUT_MS: '1500', LOGOUT_TIMEOUT_MS: '1500' });
    await startToReady(server, 'golf');
    const browser = await browserOf(server, 'golf');
    process.kill(-browser.pgid, 'SIGSTOP');

    const sentAt = Date.now();
    const res = await server.request('DELETE', '/sessions/golf');
    expect(res.status).toBe(204);
    expect(Date.now() - sentAt).toBeLessThan(1500 + 1500 + 1500);
    expect(await aliveInGroup(browser.pgid)).toEqual([]);
  });

  it('moves a session whose browser is killed (SIGKILL) out of READY with a reason, reaps it, and POST starts it again', async (context) => {
    const server = await sandboxServer(context);
    await startToReady(server, 'hotel');
    const browser = await browserOf(server, 'hotel');
    process.kill(browser.pid, 'SIGKILL');

    const failed = await waitForState(server, 'hotel', 'FAILED');
    expect(failed?.reason).toBe('BROWSER_EXITED');
    await waitUntil('the browser group is gone', async () => (await aliveInGroup(browser.pgid)).length === 0);
    const serverPid = server.child.pid ?? -1;
    await waitUntil('no zombie left under the server', async () => (await zombiesOf(serverPid)).length === 0);

    // A killed Chromium may not have flushed the page's storage, so the new start may ask for a QR
    // or come back READY: either way a new browser runs the session.
    await post(server, '/sessions/hotel', undefined, 200);
    await waitForSession(server, 'hotel', (s) => s?.state === 'QR' || s?.state === 'READY');
    const again = await browserOf(server, 'hotel');
    expect(again.pid).not.toBe(browser.pid);
  });
});
