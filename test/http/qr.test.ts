import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createQrRenderer } from '../../src/http/qr-render.js';
import { buildApp, PROBLEM_TYPE } from './harness.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const QR = '2@Zm9vYmFyYmF6,cXV4cXV1eA==,Y29ycmVjdGhvcnNl,YmF0dGVyeXN0YXBsZQ==';

const binary = (res: request.Response, callback: (err: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
};

const withQr = () => {
  const harness = buildApp();
  harness.manager.seed('alice', { state: 'QR', hasQr: true });
  harness.manager.qrCodes.set('alice', { qr: QR, at: '2025-01-01T00:00:01.000Z' });
  return harness;
};

describe('GET /sessions/:id/qr', () => {
  it('answers a PNG by default, not cached', async () => {
    const { app } = withQr();
    const res = await request(app).get('/sessions/alice/qr').buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.vary).toMatch(/Accept/);
    const body = res.body as Buffer;
    expect(body.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(body.length).toBeGreaterThan(200);
  });

  it('answers a PNG when image/png is listed before application/json', async () => {
    const { app } = withQr();
    const res = await request(app)
      .get('/sessions/alice/qr')
      .set('Accept', 'image/png, application/json')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toBe('image/png');
  });

  it('answers a PNG for a browser Accept header', async () => {
    const { app } = withQr();
    const res = await request(app)
      .get('/sessions/alice/qr')
      .set('Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toBe('image/png');
  });

  it('answers JSON { qr, at, dataUrl } with a PNG data URL for Accept: application/json', async () => {
    const { app } = withQr();
    const res = await request(app).get('/sessions/alice/qr').set('Accept', 'application/json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.qr).toBe(QR);
    expect(res.body.at).toBe('2025-01-01T00:00:01.000Z');
    expect(res.body.dataUrl).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(String(res.body.dataUrl).slice('data:image/png;base64,'.length), 'base64');
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  it('prefers JSON when the client ranks it higher', async () => {
    const { app } = withQr();
    const res = await request(app)
      .get('/sessions/alice/qr')
      .set('Accept', 'image/png;q=0.5, application/json')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers terminal text for ?format=text, whatever Accept says', async () => {
    const { app } = withQr();
    const res = await request(app)
      .get('/sessions/alice/qr?format=text')
      .set('Accept', 'application/json')
      .expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toMatch(/[█▀▄]/);
    expect(res.text.split('\n').length).toBeGreaterThan(10);
  });

  it('answers JSON for ?format=json and a PNG for ?format=png', async () => {
    const { app } = withQr();
    const json = await request(app).get('/sessions/alice/qr?format=json').expect(200);
    expect(json.body.dataUrl).toMatch(/^data:image\/png;base64,/);
    const png = await request(app)
      .get('/sessions/alice/qr?format=png')
      .set('Accept', 'application/json')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(png.headers['content-type']).toBe('image/png');
  });

  it('ignores unrelated query parameters such as cache busters', async () => {
    const { app } = withQr();
    await request(app).get('/sessions/alice/qr?t=12345').buffer(true).parse(binary).expect(200);
  });

  it.each([
    ['an unknown format', '?format=svg'],
    ['a repeated format', '?format=png&format=json'],
  ])('refuses %s with 400 invalid_query naming format, before asking the manager', async (_name, query) => {
    const { app, manager } = withQr();
    const res = await request(app).get(`/sessions/alice/qr${query}`).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body.code).toBe('invalid_query');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'query.format' })]);
    expect(manager.callsOf('qr')).toEqual([]);
  });

  it('answers 406 when the client accepts none of PNG, JSON or text', async () => {
    const { app, manager } = withQr();
    const res = await request(app).get('/sessions/alice/qr').set('Accept', 'image/svg+xml').expect(406);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body.code).toBe('not_acceptable');
    expect(manager.callsOf('qr')).toEqual([]);
  });

  it('answers 409 no_qr when no QR code is pending', async () => {
    const { app, manager } = buildApp();
    manager.seed('alice', { state: 'READY' });
    const res = await request(app).get('/sessions/alice/qr').expect(409);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({ status: 409, code: 'no_qr' });
  });

  it('answers 404 for an unknown session, also when JSON is asked for', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/sessions/ghost/qr').set('Accept', 'application/json').expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body.code).toBe('session_not_found');
  });
});

describe('the QR renderer', () => {
  it('renders the same payload once and serves repeats from its cache', async () => {
    const renderer = createQrRenderer({ cacheSize: 2 });
    const first = await renderer.png(QR);
    expect(await renderer.png(QR)).toBe(first);
  });

  it('keeps at most cacheSize renderings', async () => {
    const renderer = createQrRenderer({ cacheSize: 1 });
    const first = await renderer.png(QR);
    await renderer.png(`${QR}x`);
    const again = await renderer.png(QR);
    expect(again).not.toBe(first);
    expect(again.equals(first)).toBe(true);
  });

  it('refuses an empty or implausibly long payload instead of rendering it', async () => {
    const renderer = createQrRenderer();
    await expect(renderer.png('')).rejects.toMatchObject({ status: 500, code: 'internal' });
    await expect(renderer.terminal('x'.repeat(5000))).rejects.toMatchObject({
      status: 500,
      code: 'internal',
    });
  });
});
