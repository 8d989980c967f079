import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { type FakeClient, hangs, rejects, resolvesAfter, targetClosed } from '../helpers/fake-client.js';
import { createManagerHarness, type ManagerHarness } from '../helpers/manager-harness.js';

let h: ManagerHarness;

afterEach(async () => {
  await h.dispose();
});

/** A small seeded PRNG (mulberry32), so a failing interleaving can be replayed. */
const random = (seed: number) => {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

const pick = <T>(next: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(next() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

/** Settles every outcome as an expected AppError (409 for create, 404 for delete) or success. */
const expectOnlyExpectedFailures = (outcomes: PromiseSettledResult<unknown>[], kinds: string[]) => {
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') return;
    const err: unknown = outcome.reason;
    expect(err).toBeInstanceOf(AppError);
    const { status, code } = err as AppError;
    if (kinds[i] === 'create') expect({ status, code }).toEqual({ status: 409, code: 'session_live' });
    else expect({ status, code }).toEqual({ status: 404, code: 'session_not_found' });
  });
};

const expectConsistentEnd = (id: string) => {
  expect(h.clients.violations).toEqual([]);
  expect(h.manager.busyIds()).toEqual([]);
  const live = h.clients.live(id);
  if (h.has(id)) {
    expect(live).toHaveLength(1);
    expect(live[0]).toBe(h.clients.last(id));
  } else {
    expect(live).toEqual([]);
    expect(h.folderEntries(id)).toBeNull();
  }
  for (const client of h.clients.forId(id)) {
    if (client === live[0]) continue;
    expect(client.disposed).toBe(true);
    expect(h.processes.isRunning(client.pid)).toBe(false);
  }
};

describe('concurrent create and delete on one id', () => {
  it('50 interleaved calls never leave two live clients for the id, and every client but the last is released', async () => {
    h = await createManagerHarness();
    const kinds = Array.from({ length: 50 }, (_, i) => (i % 3 === 2 ? 'delete' : 'create'));
    const calls = kinds.map((kind) => (kind === 'create' ? h.manager.create('s1') : h.manager.delete('s1')));
    const outcomes = await Promise.allSettled(calls);

    expectOnlyExpectedFailures(outcomes, kinds);
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThan(kinds.length / 3);
    await h.idle();
    expectConsistentEnd('s1');
    // The last call was a create: the session runs on exactly one client.
    expect(h.manager.get('s1').state).toBe('STARTING');

    await h.drive(h.manager.shutdown());
    for (const client of h.clients.clients) expect(client.disposed).toBe(true);
    expect(h.processes.running.size).toBe(0);
  });

  it.each([1, 2, 3, 4, 5])(
    'seed %i: with clients that hang, throw, link and log out at random, the end state is consistent',
    async (seed) => {
      const next = random(seed);
      h = await createManagerHarness();
      h.clients.configure = (client: FakeClient) => {
        client.scripts.destroy = pick(next, [
          resolvesAfter(10, undefined),
          rejects(targetClosed),
          hangs<void>(),
          resolvesAfter(0, undefined),
        ]);
        client.scripts.logout = pick(next, [
          resolvesAfter(50, undefined),
          rejects(targetClosed),
          hangs<void>(),
        ]);
        const startup = pick(next, ['qr', 'ready', 'silent', 'logout-later'] as const);
        client.scripts.initialize = async (c) => {
          if (startup === 'qr') c.emitQr();
          if (startup === 'ready' || startup === 'logout-later') c.link();
          if (startup === 'logout-later') setTimeout(() => c.emitDisconnected('LOGOUT'), 200);
        };
      };

      const kinds: string[] = [];
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i += 1) {
        const kind = next() < 0.55 ? 'create' : 'delete';
        kinds.push(kind);
        const call: Promise<unknown> = kind === 'create' ? h.manager.create('s1') : h.manager.delete('s1');
        // Observed at once: a 404 may settle while later calls are still being issued.
        call.catch(() => undefined);
        calls.push(call);
        // Some calls arrive later, while teardowns and delayed cleanups are under way.
        if (next() < 0.2) await h.advance(Math.floor(next() * 4000));
      }
      const all = Promise.allSettled(calls);
      const outcome = await h.drive(all, 250);
      expect(outcome.status).toBe('fulfilled');
      const outcomes = outcome.status === 'fulfilled' ? outcome.value : [];
      expectOnlyExpectedFailures(outcomes, kinds);

      // Let any delayed LOGOUT cleanup and its timeouts run out.
      await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS + h.config.DESTROY_TIMEOUT_MS + 1000);
      await h.idle();
      expectConsistentEnd('s1');
      expect(h.lines((r) => r.level === 'fatal')).toEqual([]);
      expect(h.lines((r) => r.msg === 'Illegal session state transition refused')).toEqual([]);
    },
  );
});
