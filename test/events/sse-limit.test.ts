import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventBus } from '../../src/events/bus.js';
import { createEventsRouter } from '../../src/http/routes/events.js';
import { fullAppsClosedAfterEach, KEY } from '../helpers/full-app.js';
import { captureLogger } from './receiver.js';
import { connectSse, serveRouter } from './sse-client.js';

const build = fullAppsClosedAfterEach();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const listen = async (env: Record<string, string>) => {
  const full = build({ env });
  const server: Server = createServer(full.app).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        full.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe('open event streams are capped per API key', () => {
  it('answers 429 too_many_streams past SSE_MAX_STREAMS_PER_KEY, and accepts one again once a stream closes', async () => {
    const base = await listen({ SSE_MAX_STREAMS_PER_KEY: '3' });
    const open = async (path: string) => {
      const client = await connectSse(`${base}${path}`, { 'x-api-key': KEY });
      cleanups.push(client.close);
      return client;
    };
    const streams = [await open('/events'), await open('/sessions/a/events'), await open('/events')];
    for (const stream of streams) expect(stream.response.status).toBe(200);

    const refused = await fetch(`${base}/sessions/b/events`, { headers: { 'x-api-key': KEY } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'too_many_streams', limit: 3 });

    streams[0]?.close();
    await vi.waitFor(async () => {
      const again = await connectSse(`${base}/events`, { 'x-api-key': KEY });
      cleanups.push(again.close);
      expect(again.response.status).toBe(200);
    });
  });

  it('counts per client address when the app runs without a key', async () => {
    const { logger } = captureLogger();
    const router = createEventsRouter({
      bus: createEventBus({ logger }),
      logger,
      maxStreamsPerKey: 2,
      replay: { flush: async () => undefined, eventsAfter: async () => [] },
    });
    const server = await serveRouter(router);
    cleanups.push(server.close, () => router.close());
    for (let i = 0; i < 2; i += 1) {
      const client = await connectSse(`${server.base}/events`);
      cleanups.push(client.close);
      expect(client.response.status).toBe(200);
    }
    expect((await fetch(`${server.base}/events`)).status).toBe(429);
  });
});
