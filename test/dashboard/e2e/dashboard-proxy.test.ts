import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxEnv, stopAndVerify } from '../../e2e/harness.js';
import { findNginx, type NginxProcess, startNginx } from '../../helpers/nginx.js';
import { removeDir, type ServerProcess, startServer, TEST_API_KEY } from '../../helpers/server-process.js';
import {
  buildDashboard,
  clickButton,
  type DashboardBrowser,
  expectAccessible,
  openBrowser,
  typeInto,
  waitForText,
} from '../browser.js';

/**
 * The dashboard behind deploy/nginx.conf with its path-prefix line turned on (`/wa/`): the page, its
 * modules, the API calls and the event stream all go through nginx under the prefix.
 */

const nginxBinary = findNginx();
if (!nginxBinary) {
  // .ci/run installs it (debian-packages.txt): say so rather than skip.
  throw new Error('nginx is not installed: apt-get install -y nginx-light (see debian-packages.txt)');
}

let server: ServerProcess;
let nginx: NginxProcess;
let nginxDir: string;
let ui: DashboardBrowser;
let page: Page;
const requested: string[] = [];

describe('dashboard under a path prefix behind deploy/nginx.conf', () => {
  beforeAll(async () => {
    buildDashboard();
    server = await startServer({ ...sandboxEnv, TRUST_PROXY: 'loopback' });
    nginxDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-nginx-'));
    nginx = await startNginx({
      nginx: nginxBinary,
      upstream: server.baseUrl.replace('http://', ''),
      dir: nginxDir,
      pathPrefix: true,
    });
    ui = await openBrowser(390, 844);
    page = ui.page;
    page.on('request', (req) => {
      // data: URLs (the QR image) go nowhere.
      if (req.url().startsWith('http')) requested.push(new URL(req.url()).pathname);
    });
  });

  afterAll(async () => {
    await ui?.close();
    await nginx?.stop();
    if (server) {
      await stopAndVerify(server);
      await removeDir(server.dataDir);
    }
    if (nginxDir) await rm(nginxDir, { recursive: true, force: true });
  });

  it('links a number through the proxy, every request under the prefix, live over the proxied stream', async () => {
    await page.goto(`${nginx.baseUrl}/wa/dashboard`);
    expect(page.url()).toBe(`${nginx.baseUrl}/wa/dashboard/`);
    await typeInto(page, '#api-key', TEST_API_KEY);
    await clickButton(page, 'Sign in');
    await waitForText(page, 'No sessions yet');
    await page.waitForSelector('.connection[data-status="live"]');

    await typeInto(page, '#new-session', 'edge');
    await clickButton(page, 'Create');
    await page.waitForSelector('img.qr');
    await expectAccessible(page, 'link (QR) at 390 px behind the proxy');
    await server.request('POST', '/sessions/edge/simulator/scan', { phone: '5511955554444' });
    // Only the proxied event stream can bring this without a reload.
    await waitForText(page, 'Session edge is linked and ready.');
    await waitForText(page, '+5511955554444');

    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((p) => !p.startsWith('/wa/'))).toEqual([]);
    expect(requested).toContain('/wa/events');
    expect(requested).toContain('/wa/dashboard/preact.mjs');
    expect(ui.problems).toEqual([]);
    expect(ui.failedResponses.filter((r) => !r.startsWith('404 GET /wa/webhooks/deliveries?'))).toEqual([]);
    expect(await nginx.errorLog()).not.toMatch(/\[(error|crit|alert|emerg)\]/);
  });
});
