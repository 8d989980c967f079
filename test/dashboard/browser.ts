import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer';
import { expect } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Debian's headless shell, as the e2e tests of sessions use; CHROME_PATH overrides it. */
const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/lib/chromium/chromium-headless-shell';

/** The dashboard as `npm run build` compiles it; the server under test serves dist/dashboard. */
export const buildDashboard = (): void => {
  execFileSync('npm', ['run', '--silent', 'build:dashboard'], { cwd: root, stdio: 'pipe' });
};

export interface DashboardBrowser {
  browser: Browser;
  page: Page;
  /** Console errors (CSP violations among them) and uncaught exceptions of the page so far. */
  problems: string[];
  /** `<status> <method> <path and query>` of every answer of 400 or more the page received. */
  failedResponses: string[];
  close(): Promise<void>;
}

export const openBrowser = async (width = 1280, height = 900): Promise<DashboardBrowser> => {
  const browser = await puppeteer.launch({
    executablePath: CHROME_PATH,
    headless: CHROME_PATH.endsWith('headless-shell') ? 'shell' : true,
    // Root in a container cannot use Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    protocolTimeout: 30_000,
  });
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  const failedResponses: string[] = [];
  page.on('console', (message) => {
    // A failed fetch is logged as "Failed to load resource": failedResponses has it, with its URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (res) => {
    if (res.status() < 400) return;
    const url = new URL(res.url());
    failedResponses.push(`${res.status()} ${res.request().method()} ${url.pathname}${url.search}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${String(err)}`));
  return {
    browser,
    page,
    problems,
    failedResponses,
    close: () => browser.close(),
  };
};

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown; failureSummary?: string }>;
}

/**
 * axe-core in the page (evaluated over the DevTools protocol, which the page's CSP does not govern):
 * no serious or critical violation on this screen.
 */
export const expectAccessible = async (page: Page, screen: string): Promise<void> => {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations;
  })) as AxeViolation[];
  const grave = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      where: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`),
    }));
  expect(grave, `axe on the ${screen} screen`).toEqual([]);
};

/** Waits until the page's text contains `text` (anywhere in body), bounded. */
export const waitForText = async (page: Page, text: string, timeout = 20_000): Promise<void> => {
  await page.waitForFunction((t: string) => document.body.textContent.includes(t), { timeout }, text);
};

/**
 * Replaces the text of an input by typing. Focused through the DOM, not by a mouse click: the page
 * moves as live updates arrive (a QR image, a notice), and a click aimed a moment earlier can land on
 * something else. The keyboard-only test drives focus with real Tab presses.
 */
export const typeInto = async (page: Page, selector: string, text: string): Promise<void> => {
  await page.$eval(selector, (el) => {
    const input = el as HTMLInputElement | HTMLTextAreaElement;
    input.focus();
    input.select();
  });
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
};

/**
 * Clicks the enabled button whose text is exactly `label` (inside `scope`, a CSS selector), with the
 * element's own click() for the same reason as typeInto: a mouse aimed before the layout moved misses.
 */
export const clickButton = async (page: Page, label: string, scope = 'body'): Promise<void> => {
  const handle = await page.waitForFunction(
    (s: string, l: string) =>
      [...document.querySelectorAll<HTMLButtonElement>(`${s} button`)].find(
        (b) => b.textContent.trim() === l && !b.disabled,
      ) ?? null,
    {},
    scope,
    label,
  );
  const element = handle.asElement() as ElementHandle<HTMLButtonElement> | null;
  if (element === null) throw new Error(`No button ${label}`);
  await element.evaluate((button) => button.click());
};
