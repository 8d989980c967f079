import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fullAppsClosedAfterEach, KEY } from '../helpers/full-app.js';

const build = fullAppsClosedAfterEach();

describe('security headers (helmet)', () => {
  it.each([
    ['an API answer', '/sessions', 200],
    ['a refusal', '/sessions', 401],
    ['a health probe', '/health/live', 200],
    ['a 404', '/nothing', 404],
  ])('are on %s', async (_what, path, status) => {
    const { app } = build();
    const req = request(app).get(path);
    if (status !== 401) req.set('X-Api-Key', KEY);
    const res = await req.expect(status);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': expect.stringContaining('max-age='),
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'x-dns-prefetch-control': 'off',
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('gives the API a CSP that allows nothing, and the docs page one that allows only its own origin', async () => {
    const { app } = build();
    const api = await request(app).get('/sessions').set('X-Api-Key', KEY).expect(200);
    expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    const docs = await request(app).get('/docs').set('X-Api-Key', KEY).expect(200);
    const csp = docs.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|https:)/);
  });
});
