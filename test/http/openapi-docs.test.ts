import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fullAppsClosedAfterEach, KEY } from '../helpers/full-app.js';
import { PROBLEM_TYPE } from './harness.js';

const build = fullAppsClosedAfterEach();

describe('GET /docs', () => {
  it('serves the Swagger UI page, which loads nothing from another origin', async () => {
    const { app } = build();
    const res = await request(app).get('/docs').set('X-Api-Key', KEY).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<div id="swagger-ui"></div>');
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(res.text).not.toMatch(/<script>(?!<)/);
  });

  it('serves every script, style and icon the page refers to, with its type', async () => {
    const { app } = build();
    const page = await request(app).get('/docs').set('X-Api-Key', KEY).expect(200);
    const refs = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(refs).toHaveLength(5);
    const types: Record<string, RegExp> = { js: /^text\/javascript/, css: /^text\/css/, png: /^image\/png$/ };
    for (const ref of refs) {
      const res = await request(app).get(ref).set('X-Api-Key', KEY).expect(200);
      const ext = ref.split('.').pop() ?? '';
      expect(res.headers['content-type'], ref).toMatch(types[ext] ?? /^$/);
      expect(Number(res.headers['content-length'] ?? res.text?.length ?? 0), ref).toBeGreaterThan(0);
    }
  });

  it("points Swagger UI at this server's /openapi.json and turns off the online validator", async () => {
    const { app } = build();
    const res = await request(app).get('/docs/initializer.js').set('X-Api-Key', KEY).expect(200);
    expect(res.text).toContain("url: '/openapi.json'");
    expect(res.text).toContain('validatorUrl: null');
  });

  it('refuses any other file of the package, and anything outside it, with a 404 problem', async () => {
    const { app } = build();
    for (const path of [
      '/docs/index.html',
      '/docs/package.json',
      '/docs/..%2Fpackage.json',
      '/docs/%2e%2e',
    ]) {
      const res = await request(app).get(path).set('X-Api-Key', KEY);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toMatch(PROBLEM_TYPE);
    }
  });
});

describe('GET /openapi.json', () => {
  it('serves the document as JSON', async () => {
    const { app } = build();
    const res = await request(app).get('/openapi.json').set('X-Api-Key', KEY).expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toMatchObject({ openapi: '3.1.0', info: { title: 'wa-sessions' } });
  });
});
