import { describe, expect, it } from 'vitest';
import { aliveInGroup, browserOf, post, waitForSession, waitForState, waitUntil } from '../helpers/e2e.js';
import { sandboxServer } from './harness.js';

describe('DEFAULT_SESSION, end to end', () => {
  it('boots with a QR in the terminal, links, and after the phone unlinks comes back with a fresh QR and no old browser', async (context) => {
    const server = await sandboxServer(context, { DEFAULT_SESSION: 'main' });
    await waitForState(server, 'main', 'QR');
    await server.waitForLog((l) => l.msg.includes('Scan this QR with WhatsApp to link session "main"'));
    const firstQr = (
      (await (await server.request('GET', '/sessions/main/qr?format=json')).json()) as { qr: string }
    ).qr;

    await post(server, '/sessions/main/simulator/scan');
    await waitForState(server, 'main', 'READY');
    const firstBrowser = await browserOf(server, 'main');

    await post(server, '/sessions/main/simulator/logout');
    await server.waitForLog((l) => l.msg === 'Session main cleaned up');
    await waitForSession(server, 'main', (s) => s?.state === 'QR');
    const secondQr = (
      (await (await server.request('GET', '/sessions/main/qr?format=json')).json()) as { qr: string }
    ).qr;
    expect(secondQr).not.toBe(firstQr);
    await waitUntil(
      'the first browser is gone',
      async () => (await aliveInGroup(firstBrowser.pgid)).length === 0,
    );
    const secondBrowser = await browserOf(server, 'main');
    expect(secondBrowser.pid).not.toBe(firstBrowser.pid);
  });

  it('stays deleted after DELETE until the next start', async (context) => {
    const server = await sandboxServer(context, { DEFAULT_SESSION: 'main' });
    await waitForState(server, 'main', 'QR');
    const res = await server.request('DELETE', '/sessions/main');
    expect(res.status).toBe(204);
    await server.waitForLog((l) => l.msg === 'Default session main deleted; it comes back at the next start');
    expect((await server.request('GET', '/sessions/main')).status).toBe(404);
  });
});
