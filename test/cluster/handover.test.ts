import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { browsersUnder } from '../helpers/e2e.js';
import { busiest, clusterWithReadySessions, ownerOf, readyElsewhere, sampleDoubleRuns } from './sessions.js';

/**
 * Issue 11, hand-over: on SIGTERM (docker stop, a Kubernetes roll-out) an instance saves each
 * session's auth, closes its browsers and releases its leases; the others take them over at once.
 */

const IDS = Array.from({ length: 6 }, (_, i) => `handover-${i + 1}`);

describe('SIGTERM of one instance', () => {
  const clusterOf = clusterWithReadySessions(IDS);

  it('exits 0 and its sessions are READY on the others within 10 s, without a QR, never on two at once', async () => {
    const cluster = clusterOf();
    const { victim, moved } = await busiest(cluster);
    expect(moved.length, `sessions on ${victim.id}`).toBeGreaterThan(0);

    const sampler = sampleDoubleRuns(cluster);
    const signalledAt = Date.now();
    const exit = cluster.terminate(victim.index);
    const seen = new Map(moved.map((id) => [id, new Set<string>()]));
    await Promise.all(
      moved.map((id) => readyElsewhere(cluster, id, victim, signalledAt + 10_000, seen.get(id) ?? new Set())),
    );
    const took = Date.now() - signalledAt;
    expect(await exit).toBe(0);
    const { doubles } = await sampler.stop();

    expect(took).toBeLessThanOrEqual(10_000);
    for (const id of moved) expect((await ownerOf(cluster, id)).id).not.toBe(victim.id);
    for (const [id, states] of seen) expect([...states], `${id} went through a QR`).not.toContain('QR');
    expect(doubles).toEqual([]);
    // The instance that left ran nothing more and kept no copy: the archive in PostgreSQL is the truth.
    expect(await browsersUnder(victim.dataDir)).toEqual([]);
    for (const id of moved) {
      expect(existsSync(path.join(victim.dataDir, 'sessions', `session-${id}`)), id).toBe(false);
    }
    expect(cluster.rejections()).toEqual([]);
  });
});
