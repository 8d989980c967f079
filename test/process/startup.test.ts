import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { apiKeyFingerprint } from '../../src/api-key.js';
import { removeDir, type ServerProcess, startServer } from '../helpers/server-process.js';

const faults = new URL('./fixtures/faults.mjs', import.meta.url).pathname;

/** Tests here run concurrently: each one ends its own server. */
const track = (server: ServerProcess, context: TestContext): ServerProcess => {
  context.onTestFinished(async () => {
    await server.stop('SIGKILL');
    await removeDir(server.dataDir);
  });
  return server;
};

describe.concurrent('the server process', () => {
  it.for<[string, string, RegExp]>([
    [
      'LOGOUT_CLEANUP_DELAY_MS',
      'soon',
      /Invalid setting LOGOUT_CLEANUP_DELAY_MS="soon": accepts a whole number/,
    ],
    [
      'AUTO_CLEANUP_ON_LOGOUT',
      'maybe',
      /Invalid setting AUTO_CLEANUP_ON_LOGOUT="maybe": accepts true or false/,
    ],
    ['HEADLESS', 'old', /Invalid setting HEADLESS="old": accepts shell or new/],
    ['PORT', '70000', /Invalid setting PORT="70000"/],
    ['WEBHOOK_URL', 'ftp://x', /Invalid setting WEBHOOK_URL="ftp:\/\/x": accepts an http\(s\) URL/],
  ])(
    'stops start-up with exit 1 and a line naming %s when it is bad',
    async ([name, value, expected], context) => {
      const server = track(await startServer({ [name]: value }, { waitForListening: false }), context);
      const { code } = await server.exited;
      expect(code).toBe(1);
      expect(server.stderr.join('')).toMatch(expected);
    },
  );

  it.for<[string, Record<string, string>, RegExp]>([
    [
      'DATABASE_URL',
      { CLUSTER: 'true', ADVERTISE_URL: 'http://127.0.0.1:3000' },
      /Invalid setting DATABASE_URL: CLUSTER=true needs a PostgreSQL/,
    ],
    [
      'ADVERTISE_URL',
      { CLUSTER: 'true', DATABASE_URL: 'postgres://u:secret-pw@127.0.0.1:1/db' },
      /Invalid setting ADVERTISE_URL: CLUSTER=true needs the address/,
    ],
  ])(
    'stops start-up in cluster mode with exit 1 and a line naming %s when it is missing',
    async ([, env, expected], context) => {
      const server = track(await startServer(env, { waitForListening: false }), context);
      const { code } = await server.exited;
      expect(code).toBe(1);
      expect(server.stderr.join('')).toMatch(expected);
      expect(server.stderr.join('')).not.toContain('secret-pw');
    },
  );

  it('exits 0 within SHUTDOWN_TIMEOUT_MS after SIGTERM', async (context) => {
    const server = track(await startServer({ SHUTDOWN_TIMEOUT_MS: '5000' }), context);
    const list = await server.request('GET', '/sessions');
    expect(list.status).toBe(200);
    const sentAt = Date.now();
    const { code } = await server.stop('SIGTERM');
    expect(code).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(5000 + 2000);
    expect(server.logs.some((l) => l.msg === 'Stopped')).toBe(true);
  });

  it('starts without Chromium, answers 503 naming the package to install, and has no simulator routes', async (context) => {
    const server = track(await startServer({ CHROME_PATH: '/nonexistent/chromium' }), context);
    const res = await server.request('POST', '/sessions/alpha');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe('browser_missing');
    expect(body.detail).toContain('apt-get install -y chromium-headless-shell');
    // Outside sandbox mode the simulator's routes do not exist.
    const scan = await server.request('POST', '/sessions/alpha/simulator/scan');
    expect(scan.status).toBe(404);
  });

  it('prints usage with --help and exits 0', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--help'], {
      cwd: new URL('../..', import.meta.url),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: npm start');
  });

  it('logs an unhandled rejection and keeps serving', async (context) => {
    const server = track(
      await startServer({ FAULT: 'unhandled-rejection' }, { nodeArgs: ['--import', faults] }),
      context,
    );
    server.child.kill('SIGUSR2');
    await server.waitForLog((l) => l.msg === 'Unhandled promise rejection (contained)');
    expect((await server.request('GET', '/sessions')).status).toBe(200);
  });

  it('on an uncaught exception logs it at fatal, shuts down and exits non-zero', async (context) => {
    const server = track(
      await startServer({ FAULT: 'uncaught-exception' }, { nodeArgs: ['--import', faults] }),
      context,
    );
    server.child.kill('SIGUSR2');
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.logs.find((l) => l.msg === 'Uncaught exception: shutting down')?.level).toBe(60);
    expect(server.logs.some((l) => l.msg === 'Stopped')).toBe(true);
  });

  it('without API_KEY generates a key, prints its file and fingerprint (never the key), keeps it and requires it', async (context) => {
    const first = track(await startServer({ API_KEY: '' }), context);
    const key = (await readFile(path.join(first.dataDir, 'api-key'), 'utf8')).trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.stderr.join('')).not.toContain(key);
    expect(first.stderr.join('')).toContain(path.join(first.dataDir, 'api-key'));
    expect(first.stderr.join('')).toContain(apiKeyFingerprint(key));
    expect(JSON.stringify(first.logs)).not.toContain(key);
    const url = `${first.baseUrl}/sessions`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const second = track(await startServer({ API_KEY: '' }, { dataDir: first.dataDir }), context);
    expect(second.stderr.join('')).not.toContain(key);
    expect((await fetch(`${second.baseUrl}/sessions`, { headers: { 'x-api-key': key } })).status).toBe(200);
  });
});

// One after another, after the concurrent group: each start costs a tsx transform, and a loaded
// machine already struggles with the servers above starting at once.
describe('the API key at start', () => {
  it('refuses a key under 32 characters on a reachable address, without printing it', async (context) => {
    const server = track(
      await startServer({ API_KEY: 'hunter2-short', HOST: '0.0.0.0' }, { waitForListening: false }),
      context,
    );
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.stderr.join('')).toMatch(/API_KEY is 13 characters long: at least 32 are required/);
    expect(`${server.stderr.join('')}${JSON.stringify(server.logs)}`).not.toContain('hunter2-short');
  });

  it('accepts a short key on loopback with a warning', async (context) => {
    const server = track(await startServer({ API_KEY: 'hunter2-short' }), context);
    expect((await server.request('GET', '/sessions')).status).toBe(200);
    const warning = server.logs.find((l) => l.level === 40 && /shorter than 32/.test(String(l.msg)));
    expect(warning).toBeDefined();
    expect(JSON.stringify(server.logs)).not.toContain('hunter2-short');
  });
});
