import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/http/rate-limit.js';
import { fullAppsClosedAfterEach, KEY } from '../helpers/full-app.js';
import { PROBLEM_TYPE } from './harness.js';

const build = fullAppsClosedAfterEach();

/** TRUST_PROXY=loopback (the default) makes this the client address of a supertest request. */
const REMOTE = '203.0.113.7';

describe('rate limit', () => {
  it('answers 429 problem+json with RateLimit and Retry-After headers past the limit', async () => {
    const { app } = build({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    for (let i = 0; i < 3; i += 1) {
      const ok = await request(app).get('/sessions').set('X-Api-Key', KEY).set('X-Forwarded-For', REMOTE);
      expect(ok.status).toBe(200);
      expect(ok.headers.ratelimit).toMatch(/^"per-api-key"; r=\d+; t=\d+$/);
    }
    const res = await request(app).get('/sessions').set('X-Api-Key', KEY).set('X-Forwarded-For', REMOTE);
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({ status: 429, code: 'rate_limited', requestId: expect.any(String) });
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.headers.ratelimit).toMatch(/^"per-api-key"; r=0; t=\d+$/);
    expect(res.headers['ratelimit-policy']).toMatch(/^"per-api-key"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    // The partition key is a digest of a digest of the key: nothing a client could reuse.
    expect(JSON.stringify(res.headers)).not.toContain(KEY);
  });

  it('counts per API key, not per address: the same key from two addresses shares one budget', async () => {
    const { app } = build({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
    await request(app)
      .get('/sessions')
      .set('X-Api-Key', KEY)
      .set('X-Forwarded-For', '203.0.113.1')
      .expect(200);
    await request(app)
      .get('/sessions')
      .set('X-Api-Key', KEY)
      .set('X-Forwarded-For', '203.0.113.2')
      .expect(200);
    await request(app)
      .get('/sessions')
      .set('X-Api-Key', KEY)
      .set('X-Forwarded-For', '203.0.113.3')
      .expect(429);
  });

  it('exempts loopback clients by default', async () => {
    const { app } = build({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
    for (let i = 0; i < 5; i += 1) await request(app).get('/sessions').set('X-Api-Key', KEY).expect(200);
  });

  it('limits loopback clients too with RATE_LIMIT_LOOPBACK=true', async () => {
    const { app } = build({ env: { RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_LOOPBACK: 'true' } });
    await request(app).get('/sessions').set('X-Api-Key', KEY).expect(200);
    await request(app).get('/sessions').set('X-Api-Key', KEY).expect(200);
    await request(app).get('/sessions').set('X-Api-Key', KEY).expect(429);
  });

  it('is off with RATE_LIMIT_PER_MINUTE=0: no RateLimit headers, no 429', async () => {
    const { app } = build({ env: { RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_LOOPBACK: 'true' } });
    for (let i = 0; i < 5; i += 1) {
      const res = await request(app).get('/sessions').set('X-Api-Key', KEY).expect(200);
      expect(res.headers.ratelimit).toBeUndefined();
    }
  });

  it('never limits health probes, even when the key budget is spent', async () => {
    const { app } = build({ env: { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_LOOPBACK: 'true' } });
    await request(app).get('/sessions').set('X-Api-Key', KEY).expect(200);
    await request(app).get('/sessions').set('X-Api-Key', KEY).expect(429);
    await request(app).get('/health/live').expect(200);
  });

  it('counts refused keys nowhere: 401s do not spend the budget of the real key', async () => {
    const { app } = build({ env: { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_LOOPBACK: 'true' } });
    for (let i = 0; i < 3; i += 1) await request(app).get('/sessions').set('X-Api-Key', 'wrong').expect(401);
    await request(app).get('/sessions').set('X-Api-Key', KEY).expect(200);
  });

  it('without a key (auth off) counts per client address', async () => {
    const { app } = build({ apiKey: null, env: { RATE_LIMIT_PER_MINUTE: '1' } });
    await request(app).get('/sessions').set('X-Forwarded-For', '203.0.113.1').expect(200);
    await request(app).get('/sessions').set('X-Forwarded-For', '203.0.113.2').expect(200);
    await request(app).get('/sessions').set('X-Forwarded-For', '203.0.113.1').expect(429);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['2001:db8::1', false],
    [undefined, false],
  ])('isLoopback(%s) is %s', (ip, expected) => {
    expect(isLoopback(ip)).toBe(expected);
  });
});
