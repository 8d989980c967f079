import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../helpers/server-process.js';
import { type Cluster, startCluster } from './harness.js';
import { createReady, expectStatus, getSession, ownerOf, sessionsByInstance, waitFor } from './sessions.js';

/**
 * Issue 11: sessions created through nginx are spread over the instances, and any instance answers
 * any request for any of them (forwarding to the owner).
 */

const IDS = Array.from({ length: 9 }, (_, i) => `spread-${i + 1}`);
let cluster: Cluster;

describe('any instance answers any request', () => {
  beforeAll(async () => {
    cluster = await startCluster();
  });

  afterAll(async () => {
    const report = await cluster?.teardown();
    expect(report?.leftProcesses).toEqual([]);
    expect(report?.leftFolders).toEqual([]);
  });

  it('9 sessions created through nginx land on all three instances and reach READY', async () => {
    for (const id of IDS) await createReady(cluster, id);
    const placed = await sessionsByInstance(cluster);
    for (const instance of cluster.instances) {
      expect(placed.get(instance.id)?.length, `${instance.id} runs ${placed.get(instance.id)}`).toBe(3);
    }
    expect([...placed.values()].flat().sort()).toEqual([...IDS].sort());
  });

  it('lists the whole cluster from every instance', async () => {
    for (const instance of cluster.instances) {
      const res = await instance.server.request('GET', '/sessions');
      const { sessions: items } = JSON.parse(
        await expectStatus(res, 200, `GET /sessions on ${instance.id}`),
      ) as {
        sessions: Array<{ id: string; state: string }>;
      };
      expect(items.map((s) => s.id).sort(), instance.id).toEqual([...IDS].sort());
      expect(items.every((s) => s.state === 'READY')).toBe(true);
    }
  });

  it('answers every route of a session on an instance that does not own it', async () => {
    const id = 'spread-1';
    const owner = await ownerOf(cluster, id);
    const others = cluster.instances.filter((i) => i !== owner);
    for (const other of others) {
      const via = other.server;
      const rid = `forwarded-${other.id}`;
      const res = await via.request('GET', `/sessions/${id}`, undefined, { 'x-request-id': rid });
      expect(JSON.parse(await expectStatus(res, 200, 'GET session'))).toMatchObject({ id, state: 'READY' });
      expect(res.headers.get('x-request-id')).toBe(rid);

      const sent = await via.request('POST', `/sessions/${id}/messages`, {
        to: '+55 11 91234-5678',
        text: `from ${other.id}`,
      });
      expect(JSON.parse(await expectStatus(sent, 201, 'send'))).toMatchObject({ id: expect.any(String) });
      const outbox = JSON.parse(
        await expectStatus(await via.request('GET', `/sessions/${id}/simulator/outbox`), 200, 'outbox'),
      ) as { messages: Array<{ body: string }> };
      expect(outbox.messages.map((m) => m.body)).toContain(`from ${other.id}`);

      const incoming = await via.request('POST', `/sessions/${id}/simulator/messages`, {
        from: '5511912345678',
        body: `to ${other.id}`,
      });
      await expectStatus(incoming, 201, 'incoming');
      await expectStatus(await via.request('GET', `/sessions/${id}/chats`), 200, 'chats');
      await expectStatus(await via.request('GET', `/sessions/${id}/contacts`), 200, 'contacts');
      await expectStatus(
        await via.request('GET', `/sessions/${id}/contacts/check?phone=5511912345678`),
        200,
        'check',
      );
      // A bad request is refused where it arrives, the same as on the owner.
      const bad = await via.request('POST', `/sessions/${id}/messages`, { to: 'not a number' });
      expect(bad.status).toBe(400);
      await bad.arrayBuffer();
    }
    // Still one browser, on the owner.
    expect((await cluster.placement()).get(id)?.map((i) => i.id)).toEqual([owner.id]);
  });

  it('serves the QR of a session waiting for a scan on every instance, as JSON and as a PNG', async () => {
    const id = 'spread-qr';
    await expectStatus(await cluster.request('POST', `/sessions/${id}`), 201, `POST /sessions/${id}`);
    await waitFor(cluster, id, (s) => s?.state === 'QR', 90_000);
    const qrs = new Set<string>();
    for (const instance of cluster.instances) {
      const json = await instance.server.request('GET', `/sessions/${id}/qr`, undefined, {
        accept: 'application/json',
      });
      qrs.add((JSON.parse(await expectStatus(json, 200, `QR on ${instance.id}`)) as { qr: string }).qr);
      const png = await instance.server.request('GET', `/sessions/${id}/qr`, undefined, {
        accept: 'image/png',
      });
      expect(png.status, instance.id).toBe(200);
      expect(png.headers.get('content-type')).toMatch(/^image\/png/);
      await png.arrayBuffer();
    }
    expect([...qrs].every((qr) => qr.length > 10)).toBe(true);
    await expectStatus(await cluster.request('DELETE', `/sessions/${id}`), 204, `DELETE /sessions/${id}`);
    await waitFor(cluster, id, (s) => s === null, 20_000);
  });

  it('streams the events of a session owned elsewhere over SSE', async () => {
    const id = 'spread-2';
    const owner = await ownerOf(cluster, id);
    const other = cluster.instances.find((i) => i !== owner);
    if (!other) throw new Error('no other instance');
    const controller = new AbortController();
    const stream = await fetch(`${other.url}/sessions/${id}/events`, {
      headers: { 'x-api-key': TEST_API_KEY, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    if (!reader) throw new Error('no body');
    await expectStatus(
      await other.server.request('POST', `/sessions/${id}/simulator/messages`, {
        from: '5511912345678',
        body: 'over sse',
      }),
      201,
      'incoming',
    );
    const decoder = new TextDecoder();
    let text = '';
    const deadline = Date.now() + 20_000;
    while (!text.includes('over sse') && Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000)),
      ]);
      if (chunk?.value) text += decoder.decode(chunk.value, { stream: true });
      if (chunk?.done) break;
    }
    controller.abort();
    expect(text).toContain('over sse');
  });

  it('deletes a session through an instance that does not own it: gone everywhere, browser and folder too', async () => {
    const id = 'spread-3';
    const owner = await ownerOf(cluster, id);
    const other = cluster.instances.find((i) => i !== owner);
    if (!other) throw new Error('no other instance');
    await expectStatus(await other.server.request('DELETE', `/sessions/${id}`), 204, 'DELETE');
    for (const instance of cluster.instances) {
      await waitFor(instance.server, id, (s) => s === null, 10_000);
    }
    expect((await cluster.placement()).has(id)).toBe(false);
    expect(existsSync(path.join(owner.dataDir, 'sessions', `session-${id}`))).toBe(false);
    expect(await getSession(cluster, id)).toBeNull();
  });

  it('stops a session through one instance and starts it again through another, without a QR', async () => {
    const id = 'spread-4';
    const owner = await ownerOf(cluster, id);
    const others = cluster.instances.filter((i) => i !== owner);
    const [first, second] = others;
    if (!first || !second) throw new Error('two other instances needed');
    await expectStatus(await first.server.request('POST', `/sessions/${id}/stop`), 200, 'stop');
    await waitFor(second.server, id, (s) => s?.state === 'STOPPED', 20_000);
    expect((await cluster.placement()).has(id)).toBe(false);
    // Started again (200: it exists), placed by the instance that was asked.
    await expectStatus(await second.server.request('POST', `/sessions/${id}`), 200, 'start again');
    const seen = new Set<string>();
    await waitFor(cluster, id, (s) => s?.state === 'READY', 60_000, seen);
    expect(seen.has('QR')).toBe(false);
  });

  it('left no unhandled rejection in any instance', () => {
    expect(cluster.rejections()).toEqual([]);
  });
});
