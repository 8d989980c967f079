import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliveryView as Delivery } from '../../src/store/delivery-types.js';
import { sandboxServer } from '../e2e/harness.js';
import { startReceiver } from '../events/receiver.js';
import { post, startToQr, waitUntil } from '../helpers/e2e.js';
import { removeDir, type ServerProcess } from '../helpers/server-process.js';
import { backends, useBackend } from './backends.js';

const page = async (server: ServerProcess, query: string) => {
  const res = await server.request('GET', `/webhooks/deliveries?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { items: Delivery[]; nextCursor: string | null };
};

describe.each(backends)('the deliveries API on %s', (backend) => {
  const store = useBackend(backend);

  it('keeps a delivery that failed as a dead letter across a restart, and retries it on request', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-dead-'));
    context.onTestFinished(() => removeDir(dataDir));
    let answer: (n: number) => number = () => 400;
    const receiver = await startReceiver((n) => answer(n));
    context.onTestFinished(() => receiver.close());
    const env = { ...(await store.env()), WEBHOOK_URL: receiver.url, WEBHOOK_EVENTS: 'session.status' };

    const first = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    await startToQr(first, 'yankee');
    // A 400 is not retried: STARTING and QR are failed at once, with what the receiver said.
    await waitUntil('two dead letters', async () => (await page(first, 'status=failed')).items.length >= 2);
    const failed = (await page(first, 'status=failed&sessionId=yankee')).items;
    expect(failed[0]).toMatchObject({
      eventType: 'session.status',
      sessionId: 'yankee',
      url: receiver.url,
      status: 'failed',
      attempts: 1,
      lastStatus: 400,
      lastError: 'HTTP 400',
      nextAttemptAt: null,
    });
    expect(Number.isNaN(Date.parse(failed[0]?.createdAt ?? ''))).toBe(false);
    // Newest first, one per page, the cursor leads on.
    const one = await page(first, 'status=failed&limit=1');
    expect(one.items[0]?.id).toBe(failed[0]?.id);
    expect(one.nextCursor).not.toBeNull();
    const two = await page(first, `status=failed&limit=1&cursor=${one.nextCursor}`);
    expect(Number(two.items[0]?.id)).toBeLessThan(Number(one.items[0]?.id));
    expect((await page(first, 'sessionId=nobody')).items).toEqual([]);
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const second = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    const kept = (await page(second, 'status=failed&sessionId=yankee')).items;
    expect(kept.map((d) => d.id)).toEqual(expect.arrayContaining(failed.map((d) => d.id)));

    // The receiver is fixed: a retried dead letter goes out again with the same webhook-id.
    answer = () => 200;
    const target = failed[0];
    if (target === undefined) throw new Error('no dead letter');
    const before = receiver.requests.length;
    const retried = await post(second, `/webhooks/deliveries/${target.id}/retry`, undefined, 202);
    expect(retried).toMatchObject({ id: target.id, status: 'pending', attempts: 0 });
    await waitUntil('the retried delivery is delivered', async () =>
      (await page(second, 'status=delivered')).items.some((d) => d.id === target.id),
    );
    const again = receiver.requests.slice(before).filter((r) => r.headers['webhook-id'] === target.eventId);
    expect(again).toHaveLength(1);

    // Pending (the receiver asks to wait a minute): a second retry is refused.
    answer = () => 503;
    const other = failed[1];
    if (other === undefined) throw new Error('no second dead letter');
    await post(second, `/webhooks/deliveries/${other.id}/retry`, undefined, 202);
    const conflict = await second.request('POST', `/webhooks/deliveries/${other.id}/retry`);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ code: 'delivery_pending' });
    for (const id of ['999999', 'abc']) {
      const missing = await second.request('POST', `/webhooks/deliveries/${id}/retry`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: 'delivery_not_found' });
    }
    const bad = await second.request('GET', '/webhooks/deliveries?status=lost');
    expect(bad.status).toBe(400);
  });
});
