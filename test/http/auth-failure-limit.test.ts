import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthFailureLimit } from '../../src/http/auth-failure-limit.js';
import { fullAppsClosedAfterEach, KEY } from '../helpers/full-app.js';
import { PROBLEM_TYPE } from './harness.js';

const build = fullAppsClosedAfterEach();
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const listening = (env: Record<string, string> = {}) => {
  const { app } = build({ env });
  const server = createServer(app).listen(0, '127.0.0.1');
  servers.push(server);
  return server;
};

describe('failed authentications are limited per client address, before the key is checked', () => {
  it('answers 700 wrong keys with 30 × 401 and then 429 problem+json with Retry-After', async () => {
    const server = listening();
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 700; i += 1) {
      last = await request(server).get('/sessions').set('X-Api-Key', `wrong-${i}`);
      statuses.push(last.status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(670);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(last?.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(last?.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(last?.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(last?.headers['retry-after'])).toBeLessThanOrEqual(60);
    // 700 requests in sequence: far more than the unit default of 10 s allows on a loaded machine.
  }, 120_000);

  it('refuses even the right key from that address until the window ends (no oracle), and only there', async () => {
    const server = listening({ AUTH_FAILURES_PER_MINUTE: '3' });
    const from = (address: string, key: string) =>
      request(server).get('/sessions').set('X-Forwarded-For', address).set('X-Api-Key', key);
    for (let i = 0; i < 3; i += 1) expect((await from('203.0.113.7', 'nope')).status).toBe(401);
    expect((await from('203.0.113.7', KEY)).status).toBe(429);
    expect((await from('203.0.113.8', KEY)).status).toBe(200);
    expect((await from('203.0.113.8', 'nope')).status).toBe(401);
  });

  it('counts the addresses of one IPv6 /56 together', async () => {
    const server = listening({ AUTH_FAILURES_PER_MINUTE: '2' });
    const from = (address: string) =>
      request(server).get('/sessions').set('X-Forwarded-For', address).set('X-Api-Key', 'nope');
    expect((await from('2001:db8:1:100::1')).status).toBe(401);
    expect((await from('2001:db8:1:1ff::2')).status).toBe(401);
    expect((await from('2001:db8:1:180::3')).status).toBe(429);
  });

  it('does not count requests with the right key', async () => {
    const server = listening({ AUTH_FAILURES_PER_MINUTE: '2' });
    for (let i = 0; i < 20; i += 1) await request(server).get('/sessions').set('X-Api-Key', KEY).expect(200);
    await request(server).get('/sessions').set('X-Api-Key', 'nope').expect(401);
  });

  it('is off with AUTH_FAILURES_PER_MINUTE=0', async () => {
    const server = listening({ AUTH_FAILURES_PER_MINUTE: '0' });
    for (let i = 0; i < 50; i += 1) await request(server).get('/sessions').expect(401);
  });

  it('forgives an address when its window ends, and keeps at most maxTracked addresses', () => {
    let now = 0;
    const limit = createAuthFailureLimit({ limit: 1, windowMs: 60_000, maxTracked: 2, now: () => now });
    const req = (ip: string) => ({ ip, socket: {} }) as Parameters<typeof limit.recordFailure>[0];
    const passes = (ip: string): boolean => {
      let passed = false;
      limit.handler(req(ip), { setHeader: () => undefined } as never, (err?: unknown) => {
        passed = err === undefined;
      });
      return passed;
    };
    limit.recordFailure(req('198.51.100.1'));
    expect(passes('198.51.100.1')).toBe(false);
    now = 60_000;
    expect(passes('198.51.100.1')).toBe(true);
    limit.recordFailure(req('198.51.100.1'));
    limit.recordFailure(req('198.51.100.2'));
    limit.recordFailure(req('198.51.100.3'));
    // The oldest (…1) was forgotten to make room.
    expect(passes('198.51.100.1')).toBe(true);
    expect(passes('198.51.100.3')).toBe(false);
  });
});
