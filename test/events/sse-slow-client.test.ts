import { connect as connectTcp, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../../src/events/bus.js';
import { createEventsRouter } from '../../src/http/routes/events.js';
import { captureLogger } from './receiver.js';
import { serveRouter } from './sse-client.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('an SSE client that stops reading', () => {
  it('is cut off once its backlog passes the limit, with a warning, and costs the bus nothing after', async () => {
    const { logger, lines } = captureLogger();
    const bus = createEventBus({ logger });
    const replay = { flush: async () => undefined, eventsAfter: async () => [] };
    const router = createEventsRouter({ bus, logger, replay, maxBufferedBytes: 64 * 1024 });
    const server = await serveRouter(router);
    cleanups.push(server.close, () => router.close());
    const before = bus.listenerCount();

    // A raw connection that sends the request and then never reads: the kernel's buffers fill, then
    // the server's own, as with a stalled client behind a proxy.
    const { port } = new URL(server.base);
    const socket: Socket = connectTcp(Number(port), '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    socket.pause();
    await expect.poll(() => bus.listenerCount()).toBe(before + 1);

    // Far more than loopback's socket buffers hold (a few MiB): 1 KiB events, published in bursts.
    const qr = 'x'.repeat(1024);
    for (let burst = 0; burst < 200 && bus.listenerCount() > before; burst += 1) {
      for (let i = 0; i < 100; i += 1) bus.publish('session.qr', 'slow', { qr });
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(bus.listenerCount()).toBe(before);
    expect(lines.some((l) => l.msg.startsWith('SSE client reads too slowly'))).toBe(true);
    socket.resume();
    await closed;
  });
});
