import { afterEach, describe, expect, it } from 'vitest';
import { pickOrphans } from '../../src/cluster/takeover.js';
import type { SessionOwnership } from '../../src/cluster/types.js';
import type { SessionRecord, SessionRecords } from '../../src/sessions/session-records.js';
import type { SessionClient } from '../../src/sessions/types.js';
import { createManagerHarness, type ManagerHarness } from '../helpers/manager-harness.js';

/**
 * The manager's side of cluster mode over an in-memory lease table (the leases themselves are proven
 * on a real PostgreSQL in test/store/cluster-leases.test.ts): when it claims, releases, and leaves.
 */
const memoryOwnership = (othersHold: Set<string> = new Set()) => {
  const held = new Set<string>();
  const log: string[] = [];
  const ownership: SessionOwnership = {
    async claim(id) {
      log.push(`claim ${id}`);
      if (othersHold.has(id)) return false;
      held.add(id);
      return true;
    },
    async release(id) {
      log.push(`release ${id}`);
      held.delete(id);
    },
    holds: (id) => held.has(id),
  };
  return { ownership, held, log };
};

const memoryRecords = () => {
  const rows = new Map<string, SessionRecord>();
  const records: SessionRecords = {
    async save(id, { desired, webhook }) {
      const at = new Date(0);
      const old = rows.get(id);
      rows.set(id, {
        id,
        desired,
        webhook,
        createdAt: old?.createdAt ?? at,
        updatedAt: at,
        lastState: null,
        lastReason: null,
      });
    },
    async remove(id) {
      rows.delete(id);
    },
    list: async () => [...rows.values()],
    get: async (id) => rows.get(id) ?? null,
  };
  return { records, rows };
};

describe('the manager in cluster mode', () => {
  let h: ManagerHarness;
  afterEach(async () => {
    await h.dispose();
  });

  it('claims the lease before a browser starts; a session another instance runs is 409, with no client and no record written', async () => {
    const leases = memoryOwnership(new Set(['elsewhere']));
    const { records, rows } = memoryRecords();
    h = await createManagerHarness({ ownership: leases.ownership, records });
    await h.manager.create('here');
    expect(leases.log).toEqual(['claim here']);
    expect(leases.held.has('here')).toBe(true);
    await expect(h.manager.create('elsewhere')).rejects.toMatchObject({ status: 409, code: 'session_live' });
    expect(h.clients.clients.map((c) => c.sessionId)).toEqual(['here']);
    expect(rows.has('elsewhere')).toBe(false);
  });

  it('stop leaves the instance: archive saved, browser closed, folder removed, lease released, unlisted; the record says stopped', async () => {
    const leases = memoryOwnership();
    const { records, rows } = memoryRecords();
    h = await createManagerHarness({ ownership: leases.ownership, records });
    await h.manager.create('s1');
    const client = h.clients.last('s1');
    client.link();
    const order: string[] = [];
    (client as SessionClient).backupAuth = async () => {
      order.push(`backup (destroyed ${client.calls.destroy})`);
    };
    const stopped = await h.drive(h.manager.stop('s1'));
    expect(stopped).toMatchObject({ status: 'fulfilled', value: { state: 'STOPPED' } });
    expect(order).toEqual(['backup (destroyed 0)']);
    expect(client.calls.destroy).toBe(1);
    expect(h.folderEntries('s1')).toBeNull();
    expect(leases.held.has('s1')).toBe(false);
    expect(h.has('s1')).toBe(false);
    expect(rows.get('s1')?.desired).toBe('stopped');
    expect(h.eventsOf('session.removed')).toEqual([]);
  });

  it('shutdown hands every session over: backupAuth before the close, lease released, record kept running', async () => {
    const leases = memoryOwnership();
    const { records, rows } = memoryRecords();
    h = await createManagerHarness({ ownership: leases.ownership, records });
    await h.manager.create('a');
    await h.manager.create('b');
    h.clients.last('a').link();
    h.clients.last('b').emitQr();
    let backups = 0;
    (h.clients.last('a') as SessionClient).backupAuth = async () => {
      backups += 1;
    };
    await h.drive(h.manager.shutdown());
    expect(backups).toBe(1);
    for (const client of h.clients.clients) expect(client.calls.destroy).toBe(1);
    expect(leases.log.filter((l) => l.startsWith('release')).sort()).toEqual(['release a', 'release b']);
    expect(h.has('a') || h.has('b')).toBe(false);
    expect([...rows.values()].map((r) => r.desired)).toEqual(['running', 'running']);
    expect(h.folderEntries('a')).toBeNull();
    expect(h.processes.running.size).toBe(0);
  });

  it('fencing kills every browser at once, unlists the sessions and keeps their records; no backup, no release', async () => {
    const leases = memoryOwnership();
    const { records, rows } = memoryRecords();
    h = await createManagerHarness({ ownership: leases.ownership, records });
    await h.manager.create('f');
    const client = h.clients.last('f');
    client.link();
    let backups = 0;
    (client as SessionClient).backupAuth = async () => {
      backups += 1;
    };
    const fence = h.manager.cluster?.fence();
    // Unlisted at once, before anything is awaited.
    expect(h.has('f')).toBe(false);
    await h.drive(fence ?? Promise.resolve());
    expect(backups).toBe(0);
    expect(h.processes.running.size).toBe(0);
    expect(leases.log).toEqual(['claim f']);
    expect(rows.get('f')?.desired).toBe('running');
    expect(h.folderEntries('f')).toBeNull();
  });

  it('takeover starts a session still to run, and never one deleted, stopped or logged out meanwhile (its claim is given back)', async () => {
    const leases = memoryOwnership();
    const { records, rows } = memoryRecords();
    h = await createManagerHarness({ ownership: leases.ownership, records });
    await records.save('run', { desired: 'running', webhook: null });
    await records.save('stopped', { desired: 'stopped', webhook: null });
    await records.save('loggedout', { desired: 'running', webhook: null });
    const loggedOut = rows.get('loggedout');
    if (loggedOut) rows.set('loggedout', { ...loggedOut, lastReason: 'LOGOUT' });
    const cluster = h.manager.cluster;
    if (!cluster) throw new Error('no cluster hooks with an ownership');
    for (const id of ['deleted', 'stopped', 'loggedout']) {
      expect(await cluster.takeOver(id)).toBeNull();
      expect(leases.held.has(id)).toBe(false);
    }
    expect(await cluster.takeOver('run')).not.toBeNull();
    expect(h.manager.get('run').state).toBe('STARTING');
    expect(leases.held.has('run')).toBe(true);
    // Already here: not taken twice.
    expect(await cluster.takeOver('run')).toBeNull();
    expect(h.clients.clients.map((c) => c.sessionId)).toEqual(['run']);
  });

  it('without an ownership there are no cluster hooks', async () => {
    h = await createManagerHarness();
    expect(h.manager.cluster).toBeNull();
  });
});

describe('pickOrphans', () => {
  const orphans = (own: number, others: number) => [
    ...Array.from({ length: own }, (_, i) => ({ id: `own${i}`, webhook: null, own: true })),
    ...Array.from({ length: others }, (_, i) => ({ id: `o${i}`, webhook: null, own: false })),
  ];

  it('takes its own first, then a fair share of the rest (rounded up), never past the room left', () => {
    expect(pickOrphans(orphans(0, 9), 3, 100)).toHaveLength(3);
    expect(pickOrphans(orphans(0, 10), 3, 100)).toHaveLength(4);
    expect(pickOrphans(orphans(2, 6), 2, 100).map((o) => o.own)).toEqual([true, true, false, false, false]);
    expect(pickOrphans(orphans(2, 6), 2, 3)).toHaveLength(3);
    expect(pickOrphans(orphans(0, 5), 0, 100)).toHaveLength(5);
    expect(pickOrphans(orphans(0, 5), 1, 0)).toEqual([]);
  });
});
