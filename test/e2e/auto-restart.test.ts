import { describe, expect, it } from 'vitest';
import {
  aliveInGroup,
  browserOf,
  getSession,
  startToReady,
  waitForState,
  waitUntil,
} from '../helpers/e2e.js';
import { sandboxServer } from './harness.js';

describe('automatic restart', () => {
  it('brings a session whose browser was SIGKILLed back READY without a QR, visible as FAILED with its next attempt first', async (context) => {
    const server = await sandboxServer(context, { RESTART_MAX_ATTEMPTS: '3', RESTART_BACKOFF_MS: '1000' });
    await startToReady(server, 'uniform');
    const browser = await browserOf(server, 'uniform');
    const logsBefore = server.logs.length;

    process.kill(browser.pid, 'SIGKILL');

    const scheduled = await server.waitForLog((l) => l.msg.startsWith('Session uniform will be restarted'));
    expect(scheduled).toMatchObject({ attempt: 1, maxAttempts: 3, lastFailure: 'BROWSER_EXITED' });
    const failed = server.logs.find(
      (l, i) => i >= logsBefore && l.msg === 'Session state changed' && l.to === 'FAILED',
    );
    expect(failed?.reason).toBe('BROWSER_EXITED');

    const ready = await waitForState(server, 'uniform', 'READY');
    expect(ready).toMatchObject({ state: 'READY', restart: null });
    const afterKill = server.logs.slice(logsBefore);
    expect(afterKill.filter((l) => l.msg === 'Session state changed' && l.to === 'QR')).toEqual([]);
    expect(afterKill.some((l) => l.msg === 'Session uniform restarted')).toBe(true);
    const again = await browserOf(server, 'uniform');
    expect(again.pid).not.toBe(browser.pid);
    await waitUntil(
      'the killed browser group is gone',
      async () => (await aliveInGroup(browser.pgid)).length === 0,
    );
    expect((await getSession(server, 'uniform'))?.me).not.toBeNull();
  });
});
