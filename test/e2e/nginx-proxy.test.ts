import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProcesses } from '../../src/browser/process-table.js';
import { findNginx, freePort, type NginxProcess, startNginx } from '../helpers/nginx.js';
import { removeDir, type ServerProcess, startServer, TEST_API_KEY } from '../helpers/server-process.js';
import { sandboxEnv, stopAndVerify } from './harness.js';

/**
 * deploy/nginx.conf, as shipped (only ports and file paths rewritten: see adaptNginxConf), in front of
 * the real server: what a user of docker-compose.yml gets between a client and wa-sessions.
 */

const nginxBinary = findNginx();
if (!nginxBinary) {
  // .ci/run installs it; say so rather than skip: a proxy test that silently does not run proves nothing.
  throw new Error('nginx is not installed: apt-get install -y nginx-light (as .ci/run does)');
}

const MiB = 1024 * 1024;

let server: ServerProcess;
let nginx: NginxProcess;
let nginxDir: string;

const viaProxy = (
  method: string,
  urlPath: string,
  init: { body?: string; headers?: Record<string, string> } = {},
) =>
  fetch(`${nginx.baseUrl}${urlPath}`, {
    method,
    headers: {
      'x-api-key': TEST_API_KEY,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body,
    signal: AbortSignal.timeout(30_000),
  });

const completedLine = (requestId: string) =>
  server.waitForLog((l) => l.reqId === requestId && l.msg === 'request completed', 5000);

const expectProblem = async (res: Response, status: number, code: string) => {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as { status: number; code: string; detail: string; requestId?: string };
  expect(body).toMatchObject({ status, code });
  return body;
};

/** Reads an SSE stream until a whole event (not a comment, not `retry:`) has arrived, bounded. */
const readFirstEvent = async (
  reader: ReadableStreamDefaultReader<Uint8Array>,
  timeoutMs: number,
): Promise<{ event: string; data: unknown }> => {
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw new Error(`No SSE event within ${timeoutMs} ms; received: ${JSON.stringify(text)}`);
    let timer: NodeJS.Timeout | undefined;
    const chunk = await Promise.race([
      reader.read(),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), remaining);
      }),
    ]);
    clearTimeout(timer);
    if (chunk === null) continue;
    if (chunk.done) throw new Error(`SSE stream ended; received: ${JSON.stringify(text)}`);
    text += decoder.decode(chunk.value, { stream: true });
    for (const block of text.split('\n\n').slice(0, -1)) {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) return { event, data: JSON.parse(data) as unknown };
    }
  }
};

describe('behind deploy/nginx.conf', () => {
  beforeAll(async () => {
    server = await startServer({ ...sandboxEnv, TRUST_PROXY: 'loopback' });
    nginxDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-nginx-'));
    nginx = await startNginx({
      nginx: nginxBinary,
      upstream: server.baseUrl.replace('http://', ''),
      dir: nginxDir,
    });
  });

  afterAll(async () => {
    const master = nginx?.child.pid;
    await nginx?.stop();
    if (server) {
      await stopAndVerify(server);
      await removeDir(server.dataDir);
    }
    if (master !== undefined) {
      const left = (await listProcesses()).filter(
        (p) => p.state !== 'Z' && (p.pid === master || p.ppid === master),
      );
      expect(left, 'nginx processes left behind').toEqual([]);
    }
    if (nginxDir) await rm(nginxDir, { recursive: true, force: true });
  });

  it('passes requests and answers through, with one request id end to end', async () => {
    const res = await viaProxy('GET', '/sessions', { headers: { 'x-request-id': 'proxy-test-1' } });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toBeDefined();
    expect(res.headers.get('x-request-id')).toBe('proxy-test-1');
    await completedLine('proxy-test-1');

    // No id from the client: nginx's own $request_id reaches the server, which logs and echoes it.
    const unnamed = await viaProxy('GET', '/sessions');
    expect(unnamed.status).toBe(200);
    const generated = unnamed.headers.get('x-request-id') ?? '';
    expect(generated).toMatch(/^[0-9a-f]{32}$/);
    await completedLine(generated);
  });

  it('answers the health probes through the proxy without a key, and everything else only with one', async () => {
    const live = await fetch(`${nginx.baseUrl}/health/live`, { signal: AbortSignal.timeout(10_000) });
    expect(live.status).toBe(200);
    const ready = await fetch(`${nginx.baseUrl}/health/ready`, { signal: AbortSignal.timeout(30_000) });
    expect(ready.status).toBe(200);
    const anonymous = await fetch(`${nginx.baseUrl}/sessions`, { signal: AbortSignal.timeout(10_000) });
    await expectProblem(anonymous, 401, 'unauthorized');
  });

  it('passes the server errors through as problem+json', async () => {
    await expectProblem(await viaProxy('GET', '/no-such-route'), 404, 'not_found');
    await expectProblem(await viaProxy('GET', '/sessions/bad.id'), 400, 'invalid_session_id');
    await expectProblem(await viaProxy('POST', '/sessions/x', { body: '{"webhook":' }), 400, 'invalid_json');
  });

  it('lets the server answer a body just over its 16 MB limit; refuses a larger one with problem+json', async () => {
    const justOver = JSON.stringify({ padding: 'a'.repeat(16 * MiB + 1024) });
    const fromServer = await expectProblem(
      await viaProxy('POST', '/sessions/too-big', {
        body: justOver,
        headers: { 'x-request-id': 'proxy-413' },
      }),
      413,
      'payload_too_large',
    );
    // The server's own answer (it names its limit and logged the request), not nginx's.
    expect(fromServer.detail).toContain('16mb');
    await completedLine('proxy-413');

    const farOver = JSON.stringify({ padding: 'a'.repeat(18 * MiB) });
    const fromProxy = await expectProblem(
      await viaProxy('POST', '/sessions/too-big', {
        body: farOver,
        headers: { 'x-request-id': 'proxy-413-far' },
      }),
      413,
      'payload_too_large',
    );
    expect(fromProxy).toMatchObject({ type: 'about:blank', requestId: 'proxy-413-far' });
    expect(
      server.logs.some((l) => l.reqId === 'proxy-413-far'),
      'nginx refused it, the server never saw it',
    ).toBe(false);
    const sessions = await (await viaProxy('GET', '/sessions')).text();
    expect(sessions).not.toContain('too-big');
  });

  it('streams SSE events through as they happen (no proxy buffering)', async () => {
    const controller = new AbortController();
    // A buffering proxy holds even the headers back: bounded, so that fails here and not at the test's limit.
    const headersTimer = setTimeout(() => controller.abort(new Error('no SSE headers within 5 s')), 5000);
    const stream = await fetch(`${nginx.baseUrl}/events`, {
      headers: { 'x-api-key': TEST_API_KEY, accept: 'text/event-stream' },
      signal: controller.signal,
    }).finally(() => clearTimeout(headersTimer));
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = stream.body?.getReader();
      if (!reader) throw new Error('no body');
      // The stream is open and idle; now an event happens. A buffering proxy would hold these few
      // hundred bytes until its buffer filled or the stream ended: neither happens within 5 s.
      const created = await viaProxy('POST', '/sessions/via-proxy');
      expect(created.status, await created.clone().text()).toBe(201);
      const first = await readFirstEvent(reader, 5000);
      expect(first.event).toMatch(/^session\./);
      expect(first.data).toMatchObject({ sessionId: 'via-proxy' });
    } finally {
      controller.abort();
    }
    const deleted = await viaProxy('DELETE', '/sessions/via-proxy');
    expect(deleted.status, await deleted.clone().text()).toBe(204);
  });

  it('logs the client address that nginx forwards (X-Forwarded-For, trust proxy = loopback)', async () => {
    const res = await viaProxy('GET', '/sessions', {
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'proxy-xff' },
    });
    expect(res.status).toBe(200);
    // nginx sent "203.0.113.7, 127.0.0.1"; the server trusts its loopback peer and the 127.0.0.1 hop.
    expect((await completedLine('proxy-xff')).remoteAddress).toBe('203.0.113.7');
  });

  it('answers 503 problem+json, not an HTML 502, while the server is down (a restart, an upgrade)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-nginx-down-'));
    const down = await startNginx({ nginx: nginxBinary, upstream: `127.0.0.1:${await freePort()}`, dir });
    try {
      const res = await fetch(`${down.baseUrl}/sessions`, {
        headers: { 'x-api-key': TEST_API_KEY, 'x-request-id': 'proxy-down' },
        signal: AbortSignal.timeout(10_000),
      });
      const body = await expectProblem(res, 503, 'upstream_unavailable');
      expect(body.requestId).toBe('proxy-down');
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      const master = down.child.pid;
      await down.stop();
      const left = (await listProcesses()).filter(
        (p) => p.state !== 'Z' && (p.pid === master || p.ppid === master),
      );
      expect(left, 'nginx processes left behind').toEqual([]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
