/**
 * Child process of the `heap` bench section (bench/heap.ts), transpiled to plain JavaScript and run
 * as `node --expose-gc [npm start's flags] heap-steps.mjs DIST [SNAPSHOT_DIR]` (no tsx: its loader
 * thread alone is ~40 MiB RSS): the start-up steps of src/main.ts, in its order, on the built modules
 * in DIST (what `npm start` runs), then sessions made READY. After each step it collects garbage and
 * prints one line `step {"name", "rss", "heapUsed", "external", "snapshot"}` on stdout; with
 * SNAPSHOT_DIR it also writes a V8 heap snapshot (which inflates the RSS of the steps after it: the
 * section takes RSS from a run without). Only node: imports here, so that it runs untranspiled
 * dependencies-free. Keep the order in step with src/main.ts. By hand, keeping the snapshots for
 * Chrome DevTools: `npm run build && SIMULATOR=true DATA_DIR=$(mktemp -d) node --expose-gc --import tsx
 * bench/heap-steps.ts dist /tmp/snapshots` (tsx's loader then adds to the RSS, not to the heap).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

type Mod<T> = Promise<T>;
const [dist = 'dist', snapshots] = process.argv.slice(2);
const load = <T>(file: string): Mod<T> => import(path.resolve(dist, file)) as Mod<T>;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('Run with --expose-gc');

let n = 0;
const step = (name: string): void => {
  gc();
  gc();
  const usage = process.memoryUsage();
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  n += 1;
  const snapshot =
    snapshots === undefined
      ? null
      : writeHeapSnapshot(path.join(snapshots, `${String(n).padStart(2, '0')}.heapsnapshot`));
  const line = { name, rss: rssKiB * 1024, heapUsed: usage.heapUsed, external: usage.external, snapshot };
  process.stdout.write(`step ${JSON.stringify(line)}\n`);
};

const until = async (what: string, ok: () => boolean, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`heap steps: ${what} not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const run = async (count: number): Promise<void> => {
  step('node alone (no server module)');
  const [
    { createBrowserProcesses },
    { createLogger },
    { loadApiKey },
    { findChrome },
    { startCluster },
    { parseConfig },
    { claimDataDir },
    { createHttp },
    { listen, reapLeftBrowsers },
    { createSessions },
    { openStore },
    { startWebhooks },
    { createAuthFolders },
    { createSimulatorDriver },
  ] = await Promise.all([
    load<typeof import('../src/browser/browser-processes.js')>('browser/browser-processes.js'),
    load<typeof import('../src/logger.js')>('logger.js'),
    load<typeof import('../src/main/api-key.js')>('main/api-key.js'),
    load<typeof import('../src/main/chrome.js')>('main/chrome.js'),
    load<typeof import('../src/main/cluster.js')>('main/cluster.js'),
    load<typeof import('../src/main/config.js')>('main/config.js'),
    load<typeof import('../src/main/data-dir.js')>('main/data-dir.js'),
    load<typeof import('../src/main/http.js')>('main/http.js'),
    load<typeof import('../src/main/listen.js')>('main/listen.js'),
    load<typeof import('../src/main/sessions.js')>('main/sessions.js'),
    load<typeof import('../src/main/store.js')>('main/store.js'),
    load<typeof import('../src/main/webhooks.js')>('main/webhooks.js'),
    load<typeof import('../src/sessions/auth-folders.js')>('sessions/auth-folders.js'),
    // The simulator's driver only imports puppeteer's types: it loads nothing of the library.
    load<typeof import('../src/simulator/driver.js')>('simulator/driver.js'),
  ]);
  step('modules imported (what src/main.ts imports)');
  const config = parseConfig();
  if (!config) throw new Error('heap steps: no config');
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: false });
  await claimDataDir(config, logger);
  const apiKey = await loadApiKey(config, logger);
  const chrome = findChrome(config, logger);
  step('config, logger, DATA_DIR claimed, API key, Chromium found');
  const processes = createBrowserProcesses({ logger });
  const folders = createAuthFolders({ dataDir: config.dataDir, logger });
  const store = await openStore({ config, folders, logger });
  const cluster = await startCluster({ config, logger, store });
  step('store opened (SQLite, migrated)');
  const sessions = await createSessions({ config, logger, chrome, processes, folders, store, cluster });
  const webhooks = await startWebhooks({ config, logger, sessions, store });
  step('session manager, webhook dispatcher');
  const http = await createHttp({
    config,
    logger,
    apiKey,
    chrome,
    processes,
    folders,
    store,
    sessions,
    webhooks,
  });
  step('HTTP app built (every router)');
  await reapLeftBrowsers(sessions.reaping);
  const problem = await listen({ config, logger, http: http.http });
  if (problem !== null) throw new Error(problem);
  step('listening (idle server)');
  const { manager } = sessions;
  const ready = async (ids: string[]) => {
    await Promise.all(ids.map((id) => manager.create(id)));
    await until('QR', () => ids.every((id) => manager.get(id).state === 'QR'), 600_000);
    await Promise.all(ids.map((id) => createSimulatorDriver(manager.page(id)).scan()));
    await until('READY', () => ids.every((id) => manager.get(id).state === 'READY'), 600_000);
  };
  await ready(['h0']);
  step('first session READY');
  if (count > 1) {
    await ready(Array.from({ length: count - 1 }, (_, i) => `h${i + 1}`));
    step(`${count} sessions READY`);
  }
  await manager.shutdown();
  await store.close();
  http.http.close();
};

run(Number(process.env.HEAP_STEPS_SESSIONS ?? '5')).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `heap steps failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
