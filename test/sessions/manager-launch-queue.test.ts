import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { resolvesAfter } from '../helpers/fake-client.js';
import { createManagerHarness, type ManagerHarness } from '../helpers/manager-harness.js';

let h: ManagerHarness | undefined;

afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const launched = (harness: ManagerHarness, id: string): number =>
  harness.clients.forId(id).reduce((sum, c) => sum + c.calls.initialize, 0);

describe('the launch queue (LAUNCH_CONCURRENCY)', () => {
  it('defaults to the core count', () => {
    expect(loadConfig({}).LAUNCH_CONCURRENCY).toBeGreaterThanOrEqual(1);
    expect(loadConfig({ LAUNCH_CONCURRENCY: '3' }).LAUNCH_CONCURRENCY).toBe(3);
    expect(() => loadConfig({ LAUNCH_CONCURRENCY: '0' })).toThrow(/LAUNCH_CONCURRENCY/);
  });

  it('launches at most LAUNCH_CONCURRENCY browsers at once; the others wait STARTING, then launch in order', async () => {
    h = await createManagerHarness({ config: { LAUNCH_CONCURRENCY: 2 } });
    h.clients.scripts.initialize = resolvesAfter(1000, undefined);
    for (const id of ['a', 'b', 'c', 'd']) await h.manager.create(id);
    await h.settle();

    expect(['a', 'b', 'c', 'd'].map((id) => launched(h as ManagerHarness, id))).toEqual([1, 1, 0, 0]);
    expect(h.manager.list().map((s) => s.state)).toEqual(['STARTING', 'STARTING', 'STARTING', 'STARTING']);

    await h.advance(1000);
    await h.settle();
    expect(['a', 'b', 'c', 'd'].map((id) => launched(h as ManagerHarness, id))).toEqual([1, 1, 1, 1]);
    await h.advance(1000);
    await h.idle();
    expect(h.clients.violations).toEqual([]);
  });

  it('a queued launch that is stopped or deleted never launches, and frees its place', async () => {
    h = await createManagerHarness({ config: { LAUNCH_CONCURRENCY: 1 } });
    h.clients.scripts.initialize = resolvesAfter(1000, undefined);
    for (const id of ['a', 'b', 'c', 'd']) await h.manager.create(id);
    await h.settle();
    expect(launched(h, 'b')).toBe(0);

    await h.drive(h.manager.stop('b'));
    await h.drive(h.manager.delete('c'));
    expect(h.manager.get('b').state).toBe('STOPPED');
    expect(h.has('c')).toBe(false);

    await h.advance(1000);
    await h.settle();
    expect({ b: launched(h, 'b'), c: launched(h, 'c'), d: launched(h, 'd') }).toEqual({ b: 0, c: 0, d: 1 });
    await h.advance(1000);
    await h.idle();
    expect(h.clients.live('b')).toEqual([]);
    expect(h.clients.live('c')).toEqual([]);
  });

  it('counts the start timeout from the launch, not from the time spent queued', async () => {
    h = await createManagerHarness({ config: { LAUNCH_CONCURRENCY: 1, INIT_TIMEOUT_MS: 1500 } });
    h.clients.scripts.initialize = resolvesAfter(1000, undefined);
    await h.manager.create('a');
    await h.manager.create('b');
    await h.advance(2100);
    await h.idle();
    expect(h.manager.list().map((s) => s.state)).toEqual(['STARTING', 'STARTING']);
    expect(h.lines((r) => r.msg.includes('failed to start'))).toEqual([]);
  });
});
