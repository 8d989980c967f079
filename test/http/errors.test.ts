import { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { buildApp, PROBLEM_TYPE } from './harness.js';

/** An extra router, as the events and messages routers will be, to reach the error handler. */
const probeRouter = (): Router => {
  const router = Router();
  router.post('/probe/echo-size', (req, res) => {
    res.json({ bytes: JSON.stringify(req.body).length });
  });
  router.get('/probe/app-error', () => {
    throw new AppError(422, 'unprocessable_thing', 'The thing cannot be processed', {
      details: { field: 'x', status: 999, type: 'override-attempt' },
    });
  });
  router.get('/probe/app-error-list', () => {
    throw new AppError(409, 'conflicting', 'Conflicting things', { details: ['a', 'b'] });
  });
  router.get('/probe/zod', () => {
    z.object({ limit: z.number() }).parse({ limit: 'ten' });
  });
  router.get('/probe/crash', async () => {
    throw new Error('database password is hunter2');
  });
  router.get('/probe/crash-late', (_req, res) => {
    res.status(200).write('partial');
    throw new Error('broke mid-stream');
  });
  return router;
};

describe('request bodies', () => {
  it('answers 400 invalid_json for malformed JSON, without echoing the body', async () => {
    const { app, manager } = buildApp();
    const res = await request(app)
      .post('/sessions/alice')
      .set('Content-Type', 'application/json')
      .send('{"webhook": {"url": "https://secret-token@x.example"')
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      code: 'invalid_json',
    });
    expect(res.text).not.toContain('secret-token');
    expect(manager.calls).toEqual([]);
  });

  it('answers 400 invalid_json for a bare JSON string body', async () => {
    const { app } = buildApp();
    const res = await request(app)
      .post('/sessions/alice')
      .set('Content-Type', 'application/json')
      .send('"x"');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_json');
  });

  it('answers 413 payload_too_large for a body over the configured limit', async () => {
    const { app, manager } = buildApp({ bodyLimit: '1kb' });
    const res = await request(app)
      .post('/sessions/alice')
      .send({ webhook: { url: `https://x.example/${'a'.repeat(2000)}` } })
      .expect(413);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({ status: 413, title: 'Payload Too Large', code: 'payload_too_large' });
    expect(res.body.detail).toContain('1kb');
    expect(manager.calls).toEqual([]);
  });

  it('accepts bodies of several megabytes by default (base64 media) and refuses one over 16mb', async () => {
    const { app } = buildApp({ routers: [probeRouter()] });
    // Sent as ready-made strings: serialising megabytes in the test would cost more than the request.
    const json = (bytes: number): string => `{"data":"${'a'.repeat(bytes - 11)}"}`;
    const ok = await request(app)
      .post('/probe/echo-size')
      .set('Content-Type', 'application/json')
      .send(json(5 * 1024 * 1024))
      .expect(200);
    expect(ok.body.bytes).toBe(5 * 1024 * 1024);
    const res = await request(app)
      .post('/probe/echo-size')
      .set('Content-Type', 'application/json')
      .send(json(16 * 1024 * 1024 + 1))
      .expect(413);
    expect(res.body.detail).toContain('16mb');
  });
});

describe('the error handler', () => {
  it('answers 404 not_found problem+json for an unknown route', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/nope').expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route for GET /nope',
      code: 'not_found',
      requestId: res.headers['x-request-id'],
    });
  });

  it('mounts extra routers after the sessions routes and before the 404 handler', async () => {
    const { app } = buildApp({ routers: [probeRouter()] });
    await request(app).post('/probe/echo-size').send({ a: 1 }).expect(200);
  });

  it('maps an AppError to its status and code, spreading details without overriding standard members', async () => {
    const { app } = buildApp({ routers: [probeRouter()] });
    const res = await request(app).get('/probe/app-error').expect(422);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'The thing cannot be processed',
      code: 'unprocessable_thing',
      requestId: expect.any(String),
      field: 'x',
    });
  });

  it('keeps non-object AppError details under `details`', async () => {
    const { app } = buildApp({ routers: [probeRouter()] });
    const res = await request(app).get('/probe/app-error-list').expect(409);
    expect(res.body).toMatchObject({ code: 'conflicting', details: ['a', 'b'] });
  });

  it('maps a thrown ZodError to 400 with the fields at fault', async () => {
    const { app } = buildApp({ routers: [probeRouter()] });
    const res = await request(app).get('/probe/zod').expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'invalid_request',
      errors: [{ path: 'request.limit', message: expect.any(String) }],
    });
  });

  it('answers an unexpected error with a generic 500 internal and logs it under err with the request id', async () => {
    const { app, logs } = buildApp({ routers: [probeRouter()] });
    const res = await request(app).get('/probe/crash').set('X-Request-Id', 'crash-1').expect(500);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'internal',
    });
    expect(res.text).not.toContain('hunter2');
    const line = await logs.waitFor((l) => l.msg === 'unexpected error');
    expect(line).toMatchObject({
      level: 50,
      reqId: 'crash-1',
      err: { message: 'database password is hunter2' },
    });
    expect((line.err as { stack?: string }).stack).toEqual(expect.any(String));
  });

  it('cuts the connection and logs when an error comes after the response started', async () => {
    const { app, logs } = buildApp({ routers: [probeRouter()] });
    await request(app)
      .get('/probe/crash-late')
      .then(
        () => undefined,
        () => undefined,
      );
    const line = await logs.waitFor((l) => l.msg === 'error after the response had started');
    expect(line).toMatchObject({ level: 50, err: { message: 'broke mid-stream' } });
  });

  it('does not log a 4xx as an error', async () => {
    const { app, logs } = buildApp();
    const res = await request(app).get('/sessions/ghost').expect(404);
    await logs.waitFor((l) => l.msg === 'request completed' && l.reqId === res.headers['x-request-id']);
    expect(logs.lines.filter((l) => (l.level ?? 0) >= 50)).toEqual([]);
  });

  it('logs a 5xx AppError (browser missing) at error level, and still shows its message', async () => {
    const { app, manager, logs } = buildApp();
    manager.browserMissing = 'chromium';
    const res = await request(app).post('/sessions/alice').expect(503);
    expect(res.body.detail).toContain('chromium');
    const line = await logs.waitFor((l) => l.msg === 'request failed');
    expect(line).toMatchObject({ level: 50, code: 'browser_missing' });
  });
});

describe('response headers', () => {
  it('sends no X-Powered-By and sets nosniff', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/sessions').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
