import { describe, expect, it } from 'vitest';
import {
  busiest,
  clusterWithReadySessions,
  expectStatus,
  ownerOf,
  readyElsewhere,
  sampleDoubleRuns,
} from './sessions.js';

/**
 * Issue 11, failover: an instance dies (kill -9 of its host: the server and its browsers at once);
 * its leases expire and the other instances bring its sessions back READY from their stored auth,
 * with no QR, and a session never runs on two instances at once.
 */

const IDS = Array.from({ length: 6 }, (_, i) => `failover-${i + 1}`);

describe('kill -9 of one instance', () => {
  const clusterOf = clusterWithReadySessions(IDS);

  it('brings its sessions back READY on the others within 60 s, without a QR, never on two at once', async () => {
    const cluster = clusterOf();
    const { victim, moved } = await busiest(cluster);
    expect(moved.length, `sessions on ${victim.id}`).toBeGreaterThan(0);

    const sampler = sampleDoubleRuns(cluster);
    const killedAt = Date.now();
    await cluster.kill9(victim.index);
    const seen = new Map(moved.map((id) => [id, new Set<string>()]));
    await Promise.all(
      moved.map((id) => readyElsewhere(cluster, id, victim, killedAt + 60_000, seen.get(id) ?? new Set())),
    );
    const took = Date.now() - killedAt;
    const { samples, doubles } = await sampler.stop();

    expect(took).toBeLessThanOrEqual(60_000);
    for (const [id, states] of seen) expect([...states], `${id} went through a QR`).not.toContain('QR');
    for (const id of moved) {
      const owner = await ownerOf(cluster, id);
      expect(owner.id).not.toBe(victim.id);
    }
    expect(samples).toBeGreaterThan(10);
    expect(doubles).toEqual([]);
  });

  it('lets messages flow on the sessions taken over, both ways', async () => {
    const cluster = clusterOf();
    for (const id of IDS) {
      const sent = await cluster.request('POST', `/sessions/${id}/messages`, {
        to: '+55 11 91234-5678',
        text: `after failover ${id}`,
      });
      await expectStatus(sent, 201, `send on ${id}`);
      const outbox = JSON.parse(
        await expectStatus(await cluster.request('GET', `/sessions/${id}/simulator/outbox`), 200, 'outbox'),
      ) as { messages: Array<{ body: string }> };
      expect(outbox.messages.map((m) => m.body)).toContain(`after failover ${id}`);
      const incoming = await cluster.request('POST', `/sessions/${id}/simulator/messages`, {
        from: '5511912345678',
        body: `in after failover ${id}`,
      });
      await expectStatus(incoming, 201, `incoming on ${id}`);
    }
  });

  it('keeps every session on exactly one instance afterwards, and none on the dead one', async () => {
    const cluster = clusterOf();
    const placement = await cluster.placement();
    expect([...placement.keys()].sort()).toEqual([...IDS].sort());
    for (const [id, instances] of placement) {
      expect(instances.length, id).toBe(1);
      expect(instances[0]?.down, id).toBe(false);
    }
    expect(cluster.rejections()).toEqual([]);
  });
});
