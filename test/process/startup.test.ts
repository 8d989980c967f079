import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, type ServerProcess, startServer } from '../helpers/server-process.js';

const started: ServerProcess[] = [];

afterEach(async () => {
  for (const server of started.splice(0)) {
    await server.stop('SIGKILL');
    await removeDir(server.dataDir);
  }
});

describe.concurrent('the server process', () => {
  it.each([
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
  ])('stops start-up with exit 1 and a line naming %s when it is bad', async (name, value, expected) => {
    const server = await startServer({ [name]: value }, { waitForListening: false });
    started.push(server);
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.stderr.join('')).toMatch(expected);
  });

  it('exits 0 within SHUTDOWN_TIMEOUT_MS after SIGTERM', async () => {
    const server = await startServer({ SHUTDOWN_TIMEOUT_MS: '5000' });
    started.push(server);
    const list = await server.request('GET', '/sessions');
    expect(list.status).toBe(200);
    const sentAt = Date.now();
    const { code } = await server.stop('SIGTERM');
    expect(code).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(5000 + 2000);
    expect(server.logs.some((l) => l.msg === 'Stopped')).toBe(true);
  });

  it('starts without Chromium and answers 503 naming the package to install', async () => {
    const server = await startServer({ CHROME_PATH: '/nonexistent/chromium' });
    started.push(server);
    const res = await server.request('POST', '/sessions/alpha');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe('browser_missing');
    expect(body.detail).toContain('apt-get install -y chromium-headless-shell');
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
});
