import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fullAppsClosedAfterEach, KEY } from '../helpers/full-app.js';
import { PROBLEM_TYPE } from './harness.js';

const build = fullAppsClosedAfterEach();

/** One request per route family, every method the app has. */
const protectedRoutes: Array<[method: 'get' | 'post' | 'delete', path: string]> = [
  ['get', '/sessions'],
  ['get', '/sessions/alice'],
  ['post', '/sessions/alice'],
  ['delete', '/sessions/alice'],
  ['get', '/sessions/alice/qr'],
  ['post', '/sessions/alice/pairing-code'],
  ['post', '/sessions/alice/stop'],
  ['post', '/sessions/alice/messages'],
  ['get', '/events'],
  ['get', '/sessions/alice/events'],
  ['get', '/sessions/alice/simulator'],
  ['post', '/sessions/alice/simulator/scan'],
  ['get', '/metrics'],
  ['get', '/openapi.json'],
  ['get', '/docs'],
  ['get', '/docs/swagger-ui.css'],
  ['get', '/no/such/route'],
];

describe('API key', () => {
  it.each(protectedRoutes)(
    '%s %s without a key answers 401 problem+json with WWW-Authenticate',
    async (method, path) => {
      const { app, manager } = build();
      const res = await request(app)[method](path).expect(401);
      expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="wa-sessions"/);
      expect(res.headers['www-authenticate']).toContain('X-Api-Key');
      expect(res.body).toMatchObject({ status: 401, code: 'unauthorized', requestId: expect.any(String) });
      expect(manager.calls).toEqual([]);
    },
  );

  it.each(protectedRoutes)(
    '%s %s with a wrong key answers 401 and never reaches the manager',
    async (method, path) => {
      const { app, manager } = build();
      const res = await request(app)[method](path).set('X-Api-Key', `${KEY}x`).expect(401);
      expect(res.body).toMatchObject({ code: 'unauthorized', detail: 'The API key is not valid' });
      expect(manager.calls).toEqual([]);
    },
  );

  it('accepts the key as X-Api-Key', async () => {
    const { app } = build();
    await request(app).get('/sessions').set('X-Api-Key', KEY).expect(200, { sessions: [] });
  });

  it('accepts the key as Authorization: Bearer, case-insensitive scheme', async () => {
    const { app } = build();
    await request(app).get('/sessions').set('Authorization', `Bearer ${KEY}`).expect(200);
    await request(app).get('/sessions').set('Authorization', `bearer ${KEY}`).expect(200);
  });

  it('refuses other Authorization schemes and a key that is only a prefix or has a suffix', async () => {
    const { app } = build();
    await request(app).get('/sessions').set('Authorization', `Basic ${KEY}`).expect(401);
    await request(app)
      .get('/sessions')
      .set('Authorization', `Bearer ${KEY.slice(0, -1)}`)
      .expect(401);
    await request(app).get('/sessions').set('X-Api-Key', KEY.slice(0, 8)).expect(401);
    await request(app).get('/sessions').set('Authorization', `Bearer ${KEY} extra`).expect(401);
  });

  it('takes X-Api-Key first: a wrong X-Api-Key is not rescued by a right bearer token', async () => {
    const { app } = build();
    await request(app)
      .get('/sessions')
      .set('X-Api-Key', 'wrong')
      .set('Authorization', `Bearer ${KEY}`)
      .expect(401);
  });

  it('leaves /health/live and /health/ready open', async () => {
    const { app } = build({ probe: { check: async () => ({ ok: true, version: 'Chromium 1' }) } });
    await request(app).get('/health/live').expect(200, { status: 'ok' });
    await request(app).get('/health/ready').expect(200);
  });

  it('reads no body before the key is checked: a malformed body without a key is 401, not 400', async () => {
    const { app } = build();
    await request(app)
      .post('/sessions/alice')
      .set('Content-Type', 'application/json')
      .send('{oops')
      .expect(401);
  });

  it('with DOCS_PUBLIC=true serves /docs and /openapi.json without a key, and nothing else', async () => {
    const { app } = build({ env: { DOCS_PUBLIC: 'true' } });
    await request(app).get('/openapi.json').expect(200);
    await request(app).get('/docs').expect(200);
    await request(app).get('/sessions').expect(401);
    await request(app).get('/metrics').expect(401);
  });

  it('is not enforced when the app is built without a key (tests of other concerns)', async () => {
    const { app } = build({ apiKey: null });
    await request(app).get('/sessions').expect(200);
  });

  it('never logs the key, right or wrong, and logs the refusal under the request id', async () => {
    const { app, logs } = build();
    await request(app).get('/sessions').set('X-Api-Key', 'wrong-key-marker-123').set('X-Request-Id', 'r-401');
    await request(app).get('/sessions').set('Authorization', `Bearer ${KEY}`).set('X-Request-Id', 'r-200');
    const all = logs.join('');
    expect(all).not.toContain('wrong-key-marker-123');
    expect(all).not.toContain(KEY);
    const lines = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.reqId === 'r-401' && l.msg === 'request completed')).toMatchObject({
      status: 401,
    });
    expect(lines.find((l) => l.reqId === 'r-200' && l.msg === 'request completed')).toMatchObject({
      status: 200,
    });
  });
});
