import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { acceptRequestId } from '../../src/http/request-id.js';
import { buildApp } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('X-Request-Id', () => {
  it('echoes an acceptable X-Request-Id and logs under it', async () => {
    const { app, accessLine } = buildApp();
    const res = await request(app).get('/sessions').set('X-Request-Id', 'edge-7f3a:42').expect(200);
    expect(res.headers['x-request-id']).toBe('edge-7f3a:42');
    expect(await accessLine('edge-7f3a:42')).toMatchObject({ reqId: 'edge-7f3a:42' });
  });

  it('generates a UUID when the request has none', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/sessions').expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('generates a fresh id for every request', async () => {
    const { app } = buildApp();
    const a = await request(app).get('/sessions');
    const b = await request(app).get('/sessions');
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it.each([
    ['longer than 128 characters', 'x'.repeat(129)],
    ['containing a space', 'a b'],
    ['containing non-ASCII', 'idé'],
  ])('replaces an id %s with a generated one', async (_name, id) => {
    const { app } = buildApp();
    const res = await request(app).get('/sessions').set('X-Request-Id', id).expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('accepts exactly 128 visible characters and refuses control characters', () => {
    expect(acceptRequestId('x'.repeat(128))).toBe('x'.repeat(128));
    expect(acceptRequestId('a\tb')).toBeUndefined();
    expect(acceptRequestId('a\u007fb')).toBeUndefined();
    expect(acceptRequestId('')).toBeUndefined();
    expect(acceptRequestId(undefined)).toBeUndefined();
  });

  it('carries the request id on error answers too', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/sessions/ghost').set('X-Request-Id', 'err-1').expect(404);
    expect(res.headers['x-request-id']).toBe('err-1');
    expect(res.body.requestId).toBe('err-1');
  });
});

describe('the access log', () => {
  it('logs one info line per request with method, path without query, status, duration and address', async () => {
    const { app, logs, accessLine } = buildApp();
    await request(app).get('/sessions/ghost?token=abc').set('X-Request-Id', 'log-1').expect(404);
    const line = await accessLine('log-1');
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      method: 'GET',
      path: '/sessions/ghost',
      status: 404,
      durationMs: expect.any(Number),
      remoteAddress: expect.stringMatching(/127\.0\.0\.1|::1/),
    });
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    expect(logs.lines.filter((l) => l.msg === 'request completed')).toHaveLength(1);
    expect(logs.raw.join('')).not.toContain('token=abc');
  });

  it('never logs request bodies, API keys or authorization headers, even when the request fails', async () => {
    const { app, manager, logs, accessLine } = buildApp();
    manager.seed('alice', { state: 'QR' });
    const secrets = {
      'x-api-key': 'secret-api-key-123',
      authorization: 'Bearer very-secret-bearer',
    };
    await request(app)
      .post('/sessions/alice/pairing-code')
      .set(secrets)
      .set('X-Request-Id', 'body-1')
      .send({ phoneNumber: '+49 151 99887766' })
      .expect(200);
    await request(app)
      .post('/sessions/bob')
      .set(secrets)
      .set('X-Request-Id', 'body-2')
      .send({ webhook: { url: 'https://hooks.example/wa?sig=body-secret-marker' } })
      .expect(201);
    await request(app)
      .post('/sessions/bob')
      .set(secrets)
      .set('X-Request-Id', 'body-3')
      .set('Content-Type', 'application/json')
      .send('{"webhook": "body-secret-marker-2"')
      .expect(400);
    manager.failNext('get', new Error('boom'));
    await request(app).get('/sessions/bob').set(secrets).set('X-Request-Id', 'body-4').expect(500);
    for (const id of ['body-1', 'body-2', 'body-3', 'body-4']) await accessLine(id);

    const everything = logs.raw.join('');
    for (const needle of [
      '99887766',
      'body-secret-marker',
      'secret-api-key-123',
      'very-secret-bearer',
      'hooks.example',
    ]) {
      expect(everything).not.toContain(needle);
    }
  });

  it('reports the client address from X-Forwarded-For when TRUST_PROXY trusts the proxy', async () => {
    const { app, accessLine } = buildApp({ env: { TRUST_PROXY: 'true' } });
    await request(app).get('/sessions').set('X-Forwarded-For', '203.0.113.9').set('X-Request-Id', 'xff-1');
    expect((await accessLine('xff-1')).remoteAddress).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For when TRUST_PROXY is false', async () => {
    const { app, accessLine } = buildApp({ env: { TRUST_PROXY: 'false' } });
    await request(app).get('/sessions').set('X-Forwarded-For', '203.0.113.9').set('X-Request-Id', 'xff-2');
    expect((await accessLine('xff-2')).remoteAddress).not.toBe('203.0.113.9');
  });

  it('trusts a loopback proxy by default (TRUST_PROXY=loopback)', async () => {
    const { app, accessLine } = buildApp();
    await request(app).get('/sessions').set('X-Forwarded-For', '198.51.100.4').set('X-Request-Id', 'xff-3');
    expect((await accessLine('xff-3')).remoteAddress).toBe('198.51.100.4');
  });
});
