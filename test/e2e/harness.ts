import { expect, type TestContext } from 'vitest';
import { browsersUnder, unhandledRejections, waitUntil } from '../helpers/e2e.js';
import { removeDir, type ServerProcess, startServer } from '../helpers/server-process.js';

/** Settings every e2e server gets: sandbox mode, short delays so a test does not wait 3 s for nothing. */
export const sandboxEnv: Record<string, string> = {
  SIMULATOR: 'true',
  LOGOUT_CLEANUP_DELAY_MS: '500',
  DESTROY_TIMEOUT_MS: '3000',
  LOGOUT_TIMEOUT_MS: '3000',
  SHUTDOWN_TIMEOUT_MS: '10000',
  // Off unless a test is about them (auto-restart.test.ts): the others prove what a failure alone does.
  RESTART_MAX_ATTEMPTS: '0',
  // `E2E_CHROME_FLAGS_PRESET=single-process npx vitest run test/e2e/lifecycle.test.ts` runs the e2e
  // tests on another flag preset (the opt-in one-process preset is proven that way).
  ...(process.env.E2E_CHROME_FLAGS_PRESET
    ? { CHROME_FLAGS_PRESET: process.env.E2E_CHROME_FLAGS_PRESET }
    : {}),
};

/**
 * Starts a sandbox server for one test and, when the test ends: stops it, proves that no Chromium it
 * started is alive and that its log holds no unhandled rejection (unless the test allows some), and
 * removes its data dir.
 */
export const sandboxServer = async (
  context: TestContext,
  env: Record<string, string> = {},
  options: { dataDir?: string; allowRejections?: RegExp; keepDataDir?: boolean; nodeArgs?: string[] } = {},
): Promise<ServerProcess> => {
  const server = await startServer(
    { ...sandboxEnv, ...env },
    {
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    },
  );
  context.onTestFinished(async () => {
    await stopAndVerify(server, options.allowRejections);
    if (!options.keepDataDir) await removeDir(server.dataDir);
  });
  return server;
};

/**
 * SIGTERM (SIGKILL after 20 s), then the promises every e2e test keeps: exit 0, no Chromium of this
 * server alive, no unhandled rejection in its log but those `allowed` on purpose.
 */
export const stopAndVerify = async (server: ServerProcess, allowed?: RegExp): Promise<void> => {
  const { code } = await Promise.race([
    server.stop('SIGTERM'),
    new Promise<{ code: number | null }>((resolve) => setTimeout(() => resolve({ code: -1 }), 20_000)),
  ]);
  if (code === -1) await server.stop('SIGKILL');
  await waitUntil(
    'every browser of the test has exited',
    async () => (await browsersUnder(server.dataDir)).length === 0,
  );
  const rejections = unhandledRejections(server).filter((line) => !allowed?.test(JSON.stringify(line)));
  expect(rejections, 'unhandled rejections in the server log').toEqual([]);
  expect(code, 'server exit code after SIGTERM').toBe(0);
};
