import { afterEach, describe, expect, it } from 'vitest';
import { afterFailure, MAX_RESTART_DELAY_MS, restartDelayMs } from '../../src/sessions/restart-policy.js';
import { rejects } from '../helpers/fake-client.js';
import { createManagerHarness, type ManagerHarness } from '../helpers/manager-harness.js';

let h: ManagerHarness | undefined;

afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const navigationFailed = () => new Error('net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/');

describe('the restart backoff', () => {
  it('doubles per attempt from RESTART_BACKOFF_MS, with up to half taken off at random, and is capped', () => {
    expect([1, 2, 3, 4].map((n) => restartDelayMs(n, 1000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => restartDelayMs(n, 1000, () => 0.999999))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    expect(restartDelayMs(40, 1000, () => 0.999999)).toBe(MAX_RESTART_DELAY_MS);
  });

  it('is off with RESTART_MAX_ATTEMPTS=0 and gives up past the limit', () => {
    const base = { baseMs: 1000, now: new Date(0), random: () => 0.5 };
    expect(afterFailure({ ...base, restartsSoFar: 0, maxAttempts: 0 })).toEqual({ action: 'none' });
    expect(afterFailure({ ...base, restartsSoFar: 3, maxAttempts: 3 })).toEqual({ action: 'give-up' });
    expect(afterFailure({ ...base, restartsSoFar: 2, maxAttempts: 3 })).toEqual({
      action: 'restart',
      delayMs: 3000,
      info: { attempt: 3, maxAttempts: 3, nextAttemptAt: new Date(3000).toISOString() },
    });
  });
});

describe('automatic restarts of a FAILED session', () => {
  it('restarts a session whose browser crashed, showing the attempt and its time in GET and in the event', async () => {
    h = await createManagerHarness({ config: { RESTART_MAX_ATTEMPTS: 3, RESTART_BACKOFF_MS: 1000 } });
    await h.manager.create('s1');
    const first = h.clients.last('s1');
    first.link();
    const crashedAt = Date.now();
    first.crashBrowser();

    const failed = h.manager.get('s1');
    expect(failed).toMatchObject({
      state: 'FAILED',
      reason: 'BROWSER_EXITED',
      restart: { attempt: 1, maxAttempts: 3, nextAttemptAt: new Date(crashedAt + 750).toISOString() },
    });
    const event = h.eventsOf('session.status', 's1').at(-1);
    expect(event?.payload).toEqual({
      state: 'FAILED',
      previous: 'READY',
      reason: 'BROWSER_EXITED',
      restart: failed.restart,
    });

    await h.advance(749);
    expect(h.clients.forId('s1')).toHaveLength(1);
    await h.advance(1);
    await h.idle();
    expect(h.clients.forId('s1')).toHaveLength(2);
    expect(h.manager.get('s1')).toMatchObject({ state: 'STARTING', restart: null });
    h.clients.last('s1').link();
    expect(h.manager.get('s1').state).toBe('READY');
    expect(h.clients.violations).toEqual([]);
  });

  it('stops a crash loop at RESTART_MAX_ATTEMPTS with reason RESTART_LIMIT and nothing scheduled', async () => {
    h = await createManagerHarness({ config: { RESTART_MAX_ATTEMPTS: 2, RESTART_BACKOFF_MS: 1000 } });
    h.clients.scripts.initialize = rejects(navigationFailed);
    await h.manager.create('s1');
    await h.idle();
    expect(h.manager.get('s1')).toMatchObject({ state: 'FAILED', restart: { attempt: 1 } });
    expect(h.manager.get('s1').reason).toContain('ERR_NAME_NOT_RESOLVED');

    await h.advance(750);
    await h.idle();
    expect(h.manager.get('s1')).toMatchObject({ state: 'FAILED', restart: { attempt: 2 } });
    await h.advance(1500);
    await h.idle();
    expect(h.manager.get('s1')).toMatchObject({ state: 'FAILED', reason: 'RESTART_LIMIT', restart: null });
    expect(h.clients.forId('s1')).toHaveLength(3);

    await h.advance(10 * 60_000);
    await h.idle();
    expect(h.clients.forId('s1')).toHaveLength(3);
    expect(h.lines((r) => r.level === 'error' && r.msg.includes('RESTART_LIMIT'))).toHaveLength(1);

    // A start by hand begins the count again.
    h.clients.scripts.initialize = async () => undefined;
    await h.manager.create('s1');
    expect(h.manager.get('s1').state).toBe('STARTING');
  });

  it('a start timeout (INIT_TIMEOUT_MS) counts as a failure and is restarted', async () => {
    h = await createManagerHarness({
      config: { RESTART_MAX_ATTEMPTS: 1, RESTART_BACKOFF_MS: 1000, INIT_TIMEOUT_MS: 5000 },
    });
    h.clients.scripts.initialize = () => new Promise(() => undefined);
    await h.manager.create('s1');
    await h.advance(5000);
    await h.idle();
    expect(h.manager.get('s1')).toMatchObject({ state: 'FAILED', restart: { attempt: 1 } });
    await h.advance(750);
    await h.idle();
    expect(h.clients.forId('s1')).toHaveLength(2);
  });

  it.for(['stop', 'delete', 'shutdown'] as const)(
    'never restarts after %s: its timer is cleared',
    async (what) => {
      h = await createManagerHarness({ config: { RESTART_MAX_ATTEMPTS: 3, RESTART_BACKOFF_MS: 1000 } });
      await h.manager.create('s1');
      h.clients.last('s1').link();
      h.clients.last('s1').crashBrowser();
      await h.idle();
      expect(h.manager.get('s1').restart).not.toBeNull();
      if (what === 'stop') await h.drive(h.manager.stop('s1'));
      if (what === 'delete') await h.drive(h.manager.delete('s1'));
      if (what === 'shutdown') await h.drive(h.manager.shutdown());
      expect(h.manager.list().find((s) => s.id === 's1')?.restart ?? null).toBeNull();
      await h.advance(10 * 60_000);
      await h.idle();
      expect(h.clients.forId('s1')).toHaveLength(1);
      expect(h.clients.live('s1')).toEqual([]);
    },
  );

  it('never restarts after a LOGOUT', async () => {
    h = await createManagerHarness({
      config: { RESTART_MAX_ATTEMPTS: 3, RESTART_BACKOFF_MS: 1000, AUTO_CLEANUP_ON_LOGOUT: false },
    });
    await h.manager.create('s1');
    h.clients.last('s1').link();
    h.clients.last('s1').emitDisconnected('LOGOUT');
    await h.advance(10 * 60_000);
    await h.idle();
    expect(h.manager.get('s1')).toMatchObject({ state: 'DISCONNECTED', reason: 'LOGOUT', restart: null });
    expect(h.clients.forId('s1')).toHaveLength(1);
  });

  it('is off with RESTART_MAX_ATTEMPTS=0: FAILED keeps the failure reason and nothing is started', async () => {
    h = await createManagerHarness({ config: { RESTART_MAX_ATTEMPTS: 0 } });
    await h.manager.create('s1');
    h.clients.last('s1').link();
    h.clients.last('s1').crashBrowser();
    await h.advance(10 * 60_000);
    await h.idle();
    expect(h.manager.get('s1')).toMatchObject({ state: 'FAILED', reason: 'BROWSER_EXITED', restart: null });
    expect(h.clients.forId('s1')).toHaveLength(1);
  });
});
