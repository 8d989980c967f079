import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  busiest,
  clusterWithReadySessions,
  expectStatus,
  query,
  readyElsewhere,
  sampleDoubleRuns,
  waitFor,
} from './sessions.js';

/**
 * Issue 11: "a session being logged out or deleted is never resurrected by a takeover". An instance
 * dies; while the others take its sessions over, the phone unlinks one of them (LOGOUT) on the
 * instance that took it: it is cleaned up (gone from every instance, no browser, no folder, no
 * stored archive, no lease) and no later takeover brings it back.
 */

const IDS = Array.from({ length: 6 }, (_, i) => `unlinked-${i + 1}`);

describe('a LOGOUT during a takeover', () => {
  const clusterOf = clusterWithReadySessions(IDS);

  it('is cleaned up and never resurrected', async () => {
    const cluster = clusterOf();
    const { victim, moved } = await busiest(cluster);
    const [unlinked, ...rest] = moved;
    if (!unlinked) throw new Error(`no session on ${victim.id}`);

    const sampler = sampleDoubleRuns(cluster);
    const killedAt = Date.now();
    await cluster.kill9(victim.index);
    // The first one back: the phone unlinks it at once, while the others may still be on their way.
    const taker = await readyElsewhere(cluster, unlinked, victim, killedAt + 60_000, new Set());
    await expectStatus(
      await taker.server.request('POST', `/sessions/${unlinked}/simulator/logout`),
      200,
      `LOGOUT of ${unlinked} on ${taker.id}`,
    );
    for (const instance of cluster.instances.filter((i) => !i.down)) {
      await waitFor(instance.server, unlinked, (s) => s === null, 30_000);
    }
    for (const id of rest) await readyElsewhere(cluster, id, victim, killedAt + 60_000, new Set());

    // Past a whole lease period and more takeover rounds: still gone, everywhere.
    const settleUntil = Date.now() + 20_000;
    while (Date.now() < settleUntil) {
      expect((await cluster.placement()).has(unlinked), `${unlinked} has a browser again`).toBe(false);
      for (const instance of cluster.instances.filter((i) => !i.down)) {
        const res = await instance.server.request('GET', `/sessions/${unlinked}`);
        expect(res.status, `${unlinked} on ${instance.id}`).toBe(404);
        await res.arrayBuffer();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const { doubles } = await sampler.stop();
    expect(doubles).toEqual([]);

    // The dead host comes back: its disk still holds the profile it ran, a cache it drops at start;
    // it does not bring the session back either.
    await cluster.restart(victim.index);
    const folderOn = (instance: (typeof cluster.instances)[number]) =>
      existsSync(path.join(instance.dataDir, 'sessions', `session-${unlinked}`));
    for (let wait = 0; cluster.instances.some(folderOn) && wait < 300; wait += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const instance of cluster.instances) expect(folderOn(instance), instance.id).toBe(false);
    const back = await victim.server.request('GET', `/sessions/${unlinked}`);
    expect(back.status, `${unlinked} on ${victim.id} after its restart`).toBe(404);
    await back.arrayBuffer();
    for (const table of ['wa_sessions', 'wa_auth_archives', 'wa_leases']) {
      const column = table === 'wa_sessions' ? 'id' : 'session_id';
      const rows = await query(cluster, `SELECT 1 FROM ${table} WHERE ${column} = $1`, [unlinked]);
      expect(rows, `${table} still holds ${unlinked}`).toEqual([]);
    }
    for (const id of rest) {
      const session = await waitFor(cluster, id, (s) => s?.state === 'READY', 10_000);
      expect(session?.hasQr).toBe(false);
    }
    expect(cluster.rejections()).toEqual([]);
  });
});
