/**
 * `npm run screenshots`: the dashboard's pictures in README, written to docs/ at 1280 and 390 px wide.
 * Runs the real server in sandbox mode (the simulator plays the phones) and a real Chromium.
 */
import path from 'node:path';
import type { Page } from 'puppeteer';
import {
  buildDashboard,
  clickButton,
  openBrowser,
  typeInto,
  waitForText,
} from '../test/dashboard/browser.js';
import { sandboxEnv } from '../test/e2e/harness.js';
import { waitForState } from '../test/helpers/e2e.js';
import { removeDir, startServer, TEST_API_KEY } from '../test/helpers/server-process.js';

const docs = path.resolve(import.meta.dirname, '..', 'docs');
const widths = [1280, 390];

const main = async () => {
  buildDashboard();
  const server = await startServer(sandboxEnv);
  try {
    // A linked number with some traffic, and one waiting for its QR to be scanned.
    await server.request('POST', '/sessions/shop');
    await waitForState(server, 'shop', 'QR');
    await server.request('POST', '/sessions/shop/simulator/scan', {
      phone: '5511912345678',
      pushname: 'Loja Centro',
    });
    await waitForState(server, 'shop', 'READY');
    await server.request('POST', '/sessions/shop/simulator/messages', {
      from: '5511987654321',
      body: 'Olá! O pedido 1042 já saiu?',
    });
    await server.request('POST', '/sessions/shop/messages', {
      to: '+55 11 98765-4321',
      text: 'Saiu hoje cedo, chega amanhã.',
    });
    await server.request('POST', '/sessions/support');
    await waitForState(server, 'support', 'QR');

    for (const width of widths) {
      const ui = await openBrowser(width, width > 600 ? 860 : 844);
      try {
        const page: Page = ui.page;
        await page.goto(`${server.baseUrl}/dashboard/`);
        await typeInto(page, '#api-key', TEST_API_KEY);
        await clickButton(page, 'Sign in');
        await page.waitForSelector('.connection[data-status="live"]');
        await page.click('tr[data-session="shop"] button');
        await waitForText(page, 'pedido 1042');
        await page.screenshot({
          path: path.join(docs, `dashboard-ready-${width}.png`),
          fullPage: width > 600,
        });
        await page.click('tr[data-session="support"] button');
        await page.waitForSelector('img.qr');
        await page.evaluate(() => document.querySelector('.link')?.scrollIntoView());
        await page.screenshot({ path: path.join(docs, `dashboard-qr-${width}.png`), fullPage: width > 600 });
        console.log(`docs/dashboard-*-${width}.png written`);
      } finally {
        await ui.close();
      }
    }
  } finally {
    await server.stop();
    await removeDir(server.dataDir);
  }
};

await main();
