import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createDefaultSession } from '../../src/sessions/default-session.js';
import { createManagerHarness, type ManagerHarness } from '../helpers/manager-harness.js';

let h: ManagerHarness;
let close: () => void = () => undefined;

afterEach(async () => {
  close();
  await h.dispose();
});

const setup = async (options: Parameters<typeof createManagerHarness>[0] = {}) => {
  h = await createManagerHarness(options);
  const defaultSession = createDefaultSession({
    id: 'main',
    manager: h.manager,
    bus: h.bus,
    logger: createLogger({ level: 'silent' }),
  });
  close = () => defaultSession.close();
  return defaultSession;
};

describe('DEFAULT_SESSION', () => {
  it('is created at start-up through the SessionManager and shows a QR', async () => {
    const defaultSession = await setup();
    await defaultSession.start();
    expect(h.manager.get('main').state).toBe('STARTING');
    h.clients.last('main').emitQr();
    expect(h.manager.qr('main').qr).toMatch(/^qr-/);
  });

  it('is not created twice when restore() already brought it back', async () => {
    const defaultSession = await setup();
    await h.manager.create('main');
    await defaultSession.start();
    expect(h.clients.forId('main')).toHaveLength(1);
  });

  it('comes back with a new client and a new QR after its LOGOUT cleanup', async () => {
    const defaultSession = await setup();
    await defaultSession.start();
    const first = h.clients.last('main');
    const firstQr = first.emitQr();
    first.link();
    first.emitDisconnected('LOGOUT');
    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
    await h.idle();
    await h.until(() => h.clients.forId('main').length === 2, 'a second client for the default session');

    const second = h.clients.last('main');
    expect(second).not.toBe(first);
    expect(first.calls.destroy).toBe(1);
    const secondQr = second.emitQr();
    expect(secondQr).not.toBe(firstQr);
    expect(h.manager.get('main')).toMatchObject({ state: 'QR', hasQr: true });
    // The new client started on an empty folder: the old credentials went with the cleanup.
    expect(second.profileAtStart ?? []).toEqual([]);
  });

  it('stays gone for the life of the process after DELETE', async () => {
    const defaultSession = await setup();
    await defaultSession.start();
    h.clients.last('main').emitQr();
    await h.manager.delete('main');
    await h.idle();
    expect(h.has('main')).toBe(false);
    expect(h.clients.forId('main')).toHaveLength(1);
    await defaultSession.start();
    expect(h.has('main')).toBe(false);
  });

  it('stops listening when closed', async () => {
    const defaultSession = await setup();
    const before = h.bus.listenerCount();
    defaultSession.close();
    expect(h.bus.listenerCount()).toBe(before - 1);
  });
});
