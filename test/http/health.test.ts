import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveChrome } from '../../src/browser/chrome.js';
import { createChromeProbe } from '../../src/browser/chrome-probe.js';
import { fullAppsClosedAfterEach } from '../helpers/full-app.js';
import { PROBLEM_TYPE } from './harness.js';

const REAL_CHROME = '/usr/lib/chromium/chromium-headless-shell';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'wa-health-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const build = fullAppsClosedAfterEach();

/** A stand-in browser: counts its runs in a file, then does what `body` says. */
const fakeChrome = async (
  name: string,
  body: string,
): Promise<{ file: string; runs: () => Promise<number> }> => {
  const file = path.join(dir, name);
  const counter = path.join(dir, `${name}.runs`);
  await writeFile(file, `#!/bin/sh\necho run >> '${counter}'\n${body}\n`);
  await chmod(file, 0o755);
  return {
    file,
    runs: async () => (await readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length,
  };
};

describe('GET /health/live', () => {
  it('answers 200 {status: ok} without a key, never cached', async () => {
    const { app } = build();
    const res = await request(app).get('/health/live').expect(200, { status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('GET /health/ready', () => {
  it('answers 200 with every check ok when DATA_DIR is writable and the real Chromium runs', async () => {
    const { app } = build({ dataDir: dir });
    const res = await request(app).get('/health/ready').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      checks: {
        config: { status: 'ok' },
        dataDir: { status: 'ok' },
        chrome: { status: 'ok', version: expect.stringMatching(/^Chromium \d+/) },
      },
    });
  });

  it('answers 503 problem+json naming the chrome check when CHROME_PATH does not exist', async () => {
    const chrome = resolveChrome({ chromePath: '/nonexistent/chromium', headless: undefined, pathEnv: '' });
    const { app } = build({ dataDir: dir, chrome });
    const res = await request(app).get('/health/ready').expect(503);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({
      status: 503,
      code: 'not_ready',
      detail: 'Not ready: chrome failed',
      checks: {
        config: { status: 'ok' },
        dataDir: { status: 'ok' },
        chrome: { status: 'fail', problem: expect.stringContaining('/nonexistent/chromium') },
      },
    });
  });

  it('answers 503 when the browser file exists but does not run (a missing library, a wrong architecture)', async () => {
    const broken = await fakeChrome(
      'broken-chrome',
      'echo "error while loading shared libraries" >&2; exit 127',
    );
    const { app } = build({
      dataDir: dir,
      chrome: { found: true, executablePath: broken.file, headless: 'shell' },
    });
    const res = await request(app).get('/health/ready').expect(503);
    expect(res.body.checks.chrome).toMatchObject({
      status: 'fail',
      problem: expect.stringContaining('--version failed'),
    });
  });

  it('answers 503 naming DATA_DIR when it is not a writable folder', async () => {
    const missing = path.join(dir, 'does-not-exist');
    const { app } = build({ dataDir: missing, probe: { check: async () => ({ ok: true, version: 'x' }) } });
    const res = await request(app).get('/health/ready').expect(503);
    expect(res.body).toMatchObject({
      detail: 'Not ready: dataDir failed',
      checks: { dataDir: { status: 'fail', problem: expect.stringContaining(missing) } },
    });
  });
});

describe('Chromium probe', () => {
  it('runs the browser once for concurrent checks and reuses a success until it expires', async () => {
    const chrome = await fakeChrome('ok-chrome', 'echo "Chromium 999.0"');
    let now = 0;
    const probe = createChromeProbe({
      chrome: { found: true, executablePath: chrome.file, headless: 'shell' },
      okTtlMs: 60_000,
      now: () => now,
    });
    const [a, b] = await Promise.all([probe.check(), probe.check()]);
    expect(a).toEqual({ ok: true, version: 'Chromium 999.0' });
    expect(b).toEqual(a);
    expect(await chrome.runs()).toBe(1);
    now = 59_999;
    await probe.check();
    expect(await chrome.runs()).toBe(1);
    now = 60_000;
    await probe.check();
    expect(await chrome.runs()).toBe(2);
  });

  it('retries a failure sooner than it rechecks a success', async () => {
    const chrome = await fakeChrome('failing-chrome', 'exit 1');
    let now = 0;
    const probe = createChromeProbe({
      chrome: { found: true, executablePath: chrome.file, headless: 'shell' },
      failTtlMs: 10_000,
      now: () => now,
    });
    expect((await probe.check()).ok).toBe(false);
    now = 10_000;
    await probe.check();
    expect(await chrome.runs()).toBe(2);
  });

  it('gives up on a browser that does not answer within its bound, and kills it', async () => {
    const chrome = await fakeChrome('hung-chrome', 'exec sleep 30');
    const probe = createChromeProbe({
      chrome: { found: true, executablePath: chrome.file, headless: 'shell' },
      timeoutMs: 200,
    });
    expect(await probe.check()).toEqual({
      ok: false,
      problem: `${chrome.file} --version failed: did not answer within 200 ms`,
    });
  });

  it('answers the resolution problem without spawning anything when no browser was found', async () => {
    const probe = createChromeProbe({ chrome: { found: false, problem: 'No Chromium found.' } });
    expect(await probe.check()).toEqual({ ok: false, problem: 'No Chromium found.' });
  });

  it('launches the real Chromium here', async () => {
    const probe = createChromeProbe({
      chrome: { found: true, executablePath: REAL_CHROME, headless: 'shell' },
    });
    expect(await probe.check()).toMatchObject({ ok: true });
  });
});
