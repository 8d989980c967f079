import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  aliveInGroup,
  browserOf,
  decodeQrPng,
  getSession,
  post,
  sessionFolder,
  startToQr,
  startToReady,
  waitForSession,
  waitForState,
  waitUntil,
} from '../helpers/e2e.js';
import { sandboxServer } from './harness.js';

describe('a session through the real library and Chromium, over HTTP', () => {
  it('goes POST → QR (the PNG decodes to the JSON string) → scan → READY with me', async (context) => {
    const server = await sandboxServer(context);
    const qr = await startToQr(server, 'alpha');
    expect(qr.split(',')).toHaveLength(5);

    const png = await server.request('GET', '/sessions/alpha/qr');
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(decodeQrPng(Buffer.from(await png.arrayBuffer()))).toBe(qr);

    await post(server, '/sessions/alpha/simulator/scan', { phone: '5511912345678', pushname: 'Ana' });
    const ready = await waitForState(server, 'alpha', 'READY');
    expect(ready?.me).toEqual({ wid: '5511912345678@c.us', name: 'Ana' });
    const noQr = await server.request('GET', '/sessions/alpha/qr');
    expect(noQr.status).toBe(409);
  });

  it('cleans up after the phone unlinks (LOGOUT): 404, browser gone, folder gone, server alive, POST gives a fresh QR', async (context) => {
    const server = await sandboxServer(context);
    const firstQr = await startToQr(server, 'bravo');
    await post(server, '/sessions/bravo/simulator/scan');
    await waitForState(server, 'bravo', 'READY');
    const browser = await browserOf(server, 'bravo');
    expect(existsSync(sessionFolder(server, 'bravo'))).toBe(true);

    await post(server, '/sessions/bravo/simulator/logout');
    const disconnected = await getSession(server, 'bravo');
    expect(disconnected).toMatchObject({ state: 'DISCONNECTED', reason: 'LOGOUT' });

    await waitForSession(server, 'bravo', (s) => s === null);
    expect(await aliveInGroup(browser.pgid)).toEqual([]);
    expect(existsSync(sessionFolder(server, 'bravo'))).toBe(false);
    const list = await server.request('GET', '/sessions');
    expect(list.status).toBe(200);
    const order = [
      'Session bravo disconnected: LOGOUT',
      'Auto-cleaning session bravo after logout...',
      'Cleaning up session bravo',
      'Session bravo cleaned up',
    ];
    const seen = server.logs.map((l) => l.msg).filter((m) => order.includes(m));
    expect(seen).toEqual(order);

    const secondQr = await startToQr(server, 'bravo');
    expect(secondQr).not.toBe(firstQr);
  });

  it('keeps the session DISCONNECTED with its browser closed when AUTO_CLEANUP_ON_LOGOUT=false, and POST starts it again', async (context) => {
    const server = await sandboxServer(context, { AUTO_CLEANUP_ON_LOGOUT: 'false' });
    await startToReady(server, 'charlie');
    const browser = await browserOf(server, 'charlie');

    await post(server, '/sessions/charlie/simulator/logout');
    await waitUntil('the browser is closed', async () => (await aliveInGroup(browser.pgid)).length === 0);
    expect(await getSession(server, 'charlie')).toMatchObject({ state: 'DISCONNECTED', reason: 'LOGOUT' });

    await startToQr(server, 'charlie', 200);
    await post(server, '/sessions/charlie/simulator/scan');
    await waitForState(server, 'charlie', 'READY');
  });

  it('records another disconnect (CONFLICT) with its reason and keeps the folder', async (context) => {
    const server = await sandboxServer(context);
    await startToReady(server, 'delta');
    const browser = await browserOf(server, 'delta');

    await post(server, '/sessions/delta/simulator/state', { state: 'CONFLICT' });
    const session = await waitForState(server, 'delta', 'DISCONNECTED');
    expect(session?.reason).toBe('CONFLICT');
    await waitUntil('the browser is closed', async () => (await aliveInGroup(browser.pgid)).length === 0);
    expect(existsSync(sessionFolder(server, 'delta'))).toBe(true);
    expect(await getSession(server, 'delta')).toMatchObject({ state: 'DISCONNECTED', reason: 'CONFLICT' });
  });

  it('links by pairing code instead of a QR: POST pairing-code → the phone enters it → READY as that number', async (context) => {
    const server = await sandboxServer(context);
    await startToQr(server, 'papa');
    const { code } = (await post(server, '/sessions/papa/pairing-code', {
      phoneNumber: '+49 151 2345 6789',
    })) as {
      code: string;
    };
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    await post(server, '/sessions/papa/simulator/pairing-code/confirm', { code });
    const ready = await waitForState(server, 'papa', 'READY');
    expect(ready?.me?.wid).toBe('4915123456789@c.us');
  });

  it('stops a READY session (browser closed, folder kept) and starts it again READY without a QR', async (context) => {
    const server = await sandboxServer(context);
    await startToReady(server, 'uniform');
    const browser = await browserOf(server, 'uniform');

    const stopped = (await post(server, '/sessions/uniform/stop')) as { state: string };
    expect(stopped.state).toBe('STOPPED');
    expect(await aliveInGroup(browser.pgid)).toEqual([]);
    expect(existsSync(sessionFolder(server, 'uniform'))).toBe(true);

    await post(server, '/sessions/uniform', undefined, 200);
    await waitForState(server, 'uniform', 'READY');
    const qrTransitions = server.logs.filter(
      (l) => l.msg === 'Session state changed' && l.to === 'QR' && l.sessionId === 'uniform',
    );
    expect(qrTransitions).toHaveLength(1);
  });

  it('with LOGOUT_CLEANUP_DELAY_MS=0 cleans up at once and survives the rejections the library raises under it', async (context) => {
    // Destroying the browser while whatsapp-web.js re-injects after the logout makes the library reject
    // from inside its own listeners (Target closed, Execution context was destroyed): that is why the
    // delay defaults to 3 s. With 0 those rejections are contained by the safety net, on purpose.
    const server = await sandboxServer(
      context,
      { LOGOUT_CLEANUP_DELAY_MS: '0' },
      { allowRejections: /Target closed|Execution context was destroyed|detached Frame|Session closed/ },
    );
    await startToReady(server, 'victor');
    const browser = await browserOf(server, 'victor');
    await post(server, '/sessions/victor/simulator/logout');
    await waitForSession(server, 'victor', (s) => s === null);
    expect(await aliveInGroup(browser.pgid)).toEqual([]);
    expect(existsSync(sessionFolder(server, 'victor'))).toBe(false);
    expect((await server.request('GET', '/sessions')).status).toBe(200);
  });
});
