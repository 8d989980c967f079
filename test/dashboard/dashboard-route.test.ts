import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createDashboardRouter } from '../../src/http/dashboard.js';
import { createErrorHandler } from '../../src/http/error-handler.js';
import { createRequestId } from '../../src/http/request-id.js';
import { createLogger } from '../../src/logger.js';
import { fullAppsClosedAfterEach } from '../helpers/full-app.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The router over a folder of pretend compiled files. */
const appWith = async (files: Record<string, string>) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-dashboard-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const app = express();
  app.use(createRequestId({ logger: createLogger({ level: 'silent' }) }));
  app.use(createDashboardRouter({ dir }));
  app.use(createErrorHandler({ bodyLimit: '1kb' }));
  return app;
};

const build = fullAppsClosedAfterEach();

describe('dashboard route', () => {
  it('serves the page with relative URLs and a policy that allows only its own scripts and the import map', async () => {
    const app = await appWith({ 'app.js': 'export {};', 'dashboard.css': 'body{}' });
    const res = await request(app).get('/dashboard/').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('href="dashboard.css"');
    expect(res.text).toContain('src="app.js"');
    expect(res.text).not.toMatch(/(src|href)="\//);
    const importMap = /<script type="importmap">(.*)<\/script>/.exec(res.text)?.[1] ?? '';
    expect(JSON.parse(importMap)).toEqual({
      imports: {
        preact: './preact.mjs',
        'preact/hooks': './preact-hooks.mjs',
        htm: './htm.mjs',
        'htm/preact': './htm-preact.mjs',
      },
    });
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(importMap).digest('base64');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('redirects to the trailing slash with a relative Location, so a proxy prefix is kept', async () => {
    const app = await appWith({ 'app.js': '' });
    const res = await request(app).get('/dashboard?x=1').expect(301);
    expect(res.headers.location).toBe('dashboard/');
  });

  it('serves the built files and preact/htm, and nothing else', async () => {
    const app = await appWith({ 'app.js': 'export const a = 1;', 'notes.txt': 'secret' });
    expect((await request(app).get('/dashboard/app.js').expect(200)).text).toBe('export const a = 1;');
    const preact = await request(app).get('/dashboard/preact.mjs').expect(200);
    expect(preact.headers['content-type']).toMatch(/^text\/javascript/);
    expect(preact.text).toContain('export');
    for (const name of ['notes.txt', 'constructor', '__proto__', '..%2Fpackage.json', 'missing.js']) {
      const res = await request(app).get(`/dashboard/${name}`).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('says the dashboard is not built rather than serving a broken page', async () => {
    const app = await appWith({});
    const res = await request(app).get('/dashboard/').expect(503);
    expect(res.body).toMatchObject({ code: 'dashboard_not_built' });
  });

  it('needs no key for the page and its files, while the API behind it still does', async () => {
    const { app } = build();
    await request(app).get('/dashboard').expect(301);
    await request(app).get('/dashboard/preact.mjs').expect(200);
    await request(app).get('/sessions').expect(401);
  });
});
