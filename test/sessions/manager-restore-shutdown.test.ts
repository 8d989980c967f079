import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hangs } from '../helpers/fake-client.js';
import { createManagerHarness, type ManagerHarness } from '../helpers/manager-harness.js';

let h: ManagerHarness;

afterEach(async () => {
  await h.dispose();
});

describe('restore', () => {
  it('starts every folder session with at most RESTORE_CONCURRENCY initializing at once, and reads the webhook back', async () => {
    h = await createManagerHarness({ config: { RESTORE_CONCURRENCY: 2 } });
    const webhook = { url: 'https://example.test/a', events: ['session.status'] };
    await h.folders.writeMeta('a', { webhook });
    for (const id of ['b', 'c', 'd', 'e']) mkdirSync(h.folders.folderOf(id), { recursive: true });
    // Not sessions: ignored.
    mkdirSync(path.join(h.folders.root, 'session-bad id'), { recursive: true });
    mkdirSync(path.join(h.folders.root, 'other'), { recursive: true });

    // Each initialize() ends only when the test says so: concurrency is observed, not timed.
    const waiting: Array<() => void> = [];
    let maxInFlight = 0;
    h.clients.scripts.initialize = () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        maxInFlight = Math.max(maxInFlight, waiting.length);
      });

    let restored = false;
    const restoring = h.manager.restore().then(() => {
      restored = true;
    });
    await h.until(() => waiting.length === 2, 'two sessions initialize');
    await h.settle();
    expect(h.clients.clients).toHaveLength(2);
    while (!restored) {
      waiting.shift()?.();
      await h.until(() => restored || waiting.length > 0, 'the next session initializes');
      await h.settle();
      expect(waiting.length).toBeLessThanOrEqual(2);
    }
    await restoring;
    expect(maxInFlight).toBe(2);
    expect(
      h.manager
        .list()
        .map((s) => s.id)
        .sort(),
    ).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(h.manager.list().every((s) => s.state === 'STARTING')).toBe(true);
    expect(h.manager.get('a').webhook).toEqual(webhook);
    expect(h.manager.get('b').webhook).toBeNull();
    expect(h.clients.clients.map((c) => c.calls.initialize)).toEqual([1, 1, 1, 1, 1]);
    expect(h.lines()).toContain('info Restoring 5 session(s)');
  });

  it('by default lists every session STARTING at once (its status answers), the launch queue starting one browser at a time', async () => {
    h = await createManagerHarness({ config: { RESTORE_CONCURRENCY: 0, LAUNCH_CONCURRENCY: 1 } });
    // More than any machine-derived limit (at most 16): all of them are listed all the same.
    const ids = Array.from({ length: 20 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    for (const id of ids) mkdirSync(h.folders.folderOf(id), { recursive: true });
    const waiting: Array<() => void> = [];
    h.clients.scripts.initialize = () => new Promise<void>((resolve) => waiting.push(resolve));

    let restored = false;
    const restoring = h.manager.restore().then(() => {
      restored = true;
    });
    await h.until(() => waiting.length === 1, 'the first browser launches');
    await h.settle();
    // Every one is listed before any browser is up; only one has launched.
    expect(
      h.manager
        .list()
        .map((s) => `${s.id} ${s.state}`)
        .sort(),
    ).toEqual(ids.map((id) => `${id} STARTING`));
    expect(h.clients.clients.filter((c) => c.calls.initialize > 0)).toHaveLength(1);
    expect(h.lines()).toContain('info Restoring 20 session(s)');
    while (!restored) {
      waiting.shift()?.();
      await h.until(() => restored || waiting.length > 0, 'the next browser launches');
      await h.settle();
      expect(waiting.length).toBeLessThanOrEqual(1);
    }
    await restoring;
    expect(h.clients.clients.map((c) => c.calls.initialize)).toEqual(ids.map(() => 1));
  });

  it('skips ids already in the Map, and one failing restore does not stop the others', async () => {
    h = await createManagerHarness({ config: { RESTORE_CONCURRENCY: 1 } });
    await h.manager.create('live');
    for (const id of ['x', 'y']) mkdirSync(h.folders.folderOf(id), { recursive: true });
    h.clients.configure = (client) => {
      if (client.sessionId === 'x') client.scripts.initialize = hangs();
    };

    const outcome = await h.drive(h.manager.restore(), 10_000);
    expect(outcome.status).toBe('fulfilled');
    expect(h.clients.forId('live')).toHaveLength(1);
    expect(h.manager.get('x')).toMatchObject({ state: 'FAILED' });
    expect(h.manager.get('y')).toMatchObject({ state: 'STARTING' });
  });
});

describe('restore and release', () => {
  it('does not wait INIT_TIMEOUT_MS for a session deleted while it was initializing', async () => {
    h = await createManagerHarness({ config: { RESTORE_CONCURRENCY: 1 } });
    for (const id of ['x', 'y']) mkdirSync(h.folders.folderOf(id), { recursive: true });
    h.clients.configure = (client) => {
      if (client.sessionId === 'x') client.scripts.initialize = hangs();
    };
    let restored = false;
    const restoring = h.manager.restore().then(() => {
      restored = true;
    });
    await h.until(() => h.clients.forId('x').length === 1, 'x is initializing');
    await h.manager.delete('x');
    // No fake time passes: only the release may end the wait.
    await h.until(() => restored, 'restore went on to y');
    await restoring;
    expect(h.has('x')).toBe(false);
    expect(h.manager.get('y').state).toBe('STARTING');
  });
});

describe('shutdown', () => {
  it('closes every client without logging out and keeps their folders, but finishes a pending LOGOUT cleanup', async () => {
    h = await createManagerHarness();
    for (const id of ['ready', 'qr', 'logout', 'navigation', 'stopped']) await h.manager.create(id);
    h.clients.last('ready').link();
    h.clients.last('qr').emitQr();
    h.clients.last('logout').link();
    h.clients.last('logout').emitDisconnected('LOGOUT');
    h.clients.last('navigation').link();
    h.clients.last('navigation').emitDisconnected('NAVIGATION');
    await h.manager.stop('stopped');

    await h.drive(h.manager.shutdown());

    for (const client of h.clients.clients) {
      expect(client.calls.logout).toBe(0);
      expect(client.calls.destroy).toBe(1);
      expect(client.disposed).toBe(true);
      expect(client.eventNames()).toEqual([]);
    }
    expect(h.processes.running.size).toBe(0);
    for (const id of ['ready', 'qr', 'navigation', 'stopped'])
      expect(h.folderEntries(id)).toEqual(['Default']);
    expect(h.folderEntries('logout')).toBeNull();
    expect(h.has('logout')).toBe(false);
    expect(h.eventsOf('session.removed').map((e) => e.sessionId)).toEqual(['logout']);
    await expect(h.manager.create('new')).rejects.toMatchObject({ status: 503, code: 'shutting_down' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is bounded by DESTROY_TIMEOUT_MS when destroy() hangs, and kills the browsers', async () => {
    h = await createManagerHarness({ scripts: { destroy: hangs() } });
    await h.manager.create('a');
    await h.manager.create('b');
    let done = false;
    const shutdown = h.manager.shutdown().then(() => {
      done = true;
    });
    await h.advance(h.config.DESTROY_TIMEOUT_MS - 1);
    expect(done).toBe(false);
    await h.advance(1);
    await shutdown;
    expect(h.processes.killCalls).toHaveLength(2);
    expect(h.processes.running.size).toBe(0);
  });

  it('leaves no timer behind, even for a client whose initialize() was still pending', async () => {
    h = await createManagerHarness({ scripts: { initialize: hangs() } });
    await h.manager.create('a');
    await h.drive(h.manager.shutdown());
    expect(h.clients.last('a').disposed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
