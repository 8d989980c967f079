import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { hangs, rejects, targetClosed } from '../helpers/fake-client.js';
import { createManagerHarness, type ManagerHarness, thrownBy } from '../helpers/manager-harness.js';

let h: ManagerHarness;

afterEach(async () => {
  await h.dispose();
});

describe('start', () => {
  it('a new session is STARTING, then QR with the pending code, AUTHENTICATED, and READY with me', async () => {
    h = await createManagerHarness();
    const result = await h.manager.create('s1');
    expect(result).toMatchObject({ created: true, session: { id: 's1', state: 'STARTING', hasQr: false } });
    const client = h.clients.last('s1');
    expect(client.calls.initialize).toBe(1);

    const qr = client.emitQr();
    expect(h.manager.get('s1')).toMatchObject({ state: 'QR', hasQr: true });
    expect(h.manager.qr('s1').qr).toBe(qr);
    expect(h.eventsOf('session.qr', 's1').map((e) => e.payload)).toEqual([{ qr }]);

    const second = client.emitQr();
    expect(h.manager.qr('s1').qr).toBe(second);

    client.emitAuthenticated();
    expect(h.manager.get('s1')).toMatchObject({ state: 'AUTHENTICATED', hasQr: false });
    client.emitReady();
    expect(h.manager.get('s1')).toMatchObject({
      state: 'READY',
      me: { wid: '15550001111@c.us', name: 'Fake Phone' },
    });
  });

  it('a restored session may go from STARTING straight to READY', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    h.clients.last('s1').emitReady();
    expect(h.manager.get('s1').state).toBe('READY');
  });

  it('create while the session is live is 409 session_live and creates no client', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    h.clients.last('s1').emitQr();
    await expect(h.manager.create('s1')).rejects.toMatchObject({
      status: 409,
      code: 'session_live',
      details: { state: 'QR' },
    });
    expect(h.clients.clients).toHaveLength(1);
  });

  it.each(['../x', 'a/b', 'x'.repeat(65), '', 'a b', 'é'])(
    'invalid id %j is 400 invalid_session_id for every method and touches no disk',
    async (id) => {
      h = await createManagerHarness();
      const invalid = { status: 400, code: 'invalid_session_id' };
      await expect(h.manager.create(id)).rejects.toMatchObject(invalid);
      await expect(h.manager.delete(id)).rejects.toMatchObject(invalid);
      await expect(h.manager.stop(id)).rejects.toMatchObject(invalid);
      await expect(h.manager.sendMessage(id, 'x@c.us', { kind: 'text', text: 'hi' })).rejects.toMatchObject(
        invalid,
      );
      await expect(h.manager.requestPairingCode(id, '15550001111')).rejects.toMatchObject(invalid);
      expect(thrownBy(() => h.manager.get(id))).toMatchObject(invalid);
      expect(thrownBy(() => h.manager.qr(id))).toMatchObject(invalid);
      expect(h.clients.clients).toEqual([]);
      expect(readdirSync(h.dataDir)).toEqual([]);
    },
  );

  it('a 64-character id is accepted', async () => {
    h = await createManagerHarness();
    await expect(h.manager.create('a'.repeat(64))).resolves.toMatchObject({ created: true });
  });

  it('without a browser, create is 503 browser_missing and creates nothing', async () => {
    h = await createManagerHarness({ browserMissing: 'Install chromium-headless-shell.' });
    await expect(h.manager.create('s1')).rejects.toMatchObject({ status: 503, code: 'browser_missing' });
    expect(h.manager.browserMissing).toBe('Install chromium-headless-shell.');
    expect(h.has('s1')).toBe(false);
  });

  it('MAX_SESSIONS is enforced with 503 session_limit', async () => {
    h = await createManagerHarness({ config: { MAX_SESSIONS: 2 } });
    await h.manager.create('a');
    await h.manager.create('b');
    await expect(h.manager.create('c')).rejects.toMatchObject({ status: 503, code: 'session_limit' });
    expect(h.manager.list().map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('the webhook given at create is written beside the profile and shown in the snapshot', async () => {
    h = await createManagerHarness();
    const webhook = { url: 'https://example.test/hook', events: ['message.received'] };
    const { session } = await h.manager.create('s1', { webhook });
    expect(session.webhook).toEqual(webhook);
    expect(await h.folders.readMeta('s1')).toEqual({ webhook });
  });
});

describe('initialize() failures', () => {
  it('a rejecting initialize() makes the session FAILED with the reason, releases the client, and POST starts it again', async () => {
    h = await createManagerHarness({
      scripts: { initialize: rejects(() => new Error('Failed to launch the browser process!')) },
    });
    await h.manager.create('s1');
    await h.idle();
    const first = h.clients.last('s1');
    expect(h.manager.get('s1')).toMatchObject({
      state: 'FAILED',
      reason: 'Failed to launch the browser process!',
    });
    expect(first.calls.destroy).toBe(1);
    expect(first.disposed).toBe(true);
    expect(h.lines((r) => r.level === 'error')).toContain(
      'error Session s1 failed to start: Failed to launch the browser process!',
    );

    h.clients.scripts.initialize = async () => undefined;
    const again = await h.manager.create('s1');
    expect(again).toMatchObject({ created: false, session: { state: 'STARTING', reason: null } });
    expect(h.clients.last('s1')).not.toBe(first);
    expect(h.clients.violations).toEqual([]);
  });

  it('an initialize() that never settles makes the session FAILED after INIT_TIMEOUT_MS', async () => {
    h = await createManagerHarness({ scripts: { initialize: hangs() } });
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    client.emitQr();
    await h.advance(h.config.INIT_TIMEOUT_MS - 1);
    expect(h.manager.get('s1').state).toBe('QR');
    await h.advance(1);
    await h.idle();
    expect(h.manager.get('s1')).toMatchObject({
      state: 'FAILED',
      reason: `initialize() did not finish within ${h.config.INIT_TIMEOUT_MS} ms`,
    });
    expect(client.calls.destroy).toBe(1);
    expect(h.processes.isRunning(client.pid)).toBe(false);
  });

  it('an initialize() failure of a client that was already replaced changes nothing', async () => {
    h = await createManagerHarness();
    let failFirst: (err: Error) => void = () => undefined;
    h.clients.scripts.initialize = () =>
      new Promise<void>((_, reject) => {
        failFirst = reject;
      });
    await h.manager.create('s1');
    await h.manager.stop('s1');
    h.clients.scripts.initialize = async () => undefined;
    await h.manager.create('s1');
    const current = h.clients.last('s1');
    failFirst(targetClosed());
    await h.idle();
    expect(h.manager.get('s1').state).toBe('STARTING');
    expect(current.calls.destroy).toBe(0);
  });
});

describe('events of the client', () => {
  it('events of a replaced client are ignored after a restart', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const old = h.clients.last('s1');
    old.emitQr();
    // Keep the old client's listeners, as if dispose() had missed one: the generation check must hold.
    const listeners = {
      qr: old.listeners('qr'),
      disconnected: old.listeners('disconnected'),
      ready: old.listeners('ready'),
    };
    await h.manager.stop('s1');
    await h.manager.create('s1');
    const current = h.clients.last('s1');
    current.emitQr('current-qr');

    for (const listener of listeners.qr) (listener as (qr: string) => void)('stale-qr');
    for (const listener of listeners.ready) (listener as () => void)();
    for (const listener of listeners.disconnected) (listener as (reason: string) => void)('LOGOUT');
    await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS * 2);
    await h.idle();

    expect(h.manager.get('s1')).toMatchObject({ state: 'QR', reason: null });
    expect(h.manager.qr('s1').qr).toBe('current-qr');
    expect(current.calls.destroy).toBe(0);
    expect(h.eventsOf('session.qr', 's1').map((e) => e.payload)).not.toContainEqual({ qr: 'stale-qr' });
  });

  it('a released client has no listener left', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    expect(client.listenerCount('disconnected')).toBeGreaterThan(0);
    await h.manager.stop('s1');
    expect(client.calls.dispose).toBe(1);
    expect(client.eventNames()).toEqual([]);
  });

  it('browser_exited while READY makes the session FAILED (BROWSER_EXITED) and releases the client', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    client.link();
    client.crashBrowser();
    expect(h.manager.get('s1')).toMatchObject({ state: 'FAILED', reason: 'BROWSER_EXITED' });
    await h.idle();
    expect(client.calls.destroy).toBe(1);
    expect(client.disposed).toBe(true);
    expect(h.folderEntries('s1')).toEqual(['Default']);

    const again = await h.manager.create('s1');
    expect(again).toMatchObject({ created: false, session: { state: 'STARTING' } });
  });

  it('a disconnect after the session is already DISCONNECTED is ignored', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    client.link();
    client.emitDisconnected('NAVIGATION');
    client.emitDisconnected('LOGOUT');
    expect(h.manager.get('s1')).toMatchObject({ state: 'DISCONNECTED', reason: 'NAVIGATION' });
  });

  it('incoming messages and acks are published for the current client', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    client.link();
    const message = client.emitMessage({ body: 'hi there' });
    client.emit('message_ack', { id: 'm1', ack: 3 });
    expect(h.eventsOf('message.received', 's1').map((e) => e.payload)).toEqual([message]);
    expect(h.eventsOf('message.ack', 's1').map((e) => e.payload)).toEqual([{ id: 'm1', ack: 3 }]);
  });
});

describe('stop', () => {
  it('closes the client without logging out, keeps the folder, and a later create starts it again', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const first = h.clients.last('s1');
    first.link();
    const stopped = await h.manager.stop('s1');
    expect(stopped).toMatchObject({ state: 'STOPPED', reason: 'STOPPED' });
    expect(first.calls.logout).toBe(0);
    expect(first.calls.destroy).toBe(1);
    expect(h.folderEntries('s1')).toEqual(['Default']);
    expect(await h.manager.stop('s1')).toMatchObject({ state: 'STOPPED' });

    const again = await h.manager.create('s1');
    expect(again).toMatchObject({ created: false, session: { state: 'STARTING' } });
    expect(h.clients.last('s1').profileAtStart).toEqual(['Default']);
    expect(h.clients.violations).toEqual([]);
  });

  it('of an unknown session is 404', async () => {
    h = await createManagerHarness();
    await expect(h.manager.stop('nobody')).rejects.toMatchObject({ status: 404, code: 'session_not_found' });
  });

  it('with a destroy() that hangs is bounded by DESTROY_TIMEOUT_MS and kills the browser', async () => {
    h = await createManagerHarness({ scripts: { destroy: hangs() } });
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    const outcome = await h.drive(h.manager.stop('s1'));
    expect(outcome).toMatchObject({ status: 'fulfilled', value: { state: 'STOPPED' } });
    expect(h.processes.killCalls.map((c) => c.pid)).toEqual([client.pid]);
    expect(existsSync(h.folders.folderOf('s1'))).toBe(true);
  });
});

describe('requests to a session', () => {
  it('sendMessage when not READY is 409 session_not_ready with the state', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    await expect(
      h.manager.sendMessage('s1', '15550002222@c.us', { kind: 'text', text: 'hi' }),
    ).rejects.toMatchObject({ status: 409, code: 'session_not_ready', details: { state: 'STARTING' } });
    expect(h.clients.last('s1').calls.sendMessage).toBe(0);
  });

  it('sendMessage when READY goes to the client; a client error is 502 send_failed; a hang is bounded', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    client.link();
    const content = { kind: 'text', text: 'hi' } as const;
    await expect(
      h.manager.sendMessage('s1', '15550002222@c.us', content, { quotedMessageId: 'q1' }),
    ).resolves.toEqual({ id: 'true_123@c.us_MSG1' });
    expect(client.sent).toEqual([
      { chatId: '15550002222@c.us', content, options: { quotedMessageId: 'q1' } },
    ]);

    client.scripts.sendMessage = rejects(targetClosed);
    await expect(h.manager.sendMessage('s1', '15550002222@c.us', content)).rejects.toMatchObject({
      status: 502,
      code: 'send_failed',
    });

    client.scripts.sendMessage = hangs();
    const outcome = await h.drive(h.manager.sendMessage('s1', '15550002222@c.us', content), 1000);
    expect(outcome).toMatchObject({ status: 'rejected', reason: { status: 504, code: 'timeout' } });
  });

  it('qr() with none pending is 409 no_qr', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    expect(thrownBy(() => h.manager.qr('s1'))).toMatchObject({
      status: 409,
      code: 'no_qr',
      details: { state: 'STARTING' },
    });
    expect(thrownBy(() => h.manager.qr('nobody'))).toMatchObject({ status: 404 });
  });

  it('a pairing code is asked only while QR is shown', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    await expect(h.manager.requestPairingCode('s1', '15550001111')).rejects.toMatchObject({
      status: 409,
      code: 'not_pairing',
    });
    client.emitQr();
    await expect(h.manager.requestPairingCode('s1', '15550001111')).resolves.toBe('ABCD-EFGH');
    client.scripts.requestPairingCode = rejects(targetClosed);
    await expect(h.manager.requestPairingCode('s1', '15550001111')).rejects.toMatchObject({
      status: 502,
      code: 'pairing_failed',
    });
  });

  it('page() with no browser is 409 no_browser', async () => {
    h = await createManagerHarness();
    await h.manager.create('s1');
    expect(thrownBy(() => h.manager.page('s1'))).toMatchObject({ status: 409, code: 'no_browser' });
  });
});
