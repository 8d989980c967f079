import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiKeyAuth, createApiKeyCheck } from '../../src/http/auth.js';
import { createAuthFailureLimit } from '../../src/http/auth-failure-limit.js';
import { compileTrust } from '../../src/http/client-address.js';
import { createFastLane } from '../../src/http/fast-lane.js';
import { createRateLimit } from '../../src/http/rate-limit.js';
import { createRequestTracking } from '../../src/http/request-tracking.js';
import { createSecurityHeaders } from '../../src/http/security.js';
import { createLogger } from '../../src/logger.js';
import { createFakeManager } from '../helpers/fake-manager.js';
import { type FullApp, fullAppsClosedAfterEach, KEY } from '../helpers/full-app.js';

const build = fullAppsClosedAfterEach();

/** TRUST_PROXY=loopback (the default) makes this the client address of a supertest request. */
const REMOTE = '203.0.113.9';

/** What may differ between two answers given a moment apart by two apps. */
const comparable = (res: request.Response) => {
  const headers: Record<string, unknown> = { ...res.headers };
  delete headers.date;
  delete headers.connection;
  delete headers['keep-alive'];
  if (typeof headers.ratelimit === 'string') headers.ratelimit = headers.ratelimit.replace(/t=\d+/, 't=T');
  return { status: res.status, headers, text: res.text };
};

const accessLineOf = (full: FullApp, reqId: string): Record<string, unknown> => {
  const line = full.logs
    .map((raw) => JSON.parse(raw) as Record<string, unknown>)
    .find((l) => l.msg === 'request completed' && l.reqId === reqId);
  if (line === undefined) throw new Error(`no access line for ${reqId}`);
  const { time: _time, pid: _pid, hostname: _hostname, durationMs, ...rest } = line;
  expect(durationMs).toEqual(expect.any(Number));
  return rest;
};

const durationSeries = async (full: FullApp): Promise<string[]> =>
  (await full.metrics.registry.getSingleMetricAsString('wa_sessions_http_request_duration_seconds'))
    .split('\n')
    .filter((line) => line.includes('_count{'));

describe('the fast lane', () => {
  const twoApps = (env: Record<string, string> = {}) => {
    const pair = [build({ env }), build({ env, fastLane: false })] as const;
    for (const full of pair) {
      full.manager.seed('alice', { state: 'READY' });
      full.manager.seed('bob', { state: 'QR', hasQr: true });
    }
    return pair;
  };

  it.each([
    ['a liveness probe', '/health/live', {}],
    ['a liveness probe with a query string', '/health/live?from=lb', {}],
    ['a session by X-Api-Key', '/sessions/alice', { 'X-Api-Key': KEY }],
    ['a session by Bearer token', '/sessions/bob', { Authorization: `Bearer ${KEY}` }],
    [
      'a session for a remote client, counted by the rate limit',
      '/sessions/alice',
      { 'X-Api-Key': KEY, 'X-Forwarded-For': REMOTE },
    ],
    ['the list of sessions', '/sessions', { 'X-Api-Key': KEY }],
  ])(
    'answers %s exactly as Express does: headers, body, access line and metric',
    async (_what, path, headers) => {
      const [fast, plain] = twoApps({ RATE_LIMIT_PER_MINUTE: '5' });
      const answers = [];
      for (const full of [fast, plain]) {
        const res = await request(full.app)
          .get(path)
          .set({ ...headers, 'X-Request-Id': 'same-id' })
          .expect(200);
        answers.push(comparable(res));
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]?.headers['x-request-id']).toBe('same-id');
      expect(accessLineOf(fast, 'same-id')).toEqual(accessLineOf(plain, 'same-id'));
      expect(await durationSeries(fast)).toEqual(await durationSeries(plain));
      expect(await durationSeries(fast)).toHaveLength(1);
    },
  );

  it('spends the same rate-limit budget as Express: the sixth request of a remote client is 429 either way', async () => {
    const [fast, plain] = twoApps({ RATE_LIMIT_PER_MINUTE: '5' });
    for (const full of [fast, plain]) {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        const res = await request(full.app)
          .get('/sessions/alice')
          .set({ 'X-Api-Key': KEY, 'X-Forwarded-For': REMOTE });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    }
  });

  it("gives a session's changed status a new ETag, Express's own", async () => {
    const [fast, plain] = twoApps();
    const tags = async (full: FullApp) =>
      (await request(full.app).get('/sessions/alice').set('X-Api-Key', KEY).expect(200)).headers.etag;
    const before = await tags(fast);
    for (const full of [fast, plain]) full.manager.seed('alice', { state: 'DISCONNECTED' });
    const after = await tags(fast);
    expect(after).not.toBe(before);
    expect(after).toBe(await tags(plain));
  });

  it('leaves a failing read to the error handler: 500 problem+json, as when the route throws', async () => {
    const [fast, plain] = twoApps();
    const answers = [];
    for (const full of [fast, plain]) {
      full.manager.failNext('get', new Error('boom'));
      const res = await request(full.app)
        .get('/sessions/alice')
        .set({ 'X-Api-Key': KEY, 'X-Request-Id': 'failing' })
        .expect(500);
      answers.push(comparable(res));
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(accessLineOf(fast, 'failing')).toEqual(accessLineOf(plain, 'failing'));
  });
});

describe('what the fast lane leaves to Express', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  /**
   * The lane in front of a stand-in for Express with the real failed-authentication limit and key
   * check, which answers 299 what it lets through. `handled` is the lane's decision per request.
   */
  const laneServer = async (
    options: { failuresLimit?: number; ratePerMinute?: number; cluster?: boolean; liveness?: boolean } = {},
  ) => {
    const manager = createFakeManager();
    manager.seed('alice', { state: 'READY' });
    const key = createApiKeyCheck(KEY);
    const failures = createAuthFailureLimit({ limit: options.failuresLimit ?? 30 });
    const trust = compileTrust('loopback');
    const lane = createFastLane({
      tracking: createRequestTracking({ logger: createLogger({ level: 'silent' }) }),
      security: createSecurityHeaders(),
      trust,
      rateLimit: createRateLimit({
        config: { RATE_LIMIT_PER_MINUTE: options.ratePerMinute ?? 600, RATE_LIMIT_LOOPBACK: true },
      }),
      auth: { key, failures },
      liveness: options.liveness ?? true,
      ...(options.cluster ? {} : { manager }),
    });
    const standIn = express();
    standIn.set('trust proxy', trust);
    standIn.use(failures.handler);
    standIn.use(createApiKeyAuth({ key, onFailure: failures.recordFailure }));
    standIn.use((_req: Request, res: Response) => {
      res.status(299).end();
    });
    standIn.use((err: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status ?? 500).end();
    });
    const handled: boolean[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const answered = lane.handle(req, res);
      handled.push(answered);
      if (!answered) standIn(req, res);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const send = (
      path: string,
      init: { method?: string; headers?: Record<string, string>; body?: string } = {},
    ) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers ?? {} },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(init.body);
      });
    return { send, handled };
  };

  const keyed = { 'X-Api-Key': KEY };

  it('answers the plain reads itself', async () => {
    const { send, handled } = await laneServer();
    expect(await send('/health/live')).toBe(200);
    expect(await send('/health/live?probe=1')).toBe(200);
    expect(await send('/sessions/alice', { headers: keyed })).toBe(200);
    expect(await send('/sessions', { headers: { Authorization: `Bearer ${KEY}` } })).toBe(200);
    expect(handled).toEqual([true, true, true, true]);
  });

  it.each([
    ['HEAD', '/sessions/alice', { method: 'HEAD', headers: keyed }, 299],
    ['a POST', '/sessions/alice', { method: 'POST', headers: keyed }, 299],
    [
      'a GET with a body',
      '/sessions/alice',
      // Node's client sends a GET's body without a length header unless told: the lane would see none.
      { headers: { ...keyed, 'Content-Type': 'application/json', 'Content-Length': '2' }, body: '{}' },
      299,
    ],
    ['a conditional GET', '/sessions/alice', { headers: { ...keyed, 'If-None-Match': 'W/"x"' } }, 299],
    ['no key', '/sessions/alice', {}, 401],
    ['a wrong key', '/sessions/alice', { headers: { 'X-Api-Key': 'wrong' } }, 401],
    ['an unknown session', '/sessions/nobody', { headers: keyed }, 299],
    ['a bad id', '/sessions/a%2Fb', { headers: keyed }, 299],
    ['a longer path', '/sessions/alice/qr', { headers: keyed }, 299],
    ['another letter case', '/Sessions/alice', { headers: keyed }, 299],
    // The stand-in has no health route: its key check refuses the probe.
    ['a trailing slash', '/health/live/', {}, 401],
  ])('leaves %s to Express', async (_what, path, init, status) => {
    const { send, handled } = await laneServer();
    expect(await send(path, init)).toBe(status);
    expect(handled).toEqual([false]);
  });

  it('leaves an address past the failed-authentication limit to Express, even with the right key', async () => {
    const { send, handled } = await laneServer({ failuresLimit: 1 });
    expect(await send('/sessions/alice', { headers: { 'X-Api-Key': 'wrong' } })).toBe(401);
    expect(await send('/sessions/alice', { headers: keyed })).toBe(429);
    expect(handled).toEqual([false, false]);
  });

  it('leaves a spent budget to Express, having counted only what it answered', async () => {
    const { send, handled } = await laneServer({ ratePerMinute: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push(await send('/sessions/alice', { headers: keyed }));
    expect(statuses).toEqual([200, 200, 299]);
    expect(handled).toEqual([true, true, false]);
  });

  it('leaves the probe to Express in an app without health routes', async () => {
    const { send, handled } = await laneServer({ liveness: false });
    expect(await send('/health/live')).toBe(401);
    expect(handled).toEqual([false]);
  });

  it('leaves session reads to Express in cluster mode (no manager), but still answers the probe', async () => {
    const { send, handled } = await laneServer({ cluster: true });
    expect(await send('/sessions/alice', { headers: keyed })).toBe(299);
    expect(await send('/health/live')).toBe(200);
    expect(handled).toEqual([false, true]);
  });
});
