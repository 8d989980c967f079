import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createManagerHarness, type ManagerHarness } from '../helpers/manager-harness.js';

let h: ManagerHarness;
const unhandled = vi.fn();

beforeEach(() => {
  unhandled.mockClear();
  process.on('unhandledRejection', unhandled);
});

afterEach(async () => {
  process.off('unhandledRejection', unhandled);
  await h.dispose();
});

const logoutAndCleanup = async (id: string) => {
  const client = h.clients.last(id);
  client.link();
  client.emitDisconnected('LOGOUT');
  await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
  await h.idle();
  return client;
};

describe('a session folder that cannot be removed (EBUSY)', () => {
  it('is retried with backoff, then moved into the trash; nothing throws, the session is removed, and the same id starts on an empty folder', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const rmCalls: string[] = [];
    h.faults.rm = async (target) => {
      rmCalls.push(target);
      throw Object.assign(new Error(`EBUSY: resource busy or locked, rmdir '${target}'`), { code: 'EBUSY' });
    };

    await logoutAndCleanup('s1');
    expect(h.has('s1')).toBe(false);
    expect(h.eventsOf('session.removed', 's1')).toHaveLength(1);
    expect(rmCalls).toHaveLength(4);
    expect(h.retrySleeps).toEqual([100, 300, 900]);
    expect(h.folderEntries('s1')).toBeNull();
    expect(h.trashEntries()).toHaveLength(1);
    expect(h.trashEntries()[0]).toMatch(/^session-s1-/);
    expect(h.lines((r) => r.level === 'warn')).toContain(
      'warn Could not remove the session folder; moving it aside',
    );
    expect(h.lines()).toContain('info Session s1 cleaned up');

    const again = await h.manager.create('s1');
    expect(again.created).toBe(true);
    expect(h.clients.last('s1').profileAtStart).toBeNull();
    expect(h.clients.violations).toEqual([]);
    await h.advance(0);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('the trash is swept again later, and emptied once removal works', async () => {
    h = await createManagerHarness({ trashSweepMs: 10_000 });
    await h.manager.create('s1');
    h.failRemoval('EBUSY');
    await logoutAndCleanup('s1');
    expect(h.trashEntries()).toHaveLength(1);

    await h.advance(10_000);
    await h.until(() => true, 'a sweep ran');
    expect(h.trashEntries()).toHaveLength(1);

    h.healFolders();
    await h.advance(10_000);
    await h.until(() => h.trashEntries().length === 0, 'the trash is empty');
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('when it can be neither removed nor moved aside, a new start with that id is refused with 503 folder_locked, and succeeds once removal works', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    h.failRemoval('EBUSY');
    h.failRename('EPERM');

    await logoutAndCleanup('s1');
    expect(h.has('s1')).toBe(false);
    expect(h.folderEntries('s1')).toEqual(['Default']);
    expect(h.lines((r) => r.level === 'error')).toContain(
      'error Could not move the session folder aside; it stays until it can be removed',
    );

    const clientsBefore = h.clients.clients.length;
    await expect(h.manager.create('s1')).rejects.toMatchObject({ status: 503, code: 'folder_locked' });
    expect(h.clients.clients).toHaveLength(clientsBefore);
    expect(h.has('s1')).toBe(false);

    h.healFolders();
    const again = await h.manager.create('s1');
    expect(again).toMatchObject({ created: true, session: { state: 'STARTING' } });
    expect(h.clients.last('s1').profileAtStart).toBeNull();
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('with AUTO_CLEANUP_ON_LOGOUT=false, a start refused with folder_locked leaves the session startable again, not stuck in a live state', async () => {
    h = await createManagerHarness({ config: { AUTO_CLEANUP_ON_LOGOUT: false } });
    await h.manager.create('s1');
    h.failRemoval('EBUSY');
    h.failRename('EPERM');
    await logoutAndCleanup('s1');
    expect(h.manager.get('s1')).toMatchObject({ state: 'DISCONNECTED', reason: 'LOGOUT' });

    await expect(h.manager.create('s1')).rejects.toMatchObject({ status: 503, code: 'folder_locked' });
    expect(h.manager.get('s1')).toMatchObject({ state: 'FAILED' });
    expect(h.manager.get('s1').reason).toContain('cannot be removed yet');

    h.healFolders();
    const again = await h.manager.create('s1');
    expect(again).toMatchObject({ created: false, session: { state: 'STARTING' } });
    expect(h.clients.last('s1').profileAtStart).toBeNull();
    expect(h.clients.violations).toEqual([]);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('delete of a session whose folder is EBUSY resolves and moves the folder aside', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    h.failRemoval('EBUSY');
    await expect(h.manager.delete('s1')).resolves.toBeUndefined();
    expect(h.has('s1')).toBe(false);
    expect(h.folderEntries('s1')).toBeNull();
    expect(h.trashEntries()).toHaveLength(1);
    expect(unhandled).not.toHaveBeenCalled();
  });
});
