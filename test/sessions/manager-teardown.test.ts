import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hangs, rejects, targetClosed } from '../helpers/fake-client.js';
import { createManagerHarness, type ManagerHarness, readySession } from '../helpers/manager-harness.js';

let h: ManagerHarness;

afterEach(async () => {
  await h.dispose();
});

describe('cleanup after LOGOUT when destroy() misbehaves', () => {
  it('a destroy() that never settles is given up after DESTROY_TIMEOUT_MS: warned, browser group killed, session and folder removed', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.scripts.destroy = hangs();
    client.emitDisconnected('LOGOUT');

    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
    expect(client.calls.destroy).toBe(1);
    await h.advance(h.config.DESTROY_TIMEOUT_MS - 1);
    expect(h.has('s1')).toBe(true);
    expect(h.processes.killCalls).toEqual([]);

    await h.advance(1);
    await h.idle();
    expect(h.has('s1')).toBe(false);
    expect(h.processes.killCalls.map((c) => c.pid)).toEqual([client.pid]);
    expect(h.processes.running.has(client.pid)).toBe(false);
    expect(h.folderEntries('s1')).toBeNull();
    expect(client.disposed).toBe(true);
    const warning = h.logs.find((r) => r.level === 'warn' && r.msg.startsWith('Error destroying client'));
    expect(warning?.msg).toBe(
      `Error destroying client for session s1: destroy() did not finish within ${h.config.DESTROY_TIMEOUT_MS} ms`,
    );
    expect(h.lines().indexOf('info Session s1 cleaned up')).toBeGreaterThan(
      h.lines().indexOf(`warn ${warning?.msg}`),
    );
  });

  it('a destroy() that throws "Target closed" is warned, the browser killed, the session and folder removed', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.scripts.destroy = rejects(targetClosed);
    client.emitDisconnected('LOGOUT');

    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
    await h.idle();
    expect(h.lines((r) => r.level === 'warn')).toContain(
      'warn Error destroying client for session s1: Protocol error (Runtime.callFunctionOn): Target closed',
    );
    expect(h.processes.killCalls.map((c) => c.pid)).toEqual([client.pid]);
    expect(h.has('s1')).toBe(false);
    expect(h.folderEntries('s1')).toBeNull();
    expect(h.eventsOf('session.removed', 's1')).toHaveLength(1);
  });

  it('a browser that survives SIGKILL is logged as an error and the session is removed anyway', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.scripts.destroy = rejects(targetClosed);
    h.processes.unkillable.add(client.pid);
    client.emitDisconnected('LOGOUT');

    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
    await h.idle();
    expect(h.lines((r) => r.level === 'error')).toContain(
      'error Browser processes still alive after SIGKILL',
    );
    expect(h.has('s1')).toBe(false);
  });
});

describe('delete', () => {
  it('of a READY session whose logout() throws still destroys the client, resolves, and removes everything', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.scripts.logout = rejects(targetClosed);

    await expect(h.manager.delete('s1')).resolves.toBeUndefined();
    expect(client.calls.logout).toBe(1);
    expect(client.calls.destroy).toBe(1);
    expect(h.has('s1')).toBe(false);
    expect(h.folderEntries('s1')).toBeNull();
    expect(h.lines((r) => r.level === 'warn')).toContain(
      'warn Logout of session s1 failed; tearing it down anyway',
    );
    expect(h.eventsOf('session.removed', 's1').map((e) => e.payload)).toEqual([{ reason: 'DELETED' }]);
  });

  it('of a READY session whose logout() hangs is bounded by LOGOUT_TIMEOUT_MS, then tears down', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.scripts.logout = hangs();

    let settled = false;
    const deletion = h.manager.delete('s1').then(() => {
      settled = true;
    });
    await h.advance(h.config.LOGOUT_TIMEOUT_MS - 1);
    expect(settled).toBe(false);
    expect(client.calls.destroy).toBe(0);
    await h.advance(1);
    await deletion;
    expect(client.calls.destroy).toBe(1);
    expect(h.has('s1')).toBe(false);
    expect(h.folderEntries('s1')).toBeNull();
  });

  it('of a READY session whose browser does not answer the probe neither logs out nor asks it to close: killed at once', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.scripts.probe = hangs();

    let settled = false;
    const deletion = h.manager.delete('s1').then(() => {
      settled = true;
    });
    const probeMs = Math.min(2000, Math.max(250, Math.floor(h.config.DESTROY_TIMEOUT_MS / 2)));
    await h.advance(probeMs);
    await deletion;
    expect(settled).toBe(true);
    // Probed once (by delete), not again by the closer.
    expect(client.calls.probe).toBe(1);
    expect(client.calls.logout).toBe(0);
    expect(client.calls.destroy).toBe(0);
    expect(client.abandoned).toBe(true);
    expect(h.processes.killCalls.map((c) => c.pid)).toEqual([client.pid]);
    expect(h.has('s1')).toBe(false);
    expect(h.folderEntries('s1')).toBeNull();
    expect(h.lines((r) => r.level === 'warn')).toContain(
      'warn Browser of session s1 does not answer: not logging out, killing it',
    );
  });

  it('stop of a session whose browser does not answer the probe kills it without destroy()', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.scripts.probe = hangs();

    const stopping = h.manager.stop('s1');
    await h.advance(Math.min(2000, Math.max(250, Math.floor(h.config.DESTROY_TIMEOUT_MS / 2))));
    expect((await stopping).state).toBe('STOPPED');
    expect(client.calls.destroy).toBe(0);
    expect(h.processes.killCalls.map((c) => c.pid)).toEqual([client.pid]);
    expect(h.lines((r) => r.level === 'warn')).toContain(
      'warn Browser of session s1 does not answer: killing it',
    );
  });

  it('of a session that is not READY does not log out', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    client.emitQr();

    await h.manager.delete('s1');
    expect(client.calls.logout).toBe(0);
    expect(client.calls.destroy).toBe(1);
    expect(h.has('s1')).toBe(false);
  });

  it('of a session whose logout() and destroy() both hang is bounded by LOGOUT_TIMEOUT_MS + DESTROY_TIMEOUT_MS', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.scripts.logout = hangs();
    client.scripts.destroy = hangs();

    let settled = false;
    const deletion = h.manager.delete('s1').then(() => {
      settled = true;
    });
    await h.advance(h.config.LOGOUT_TIMEOUT_MS + h.config.DESTROY_TIMEOUT_MS - 1);
    expect(settled).toBe(false);
    await h.advance(1);
    await deletion;
    expect(h.processes.killCalls.map((c) => c.pid)).toEqual([client.pid]);
    expect(h.has('s1')).toBe(false);
  });

  it('cancels a pending LOGOUT cleanup, so the client is destroyed only once', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.emitDisconnected('LOGOUT');
    await h.manager.delete('s1');
    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS * 2);
    await h.idle();
    expect(client.calls.destroy).toBe(1);
    expect(client.calls.logout).toBe(0);
    expect(h.eventsOf('session.removed', 's1')).toHaveLength(1);
  });

  it('of an unknown id is 404, but removes a folder left on disk', async () => {
    h = await createManagerHarness();
    await expect(h.manager.delete('nobody')).rejects.toMatchObject({
      status: 404,
      code: 'session_not_found',
    });
    // A folder a previous run left behind, whose session is not in the Map (restore was off).
    mkdirSync(path.join(h.folders.folderOf('left'), 'Default'), { recursive: true });
    await expect(h.manager.delete('left')).resolves.toBeUndefined();
    expect(h.folderEntries('left')).toBeNull();
    expect(h.clients.clients).toEqual([]);
  });
});
