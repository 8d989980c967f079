import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const start = async (limits: {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}) => {
  const app = express();
  app.get('/ok', (_req, res) => res.send('ok'));
  app.post('/ok', (req, res) => {
    req.resume();
    req.on('end', () => res.send('ok'));
  });
  const server = createHttpServer(app, limits);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

/** A raw connection: what it received, and when it was closed (ms after it opened), or null. */
const open = async (port: number) => {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const openedAt = Date.now();
  let received = '';
  let closedAfter: number | null = null;
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      closedAfter = Date.now() - openedAt;
      resolve(closedAfter);
    }),
  );
  return { socket, closed, received: () => received, closedAfter: () => closedAfter };
};

/** Writes one byte at a time, every `everyMs`, until the socket closes. */
const trickle = (socket: Socket, text: string, everyMs: number) => {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i] ?? '');
    i += 1;
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
};

describe('the HTTP server against slow and numerous clients', () => {
  it('closes a client that sends its request head too slowly (408), near the headers timeout', async () => {
    const port = await start({ headersTimeoutMs: 1000, requestTimeoutMs: 5000, maxConnections: 10 });
    const client = await open(port);
    client.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n');
    trickle(
      client.socket,
      'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n',
      100,
    );
    const after = await Promise.race([
      client.closed,
      new Promise<null>((r) => setTimeout(() => r(null), 4000)),
    ]);
    expect(after).not.toBeNull();
    expect(after).toBeLessThan(3000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(client.received()).toContain('"code":"request_timeout"');
  });

  it('closes a client that sends its body too slowly, near the request timeout', async () => {
    const port = await start({ headersTimeoutMs: 1000, requestTimeoutMs: 2000, maxConnections: 10 });
    const client = await open(port);
    client.socket.write('POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    trickle(client.socket, 'a'.repeat(1000), 100);
    const after = await Promise.race([
      client.closed,
      new Promise<null>((r) => setTimeout(() => r(null), 6000)),
    ]);
    expect(after).not.toBeNull();
    expect(after).toBeLessThan(4500);
  });

  it('closes connections past the cap at once, and accepts again when one leaves', async () => {
    const port = await start({ headersTimeoutMs: 5000, requestTimeoutMs: 5000, maxConnections: 2 });
    const first = await open(port);
    await open(port);
    const third = await open(port);
    const after = await Promise.race([
      third.closed,
      new Promise<null>((r) => setTimeout(() => r(null), 2000)),
    ]);
    expect(after).not.toBeNull();
    first.socket.destroy();
    await first.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const res = await fetch(`http://127.0.0.1:${port}/ok`);
    expect(await res.text()).toBe('ok');
  });

  it.for([
    ['a request line that is not HTTP', 'NOT HTTP AT ALL\r\n\r\n', 400, 'bad_request'],
    [
      'both Content-Length and chunked',
      'POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'bad_request',
    ],
    ['an unknown Expect', 'GET /ok HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n', 417, 'expectation_failed'],
    [
      'headers past the size limit',
      `GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
  ] as const)('answers %s as problem+json', async ([, raw, status, code]) => {
    const port = await start({ headersTimeoutMs: 5000, requestTimeoutMs: 5000, maxConnections: 10 });
    const client = await open(port);
    client.socket.write(raw);
    await client.closed;
    const [head = '', body = ''] = client.received().split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head.toLowerCase()).toContain('content-type: application/problem+json');
    expect(JSON.parse(body)).toMatchObject({ status, code });
  });
});
