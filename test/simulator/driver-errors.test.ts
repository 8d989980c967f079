import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createSimulatorDriver } from '../../src/simulator/driver.js';
import { prepareSimulatorCache, SIMULATOR_WEB_VERSION } from '../../src/simulator/web-cache.js';

// No browser here: a stand-in page whose evaluate() hangs or fails shows how the driver maps it.
const fakePage = (evaluate: () => Promise<unknown>): Page => ({ evaluate }) as unknown as Page;

const failure = (work: Promise<unknown>) =>
  work.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(AppError);
      const err = e as AppError;
      return { status: err.status, code: err.code };
    },
  );

describe('simulator driver errors', () => {
  it('bounds every page call: a hanging page gives 504 timeout', async () => {
    const driver = createSimulatorDriver(
      fakePage(() => new Promise(() => undefined)),
      { timeoutMs: 30 },
    );
    expect(await failure(driver.scan())).toEqual({ status: 504, code: 'timeout' });
  });

  it('bounds logout, whose page reload is polled', async () => {
    let calls = 0;
    const driver = createSimulatorDriver(
      fakePage(async () => {
        calls += 1;
        // status, beginLogout, navigateHome succeed; the page then never comes back.
        if (calls <= 3) return { pageId: 'a', listening: { qr: true, logout: true } };
        throw new Error('Execution context was destroyed');
      }),
      { timeoutMs: 50, logoutTimeoutMs: 100 },
    );
    expect(await failure(driver.logout())).toEqual({ status: 504, code: 'timeout' });
  });

  it('maps page-side refusals and a closed browser to stable codes', async () => {
    const rejecting = (message: string) =>
      createSimulatorDriver(fakePage(() => Promise.reject(new Error(message))));
    expect(
      await failure(rejecting('[simulator_not_ready] not paired').incomingMessage({ from: 'a', body: 'b' })),
    ).toEqual({
      status: 409,
      code: 'simulator_not_ready',
    });
    expect(await failure(rejecting('[simulator_bad_request] not a wid: x').setAck('x', 2))).toEqual({
      status: 400,
      code: 'simulator_bad_request',
    });
    expect(
      await failure(rejecting('Protocol error (Runtime.callFunctionOn): Target closed').outbox()),
    ).toEqual({
      status: 503,
      code: 'simulator_unavailable',
    });
  });
});

describe('prepareSimulatorCache', () => {
  it('writes the page under the version name and returns strict local-cache options', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wa-sim-cache-'));
    try {
      const target = path.join(dir, 'nested', 'cache');
      const results = await Promise.all([1, 2, 3, 4].map(() => prepareSimulatorCache(target)));
      for (const options of results) {
        expect(options).toEqual({
          webVersion: SIMULATOR_WEB_VERSION,
          webVersionCache: { type: 'local', path: target, strict: true },
        });
      }
      // Concurrent preparations leave exactly one complete page and no temporary files.
      expect(await readdir(target)).toEqual([`${SIMULATOR_WEB_VERSION}.html`]);
      const html = await readFile(path.join(target, `${SIMULATOR_WEB_VERSION}.html`), 'utf8');
      expect(html).toContain(`const VERSION = '${SIMULATOR_WEB_VERSION}';`);
      expect(html).toContain('<link rel="icon" href="data:,">');
      // Self-contained: nothing for the offline browser to fetch.
      expect(html).not.toMatch(
        /<script[^>]+src=|<link[^>]+rel="stylesheet"|https?:\/\/(?!web\.whatsapp\.com\/)/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
