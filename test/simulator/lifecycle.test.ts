import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, type ExpectStatic, expect, it } from 'vitest';
import type { Message } from 'whatsapp-web.js';
import { isAppError } from '../../src/errors.js';
import { SIMULATOR_WEB_VERSION } from '../../src/simulator/web-cache.js';
import { createRealClient, liveProcessesInGroup, type RealClient } from '../helpers/real-client.js';

// Every session runs the real whatsapp-web.js 1.34.7 in real Chromium against the simulator page.

const QR_SHAPE = /^2@[A-Za-z0-9+/=]+,[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=,WEB$/;
const PEER = '4915112345678@c.us';

const timings: Record<string, number[]> = {
  'initialize→qr': [],
  'scan→ready': [],
  'restore→ready': [],
  destroy: [],
};
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const summary = Object.entries(timings).map(([k, xs]) => `${k} median ${median(xs)} ms (n=${xs.length})`);
  console.info(`simulator timings: ${summary.join('; ')}`);
  // The library has code paths that reject unhandled (see driver.logout); none may be hit here.
  expect(unhandled).toEqual([]);
});

/** Bounded destroy that also proves Chromium left no live process behind. */
const shutdown = async (rc: RealClient, expect: ExpectStatic, { removeRoot = true } = {}) => {
  const pid = rc.browserPid();
  const running = rc.client.pupBrowser?.isConnected() === true;
  const started = Date.now();
  const { leftover } = removeRoot ? await rc.cleanup() : await rc.destroy();
  if (running) timings.destroy?.push(Date.now() - started);
  expect(leftover).toEqual([]);
  if (pid !== undefined) expect(liveProcessesInGroup(pid)).toEqual([]);
};

/** initialize() and wait for the first qr, recording the time it took. */
const startUnpaired = async (rc: RealClient) => {
  const started = Date.now();
  await rc.initialize();
  const qr = await rc.events.waitFor('qr');
  timings['initialize→qr']?.push(Date.now() - started);
  return String(qr.args[0]);
};

const pair = async (rc: RealClient, opts?: { phone?: string; pushname?: string }) => {
  const since = rc.events.mark();
  const started = Date.now();
  await rc.driver().scan(opts);
  await rc.events.waitFor('ready', { since });
  timings['scan→ready']?.push(Date.now() - started);
};

/**
 * A first client and, later, a second one on the same folder: whatever happens, both are destroyed
 * (the first one again, harmlessly, if the test already did) and the folder is removed last.
 */
const successive = async (onTestFinished: (fn: () => Promise<void>) => void, expect: ExpectStatic) => {
  const first = await createRealClient();
  let second: RealClient | undefined;
  onTestFinished(async () => {
    await shutdown(first, expect, { removeRoot: second === undefined });
    if (second) await shutdown(second, expect);
  });
  return {
    first,
    restart: async () => {
      second = await createRealClient({ root: first.root });
      return second;
    },
  };
};

describe.concurrent('whatsapp-web.js on the simulator page', () => {
  it('emits a qr of the real shape, a new one on rotation, and serves the page from the cache', async ({
    expect,
    onTestFinished,
  }) => {
    const rc = await createRealClient();
    onTestFinished(() => shutdown(rc, expect));
    const first = await startUnpaired(rc);
    expect(first).toMatch(QR_SHAPE);

    const since = rc.events.mark();
    const ref = await rc.driver().rotateQr();
    const second = String((await rc.events.waitFor('qr', { since })).args[0]);
    expect(second).toMatch(QR_SHAPE);
    expect(second).not.toBe(first);
    expect(second.startsWith(`${ref},`)).toBe(true);
    // Only the ref changes; the keys stay for the life of the page.
    expect(second.split(',').slice(1)).toEqual(first.split(',').slice(1));

    expect(await rc.client.getWWebVersion()).toBe(SIMULATOR_WEB_VERSION);
    expect(await readdir(path.join(rc.root, 'cache'))).toEqual([`${SIMULATOR_WEB_VERSION}.html`]);
    const status = await rc.driver().status();
    expect(status).toMatchObject({ state: 'UNPAIRED', paired: false, me: null, ref });
  });

  it('links on scan, receives and sends messages, then restores on the same folder without a qr', async ({
    expect,
    onTestFinished,
  }) => {
    const { first: rc, restart } = await successive(onTestFinished, expect);
    await startUnpaired(rc);
    await pair(rc, { phone: '+49 170 0000001', pushname: 'Tester' });
    expect(rc.events.names().filter((n) => n === 'authenticated' || n === 'ready')).toEqual([
      'authenticated',
      'ready',
    ]);
    expect(rc.client.info.wid._serialized).toBe('491700000001@c.us');
    expect(rc.client.info.pushname).toBe('Tester');
    expect(await rc.client.getState()).toBe('CONNECTED');
    // With a strict local cache hit the library never persists a page (currentIndexHtml stays null).
    expect(await readdir(path.join(rc.root, 'cache'))).toEqual([`${SIMULATOR_WEB_VERSION}.html`]);

    const driver = rc.driver();
    let since = rc.events.mark();
    const incomingId = await driver.incomingMessage({ from: PEER, body: 'hello there' });
    const received = await rc.events.waitFor('message', { since });
    const message = received.args[0] as Message;
    expect(message).toMatchObject({
      body: 'hello there',
      from: PEER,
      to: '491700000001@c.us',
      fromMe: false,
    });
    expect(message.id._serialized).toBe(incomingId);

    since = rc.events.mark();
    const sent = await rc.client.sendMessage(PEER, 'hi back');
    expect(sent.body).toBe('hi back');
    const ack = await rc.events.waitFor('message_ack', { since });
    expect(ack.args[1]).toBe(1);
    const reply = await message.reply('a reply');
    const outbox = await driver.outbox();
    expect(outbox.map((m) => ({ to: m.to, body: m.body, fromMe: m.id.startsWith('true_') }))).toEqual([
      { to: PEER, body: 'hi back', fromMe: true },
      { to: PEER, body: 'a reply', fromMe: true },
    ]);
    expect(outbox[0]?.id).toBe(sent.id._serialized);
    expect(outbox[1]).toMatchObject({ id: reply.id._serialized, quotedMsgId: incomingId });

    since = rc.events.mark();
    await driver.setAck(sent.id._serialized, 3);
    expect((await rc.events.waitFor('message_ack', { since, where: (a) => a[1] === 3 })).args[1]).toBe(3);
    // Messages the client received never show up as `message` for its own sends.
    expect(rc.events.events.filter((e) => e.name === 'message')).toHaveLength(1);

    await shutdown(rc, expect, { removeRoot: false });

    const restored = await restart();
    const started = Date.now();
    await restored.initialize();
    await restored.events.waitFor('ready');
    timings['restore→ready']?.push(Date.now() - started);
    expect(restored.events.names()).not.toContain('qr');
    expect(restored.client.info.wid._serialized).toBe('491700000001@c.us');
    expect(await restored.driver().status()).toMatchObject({ state: 'CONNECTED', paired: true });
  });

  it('on LOGOUT from the phone emits disconnected LOGOUT, then a fresh qr, and forgets the link', async ({
    expect,
    onTestFinished,
  }) => {
    const { first: rc, restart } = await successive(onTestFinished, expect);
    const firstQr = await startUnpaired(rc);
    await pair(rc);
    const before = await rc.driver().status();

    const since = rc.events.mark();
    await rc.driver().logout();
    const freshQr = await rc.events.waitFor('qr', { since });
    expect(rc.events.names().slice(since)).toEqual(['disconnected', 'qr']);
    expect(rc.events.events[since]?.args).toEqual(['LOGOUT']);
    expect(String(freshQr.args[0])).toMatch(QR_SHAPE);
    expect(freshQr.args[0]).not.toBe(firstQr);
    expect((rc.client as unknown as { lastLoggedOut: boolean }).lastLoggedOut).toBe(false);

    const after = await rc.driver().status();
    expect(after.pageId).not.toBe(before.pageId);
    expect(after).toMatchObject({ state: 'UNPAIRED', paired: false, me: null });
    expect(String(freshQr.args[0]).startsWith(`${after.ref},`)).toBe(true);

    // The re-injected client links again on the same page.
    await pair(rc, { phone: '15550000002' });
    expect(rc.client.info.wid._serialized).toBe('15550000002@c.us');
    const secondLogout = rc.events.mark();
    await rc.driver().logout();
    expect(rc.events.names().slice(secondLogout)).toEqual(['disconnected', 'qr']);

    // The flag is gone from the profile: a restart needs a qr again.
    await shutdown(rc, expect, { removeRoot: false });
    const next = await restart();
    await startUnpaired(next);
    expect(next.events.names()).not.toContain('ready');
  });

  it('client.logout() from Node closes the browser and the page forgets the link', async ({
    expect,
    onTestFinished,
  }) => {
    const { first: rc, restart } = await successive(onTestFinished, expect);
    await startUnpaired(rc);
    await pair(rc);
    const since = rc.events.mark();
    await rc.client.logout();
    expect(rc.client.pupBrowser?.isConnected()).toBe(false);
    // client.logout() itself emits nothing; the server reports the logout on its own.
    expect(rc.events.names().slice(since)).toEqual([]);
    await shutdown(rc, expect, { removeRoot: false });

    const next = await restart();
    await startUnpaired(next);
    expect(next.events.names()).toEqual(['qr']);
  });

  for (const state of ['TOS_BLOCK', 'UNPAIRED', 'CONFLICT'] as const) {
    it(`after ready, socket state ${state} makes the client emit disconnected ${state} and close`, async ({
      expect,
      onTestFinished,
    }) => {
      const rc = await createRealClient();
      onTestFinished(() => shutdown(rc, expect));
      await startUnpaired(rc);
      await pair(rc);
      const since = rc.events.mark();
      await rc.driver().setState(state);
      await rc.events.waitFor('disconnected', { since });
      expect(rc.events.events.slice(since).map((e) => [e.name, ...e.args])).toEqual([
        ['change_state', state],
        ['disconnected', state],
      ]);
      // The library calls destroy() itself, without awaiting it.
      const deadline = Date.now() + 5000;
      while (rc.client.pupBrowser?.isConnected() && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      expect(rc.client.pupBrowser?.isConnected()).toBe(false);
    });
  }

  it('with takeoverOnConflict, CONFLICT is taken over and the session stays up', async ({
    expect,
    onTestFinished,
  }) => {
    const rc = await createRealClient({ takeoverOnConflict: true, takeoverTimeoutMs: 10 });
    onTestFinished(() => shutdown(rc, expect));
    await startUnpaired(rc);
    await pair(rc);
    const since = rc.events.mark();
    await rc.driver().setState('CONFLICT');
    await rc.events.waitFor('change_state', { since, where: (a) => a[0] === 'CONNECTED' });
    expect(rc.events.events.slice(since).map((e) => [e.name, ...e.args])).toEqual([
      ['change_state', 'CONFLICT'],
      ['change_state', 'CONNECTED'],
    ]);
    expect(await rc.client.getState()).toBe('CONNECTED');
  });

  it('links by pairing code instead of a qr', async ({ expect, onTestFinished }) => {
    const rc = await createRealClient({ pairWithPhoneNumber: { phoneNumber: '15550001234' } });
    onTestFinished(() => shutdown(rc, expect));
    await rc.initialize();
    const code = String((await rc.events.waitFor('code')).args[0]);
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    expect(await rc.driver().pairingCode()).toEqual({ phone: '15550001234', code });

    const wrong = await rc
      .driver()
      .confirmPairingCode('XXXXXXXX')
      .catch((e: unknown) => e);
    expect(isAppError(wrong) && wrong.status === 400 && wrong.code === 'simulator_bad_request').toBe(true);

    await rc.driver().confirmPairingCode(code);
    await rc.events.waitFor('ready');
    expect(rc.events.names()).not.toContain('qr');
    expect(rc.client.info.wid._serialized).toBe('15550001234@c.us');
  });

  it('library pitfall: client.destroy() before the browser is up does not stop initialize()', async ({
    expect,
    onTestFinished,
  }) => {
    const rc = await createRealClient();
    onTestFinished(() => shutdown(rc, expect));
    const initializing = rc.initialize();
    await rc.client.destroy();
    await initializing;
    // The browser was launched after that destroy() and runs on: destroy again once initialize() settles.
    expect(rc.client.pupBrowser?.isConnected()).toBe(true);
    expect(rc.events.names()).toEqual(['qr']);
  });

  it('refuses actions the page is not in a state for, with 409 simulator_not_ready', async ({
    expect,
    onTestFinished,
  }) => {
    const rc = await createRealClient();
    onTestFinished(() => shutdown(rc, expect));
    await startUnpaired(rc);
    const driver = rc.driver();
    const codeOf = async (work: Promise<unknown>) =>
      work.then(
        () => 'resolved',
        (e: unknown) => (isAppError(e) ? `${e.status} ${e.code}` : String(e)),
      );
    expect(await codeOf(driver.incomingMessage({ from: PEER, body: 'x' }))).toBe('409 simulator_not_ready');
    expect(await codeOf(driver.logout())).toBe('409 simulator_not_ready');
    expect(await codeOf(driver.confirmPairingCode('ABCDEFGH'))).toBe('409 simulator_not_ready');
    await pair(rc);
    expect(await codeOf(driver.scan())).toBe('409 simulator_not_ready');
    expect(await codeOf(driver.rotateQr())).toBe('409 simulator_not_ready');
    expect(await codeOf(driver.incomingMessage({ from: 'not a wid', body: 'x' }))).toBe(
      '400 simulator_bad_request',
    );
  });
});
