import { afterEach, describe, expect, it } from 'vitest';
import {
  createManagerHarness,
  type ManagerHarness,
  readySession,
  thrownBy,
} from '../helpers/manager-harness.js';

let h: ManagerHarness;

afterEach(async () => {
  await h.dispose();
});

describe('LOGOUT with AUTO_CLEANUP_ON_LOGOUT=true', () => {
  it('waits LOGOUT_CLEANUP_DELAY_MS, then destroys the client once, removes the folder and the session, logging in order', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    const folder = h.folders.folderOf('s1');
    expect(h.folderEntries('s1')).not.toBeNull();

    client.emitDisconnected('LOGOUT');
    expect(h.manager.get('s1')).toMatchObject({ state: 'DISCONNECTED', reason: 'LOGOUT' });

    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS - 1);
    expect(client.calls.destroy).toBe(0);
    expect(h.has('s1')).toBe(true);
    expect(h.folderEntries('s1')).not.toBeNull();

    await h.advance(1);
    await h.idle();
    expect(client.calls.destroy).toBe(1);
    expect(client.calls.logout).toBe(0);
    expect(h.folderEntries('s1')).toBeNull();
    expect(h.manager.list()).toEqual([]);
    expect(thrownBy(() => h.manager.get('s1'))).toMatchObject({ status: 404, code: 'session_not_found' });
    expect(h.eventsOf('session.removed', 's1')).toHaveLength(1);
    expect(h.processes.running.size).toBe(0);

    const mine = h.lines((r) => r.sessionId === 's1' && (r.level === 'info' || r.level === 'warn'));
    const expected = [
      'warn Session s1 disconnected: LOGOUT',
      'info Auto-cleaning session s1 after logout...',
      'info Cleaning up session s1',
      'info Session s1 cleaned up',
    ];
    expect(mine.filter((line) => expected.includes(line))).toEqual(expected);
    expect(folder).toContain('session-s1');
  });

  it('publishes the disconnect with its reason before the removal', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.emitDisconnected('LOGOUT');
    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
    await h.idle();
    const types = h.events
      .filter((e) => e.sessionId === 's1')
      .map((e) => (e.type === 'session.status' ? `status:${e.payload.state}:${e.payload.reason}` : e.type));
    expect(types.slice(-3)).toEqual([
      'status:DISCONNECTED:LOGOUT',
      'status:CLOSING:LOGOUT',
      'session.removed',
    ]);
  });
});

describe('LOGOUT with AUTO_CLEANUP_ON_LOGOUT=false', () => {
  it('keeps the session DISCONNECTED (LOGOUT), releases its client after the delay, and starts it again with a new client and a fresh QR', async () => {
    h = await createManagerHarness({ config: { AUTO_CLEANUP_ON_LOGOUT: false } });
    const first = await readySession(h, 's1');
    first.emitDisconnected('LOGOUT');

    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS - 1);
    expect(first.calls.destroy).toBe(0);
    await h.advance(1);
    await h.idle();

    expect(first.calls.destroy).toBe(1);
    expect(first.disposed).toBe(true);
    expect(h.manager.get('s1')).toMatchObject({ state: 'DISCONNECTED', reason: 'LOGOUT', hasQr: false });
    expect(h.eventsOf('session.removed')).toHaveLength(0);
    // The credentials in the folder are dead: the next start begins with an empty folder.
    expect(h.folderEntries('s1')).toBeNull();

    const again = await h.manager.create('s1');
    expect(again.created).toBe(false);
    expect(again.session.state).toBe('STARTING');
    const second = h.clients.last('s1');
    expect(second).not.toBe(first);
    expect(second.profileAtStart).toBeNull();
    const qr = second.emitQr();
    expect(h.manager.get('s1').state).toBe('QR');
    expect(h.manager.qr('s1').qr).toBe(qr);
    expect(h.clients.violations).toEqual([]);
  });

  it('a start within the delay closes the old client first and cancels the delayed release', async () => {
    h = await createManagerHarness({ config: { AUTO_CLEANUP_ON_LOGOUT: false } });
    const first = await readySession(h, 's1');
    first.emitDisconnected('LOGOUT');
    await h.advance(1000);

    const again = await h.manager.create('s1');
    expect(again.created).toBe(false);
    expect(first.calls.destroy).toBe(1);
    const second = h.clients.last('s1');
    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS * 2);
    await h.idle();
    expect(second.calls.destroy).toBe(0);
    expect(h.manager.get('s1').state).toBe('STARTING');
    expect(h.clients.violations).toEqual([]);
  });
});

describe.each(['NAVIGATION', 'CONFLICT', 'TOS_BLOCK'])('a %s disconnect', (reason) => {
  it('records the reason, deletes no folder, and releases the client after the delay', async () => {
    h = await createManagerHarness();
    const client = await readySession(h, 's1');
    client.emitDisconnected(reason);

    expect(h.manager.get('s1')).toMatchObject({ state: 'DISCONNECTED', reason });
    expect(h.manager.get('s1').disconnectedAt).not.toBeNull();
    expect(h.lines((r) => r.level === 'warn')).toContain(`warn Session s1 disconnected: ${reason}`);

    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
    await h.idle();
    expect(client.calls.destroy).toBe(1);
    expect(client.calls.logout).toBe(0);
    expect(h.processes.running.has(client.pid)).toBe(false);
    expect(h.folderEntries('s1')).toEqual(['Default']);
    expect(h.manager.get('s1')).toMatchObject({ state: 'DISCONNECTED', reason });
    expect(h.eventsOf('session.removed')).toHaveLength(0);
    expect(h.lines()).not.toContain('info Auto-cleaning session s1 after logout...');

    const again = await h.manager.create('s1');
    expect(again.created).toBe(false);
    expect(h.clients.last('s1').profileAtStart).toEqual(['Default']);
  });
});

describe('stop during the LOGOUT delay', () => {
  it.each([true, false])(
    'with AUTO_CLEANUP_ON_LOGOUT=%s does not keep the dead credentials: the next start begins on an empty folder',
    async (auto) => {
      h = await createManagerHarness({ config: { AUTO_CLEANUP_ON_LOGOUT: auto } });
      const first = await readySession(h, 's1');
      first.emitDisconnected('LOGOUT');
      await h.advance(1000);

      await expect(h.manager.stop('s1')).resolves.toMatchObject({ state: 'STOPPED' });
      expect(first.calls.destroy).toBe(1);
      expect(h.folderEntries('s1')).toBeNull();
      await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
      await h.idle();
      expect(first.calls.destroy).toBe(1);

      await h.manager.create('s1');
      expect(h.clients.last('s1').profileAtStart).toBeNull();
    },
  );
});
