import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../events/receiver.js';
import { type Cluster, startCluster } from './harness.js';
import { busiest, createReady, expectStatus, readyElsewhere } from './sessions.js';

/**
 * Issue 11: webhooks go out once from the shared outbox. Messages arrive before, during and after an
 * instance's kill -9; the receiver gets each one exactly once (by webhook-id), signed, whichever
 * instance recorded it and whichever delivered it.
 */

const secret = `whsec_${Buffer.from('cluster-webhook-secret-012345678').toString('base64')}`;
const IDS = Array.from({ length: 6 }, (_, i) => `hooked-${i + 1}`);
let cluster: Cluster;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('webhooks across a failover', () => {
  beforeAll(async () => {
    receiver = await startReceiver(() => 204);
    cluster = await startCluster({
      env: {
        WEBHOOK_URL: receiver.url,
        WEBHOOK_EVENTS: 'message.received',
        WEBHOOK_SECRET: secret,
        WEBHOOK_MAX_ATTEMPTS: '1000',
        WEBHOOK_MAX_DELAY_MS: '1000',
      },
    });
    for (const id of IDS) await createReady(cluster, id);
  });

  afterAll(async () => {
    const report = await cluster?.teardown();
    await receiver?.close();
    expect(report?.leftProcesses).toEqual([]);
    expect(report?.leftFolders).toEqual([]);
  });

  it('delivers every message exactly once, by webhook-id', async () => {
    const bodies: string[] = [];
    const incoming = async (id: string, body: string) => {
      await expectStatus(
        await cluster.request('POST', `/sessions/${id}/simulator/messages`, { from: '5511912345678', body }),
        201,
        `incoming ${body}`,
      );
      bodies.push(body);
    };

    for (const id of IDS) await incoming(id, `before ${id}`);

    const { victim, moved } = await busiest(cluster);
    const stayed = IDS.filter((id) => !moved.includes(id));
    const killedAt = Date.now();
    await cluster.kill9(victim.index);
    // During the takeover: the sessions that never moved keep receiving.
    for (const id of stayed) await incoming(id, `during ${id}`);
    for (const id of moved) await readyElsewhere(cluster, id, victim, killedAt + 60_000, new Set());
    for (const id of IDS) await incoming(id, `after ${id}`);

    const deadline = Date.now() + 60_000;
    while (receiver.requests.length < bodies.length && Date.now() < deadline) await sleep(200);
    // Longer than a lease and a delivery claim: a duplicate from an expired claim would show by now.
    await sleep(20_000);

    const verifier = new Webhook(secret);
    const received = receiver.requests.map((request) => {
      const headers = {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      };
      const event = verifier.verify(request.body, headers) as { id: string; payload: { body: string } };
      return { webhookId: headers['webhook-id'], body: event.payload.body };
    });
    const ids = received.map((r) => r.webhookId);
    expect(ids.length - new Set(ids).size, 'webhook-ids received more than once').toBe(0);
    expect(received.map((r) => r.body).sort()).toEqual([...bodies].sort());
    expect(cluster.rejections()).toEqual([]);
  });
});
