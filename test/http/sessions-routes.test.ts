import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { buildApp, PROBLEM_TYPE } from './harness.js';

describe('POST /sessions/:id', () => {
  it('creates a new session: 201, the snapshot, and a Location header', async () => {
    const { app, manager } = buildApp();
    const res = await request(app).post('/sessions/alice').expect(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers.location).toBe('/sessions/alice');
    expect(res.body).toMatchObject({ id: 'alice', state: 'STARTING', webhook: null });
    expect(manager.callsOf('create')).toEqual([{ method: 'create', args: ['alice', {}] }]);
  });

  it('starts a stopped session again: 200 with the snapshot', async () => {
    const { app, manager } = buildApp();
    manager.seed('alice', { state: 'STOPPED' });
    const res = await request(app).post('/sessions/alice').expect(200);
    expect(res.headers.location).toBe('/sessions/alice');
    expect(res.body).toMatchObject({ id: 'alice', state: 'STARTING' });
  });

  it('passes a per-session webhook, defaulting its events to every event', async () => {
    const { app, manager } = buildApp();
    await request(app)
      .post('/sessions/alice')
      .send({ webhook: { url: 'https://hooks.example.com/wa' } })
      .expect(201);
    expect(manager.callsOf('create')[0]?.args[1]).toEqual({
      webhook: { url: 'https://hooks.example.com/wa', events: ['*'] },
    });
  });

  it('passes the webhook event filter, without duplicates', async () => {
    const { app, manager } = buildApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
    await request(app)
      .post('/sessions/alice')
      .send({ webhook: { url: 'http://10.0.0.5:8080/in', events: ['message.received', 'message.received'] } })
      .expect(201);
    expect(manager.callsOf('create')[0]?.args[1]).toEqual({
      webhook: { url: 'http://10.0.0.5:8080/in', events: ['message.received'] },
    });
  });

  it('passes webhook: null through, so a restart can drop the session webhook', async () => {
    const { app, manager } = buildApp();
    manager.seed('alice', { state: 'STOPPED', webhook: { url: 'https://x.example/', events: ['*'] } });
    const res = await request(app).post('/sessions/alice').send({ webhook: null }).expect(200);
    expect(manager.callsOf('create')[0]?.args[1]).toEqual({ webhook: null });
    expect(res.body.webhook).toBeNull();
  });

  it('accepts an empty JSON object as no options', async () => {
    const { app, manager } = buildApp();
    await request(app).post('/sessions/alice').send({}).expect(201);
    expect(manager.callsOf('create')[0]?.args[1]).toEqual({});
  });

  it.each([
    ['an unknown top-level key', { webhok: { url: 'https://x.example' } }, 'body.webhok'],
    ['an unknown webhook key', { webhook: { url: 'https://x.example', secret: 's' } }, 'body.webhook.secret'],
    ['a non-http webhook URL', { webhook: { url: 'ftp://x.example/in' } }, 'body.webhook.url'],
    ['a webhook URL that is not a URL', { webhook: { url: 'not a url' } }, 'body.webhook.url'],
    [
      'an unknown event type',
      { webhook: { url: 'https://x.example', events: ['nope'] } },
      'body.webhook.events.0',
    ],
    ['an empty event list', { webhook: { url: 'https://x.example', events: [] } }, 'body.webhook.events'],
    ['an array body', [], 'body'],
  ])(
    'refuses %s with 400 invalid_body naming the field, without calling the manager',
    async (_name, body, path) => {
      const { app, manager } = buildApp();
      const res = await request(app).post('/sessions/alice').send(body).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
      expect(res.body).toMatchObject({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        code: 'invalid_body',
      });
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
      expect(manager.calls).toEqual([]);
    },
  );

  it('answers 415 when a body is sent as something other than JSON (curl -d)', async () => {
    const { app, manager } = buildApp();
    const res = await request(app)
      .post('/sessions/alice')
      .type('form')
      .send('webhook=https://x.example')
      .expect(415);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body.code).toBe('unsupported_media_type');
    expect(manager.calls).toEqual([]);
  });

  it('answers 409 session_live when the session is running', async () => {
    const { app, manager } = buildApp();
    manager.seed('alice', { state: 'READY' });
    const res = await request(app).post('/sessions/alice').expect(409);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({ status: 409, title: 'Conflict', code: 'session_live', state: 'READY' });
  });

  it('answers 503 browser_missing with the manager message when no Chromium is usable', async () => {
    const { app, manager } = buildApp();
    manager.browserMissing = 'chromium-headless-shell';
    const res = await request(app).post('/sessions/alice').expect(503);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({ status: 503, code: 'browser_missing' });
    expect(res.body.detail).toContain('chromium-headless-shell');
  });
});

describe('GET /sessions and GET /sessions/:id', () => {
  it('lists every session under `sessions`', async () => {
    const { app, manager } = buildApp();
    manager.seed('a', { state: 'READY' });
    manager.seed('b', { state: 'QR', hasQr: true });
    const res = await request(app).get('/sessions').expect(200);
    expect(res.body.sessions.map((s: { id: string }) => s.id)).toEqual(['a', 'b']);
  });

  it('lists nothing as an empty array', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/sessions/').expect(200);
    expect(res.body).toEqual({ sessions: [] });
  });

  it('returns one session snapshot', async () => {
    const { app, manager } = buildApp();
    const seeded = manager.seed('alice', {
      state: 'READY',
      me: { wid: '4915112345678@c.us', name: 'Alice' },
    });
    const res = await request(app).get('/sessions/alice').expect(200);
    expect(res.body).toEqual(seeded);
  });

  it('answers 404 session_not_found as problem+json for an unknown session', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/sessions/ghost').expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      code: 'session_not_found',
    });
    expect(res.body.detail).toEqual(expect.any(String));
  });
});

describe('POST /sessions/:id/pairing-code', () => {
  it.each([
    ['+49 151 2345678', '491512345678'],
    ['+1 (555) 123-4567', '15551234567'],
    ['4915112345678', '4915112345678'],
  ])('strips %s to the digits %s and returns the code', async (phoneNumber, digits) => {
    const { app, manager } = buildApp();
    manager.seed('alice', { state: 'QR' });
    const res = await request(app).post('/sessions/alice/pairing-code').send({ phoneNumber }).expect(200);
    expect(res.body).toEqual({ code: 'ABCD-EFGH' });
    expect(manager.callsOf('requestPairingCode')[0]?.args).toEqual(['alice', digits]);
  });

  it.each([
    ['too few digits', { phoneNumber: '12345' }],
    ['too many digits', { phoneNumber: '1234567890123456' }],
    ['letters', { phoneNumber: '+49 151 CALLME' }],
    ['a + in the middle', { phoneNumber: '49+1512345678' }],
    ['a number instead of a string', { phoneNumber: 4915112345678 }],
    ['no phone number', {}],
  ])('refuses %s with 400 naming phoneNumber', async (_name, body) => {
    const { app, manager } = buildApp();
    manager.seed('alice', { state: 'QR' });
    const res = await request(app).post('/sessions/alice/pairing-code').send(body).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body.code).toBe('invalid_body');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'body.phoneNumber' })]);
    expect(manager.calls).toEqual([]);
  });

  it('refuses a missing body with 400 invalid_body', async () => {
    const { app, manager } = buildApp();
    const res = await request(app).post('/sessions/alice/pairing-code').expect(400);
    expect(res.body).toMatchObject({
      code: 'invalid_body',
      errors: [expect.objectContaining({ path: 'body' })],
    });
    expect(manager.calls).toEqual([]);
  });

  it('answers 404 for an unknown session', async () => {
    const { app } = buildApp();
    const res = await request(app)
      .post('/sessions/ghost/pairing-code')
      .send({ phoneNumber: '4915112345678' })
      .expect(404);
    expect(res.body.code).toBe('session_not_found');
  });

  it('passes on the manager refusing (409) as problem+json', async () => {
    const { app, manager } = buildApp();
    manager.seed('alice', { state: 'READY' });
    manager.failNext(
      'requestPairingCode',
      new AppError(409, 'session_not_pairing', 'Session alice is already linked'),
    );
    const res = await request(app)
      .post('/sessions/alice/pairing-code')
      .send({ phoneNumber: '4915112345678' })
      .expect(409);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({
      code: 'session_not_pairing',
      detail: 'Session alice is already linked',
    });
  });
});

describe('POST /sessions/:id/stop and DELETE /sessions/:id', () => {
  it('stops a session: 200 with the STOPPED snapshot', async () => {
    const { app, manager } = buildApp();
    manager.seed('alice', { state: 'READY' });
    const res = await request(app).post('/sessions/alice/stop').expect(200);
    expect(res.body).toMatchObject({ id: 'alice', state: 'STOPPED' });
  });

  it('answers 404 when stopping an unknown session', async () => {
    const { app } = buildApp();
    const res = await request(app).post('/sessions/ghost/stop').expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body.code).toBe('session_not_found');
  });

  it('deletes a session: 204 with no body, and it is gone', async () => {
    const { app, manager } = buildApp();
    manager.seed('alice', { state: 'READY' });
    const res = await request(app).delete('/sessions/alice').expect(204);
    expect(res.text).toBe('');
    expect(manager.sessions.has('alice')).toBe(false);
    await request(app).get('/sessions/alice').expect(404);
  });

  it('answers 404 when deleting an unknown session', async () => {
    const { app } = buildApp();
    const res = await request(app).delete('/sessions/ghost').expect(404);
    expect(res.body.code).toBe('session_not_found');
  });
});

describe('methods a path does not support', () => {
  it.each([
    ['put', '/sessions/alice', 'GET, HEAD, POST, DELETE'],
    ['patch', '/sessions', 'GET, HEAD'],
    ['post', '/sessions/alice/qr', 'GET, HEAD'],
    ['get', '/sessions/alice/stop', 'POST'],
    ['get', '/sessions/alice/pairing-code', 'POST'],
  ] as const)('%s %s answers 405 with Allow: %s', async (method, path, allow) => {
    const { app, manager } = buildApp();
    const res = await request(app)[method](path).expect(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body.code).toBe('method_not_allowed');
    expect(manager.calls).toEqual([]);
  });
});
