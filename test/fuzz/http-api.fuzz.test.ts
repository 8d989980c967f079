import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createEventBus } from '../../src/events/bus.js';
import { type App, createApp } from '../../src/http/app.js';
import { createHealthRouter } from '../../src/http/health.js';
import { createEventsRouter } from '../../src/http/routes/events.js';
import { createMessagesRouter } from '../../src/http/routes/messages.js';
import { createSimulatorRouter } from '../../src/http/routes/simulator.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createAuthFolders } from '../../src/sessions/auth-folders.js';
import { createSessionManager, type InternalSessionManager } from '../../src/sessions/manager.js';
import { SESSION_ID_PATTERN } from '../../src/sessions/types.js';
import {
  createFakeClientFactory,
  FakeBrowserProcesses,
  type FakeClientFactory,
} from '../helpers/fake-client.js';
import { defaultManagerConfig } from '../helpers/manager-harness.js';
import { type FuzzRequest, request, toWire } from './arbitraries.js';
import { type RawResponse, rawRequest } from './raw-http.js';

/** 10,000 by default; FUZZ_RUNS changes it (FUZZ_SEED replays a failure that fast-check reported). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const KEY = 'fuzz-key-0123456789abcdef0123456789abcdef';

let base: string;
let dataDir: string;
let server: Server;
let port: number;
let app: App;
let manager: InternalSessionManager;
let clients: FakeClientFactory;
let closeEvents: () => void;
const logLines: string[] = [];
let cwdBefore: string[];

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'wa-fuzz-'));
  dataDir = path.join(base, 'data');
  await mkdir(dataDir);
  cwdBefore = (await readdir(process.cwd())).sort();
  const logger = createLogger({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_KEY: KEY,
    SIMULATOR: 'true',
    // Failed authentications are limited per address, and every request here comes from one:
    // the limit would turn the rest of the run into 429s (it has its own tests).
    AUTH_FAILURES_PER_MINUTE: '0',
    MAX_SESSIONS: '10000',
    // Loopback is exempt, but a generated X-Forwarded-For makes a client remote: keep it on, out of reach.
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const bus = createEventBus({ logger });
  const processes = new FakeBrowserProcesses();
  clients = createFakeClientFactory(processes);
  manager = createSessionManager({
    config: {
      ...defaultManagerConfig,
      MAX_SESSIONS: 10_000,
      LOGOUT_CLEANUP_DELAY_MS: 0,
      DESTROY_TIMEOUT_MS: 200,
    },
    logger,
    bus,
    clientFactory: clients.factory,
    folders: createAuthFolders({ dataDir, logger, retryDelaysMs: [] }),
    processes,
    killWaitMs: 100,
  });
  // No store here: SSE replays nothing (the store has its own tests).
  const events = createEventsRouter({
    bus,
    logger,
    heartbeatMs: 60_000,
    replay: { flush: async () => undefined, eventsAfter: async () => [] },
  });
  closeEvents = () => events.close();
  app = createApp({
    manager,
    config,
    logger,
    apiKey: KEY,
    health: createHealthRouter({
      dataDir,
      chrome: { found: true, executablePath: '/usr/lib/chromium/chromium-headless-shell', headless: 'shell' },
      probe: { check: async () => ({ ok: true, version: 'Chromium (fuzz)' }) },
      logger,
    }),
    routers: [
      createMessagesRouter({
        manager,
        // Never the network: the media guard has its own tests; what matters here is the HTTP layer.
        fetchMedia: async () => ({ mimetype: 'image/png', data: 'iVBORw0KGgo=', filename: 'a.png' }),
        limits: { maxMediaBytes: 1024 * 1024, mediaTimeoutMs: 1000 },
      }),
      events,
      createSimulatorRouter({ manager }),
    ],
  });
  server = createHttpServer(app, { headersTimeoutMs: 5000, requestTimeoutMs: 10_000, maxConnections: 1000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  closeEvents?.();
  await manager?.shutdown();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(base, { recursive: true, force: true });
});

const isProblem = (response: RawResponse, method: string): string | null => {
  if (response.status < 400) return null;
  if (!(response.headers['content-type'] ?? '').startsWith('application/problem+json')) {
    return `${response.status} with content-type ${response.headers['content-type'] ?? '(none)'}`;
  }
  if (method === 'HEAD') return null;
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return `${response.status} whose body is not JSON`;
  }
  const problem = body as Record<string, unknown>;
  if (problem.status !== response.status)
    return `problem.status ${String(problem.status)} ≠ ${response.status}`;
  for (const member of ['type', 'title', 'detail', 'code']) {
    if (typeof problem[member] !== 'string') return `problem without a string ${member}`;
  }
  return null;
};

/** Every file and folder under `dir`, relative, without following links. */
const walk = async (dir: string, prefix = ''): Promise<string[]> => {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const relative = path.join(prefix, entry.name);
    found.push(relative);
    if (entry.isDirectory() && !entry.isSymbolicLink())
      found.push(...(await walk(path.join(dir, entry.name), relative)));
  }
  return found;
};

describe('the HTTP API under generated requests (property-based fuzz)', () => {
  it(`answers ${RUNS} generated requests: never a 5xx, every error problem+json, no file outside DATA_DIR`, async () => {
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(request, async (r: FuzzRequest) => {
        if (r.phone !== null) {
          const [sessionId, action] = r.phone;
          const client = clients.live(sessionId).at(-1);
          if (action === 'qr') client?.emitQr();
          if (action === 'link') client?.link();
          if (action === 'logout') client?.emitDisconnected('LOGOUT');
          if (action === 'conflict') client?.emitDisconnected('CONFLICT');
        }
        const response = await rawRequest(port, toWire(r, KEY), {
          head: r.method === 'HEAD',
          timeoutMs: 10_000,
        });
        // The server may refuse a malformed request by closing; what it says, when it says anything, is checked.
        if (response === null) return;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 400 && r.method !== 'HEAD') {
          const code = String(
            (JSON.parse(response.body.toString('utf8') || '{}') as { code?: unknown }).code,
          );
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
        expect(response.status, `${r.method} ${r.target}`).toBeLessThan(500);
        expect(isProblem(response, r.method), `${r.method} ${r.target}`).toBeNull();
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true },
    );
    const seconds = (Date.now() - started) / 1000;

    // Nothing outside DATA_DIR: the temporary parent holds DATA_DIR alone, the working directory is
    // as it was, and every session folder inside is named for a valid id.
    expect(await readdir(base)).toEqual(['data']);
    expect((await readdir(process.cwd())).sort()).toEqual(cwdBefore);
    for (const entry of await readdir(path.join(dataDir, 'sessions')).catch(() => [])) {
      expect(
        entry.startsWith('session-') && SESSION_ID_PATTERN.test(entry.slice('session-'.length)),
        entry,
      ).toBe(true);
    }
    for (const file of await walk(dataDir))
      expect(path.resolve(dataDir, file).startsWith(`${dataDir}${path.sep}`)).toBe(true);
    expect(logLines.some((line) => line.includes('"level":50') && line.includes('unexpected error'))).toBe(
      false,
    );
    // Printed for the record (the report quotes it): how long the run took and what it answered.
    process.stdout.write(
      `fuzz: ${RUNS} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; codes ${JSON.stringify(Object.fromEntries([...codes].sort(([, a], [, b]) => b - a)))}\n`,
    );
  }, 600_000);
});
