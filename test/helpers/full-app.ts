import type { Router } from 'express';
import { afterEach } from 'vitest';
import type { ChromeResolution } from '../../src/browser/chrome.js';
import type { ChromeProbe } from '../../src/browser/chrome-probe.js';
import type { ProcessInfo } from '../../src/browser/process-table.js';
import { loadConfig } from '../../src/config.js';
import { createEventBus } from '../../src/events/bus.js';
import type { EventBus } from '../../src/events/types.js';
import type { WebhookStats } from '../../src/events/webhook-dispatcher.js';
import { type App, createApp } from '../../src/http/app.js';
import { createHealthRouter } from '../../src/http/health.js';
import { createChatsRouter } from '../../src/http/routes/chats.js';
import { createContactsRouter } from '../../src/http/routes/contacts.js';
import { createEventsRouter } from '../../src/http/routes/events.js';
import { createGroupsRouter } from '../../src/http/routes/groups.js';
import { createMediaRouter } from '../../src/http/routes/media.js';
import { createMessageActionsRouter } from '../../src/http/routes/message-actions.js';
import { createMessagesRouter } from '../../src/http/routes/messages.js';
import { createSimulatorRouter } from '../../src/http/routes/simulator.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { createFakeManager, type FakeManager } from './fake-manager.js';

export const KEY = 'test-key-with-enough-entropy-0123456789';

export interface FullApp {
  app: App;
  manager: FakeManager;
  bus: EventBus;
  metrics: Metrics;
  webhookStats: WebhookStats;
  /** What the fake process table reports as our browsers. */
  browsers: ProcessInfo[];
  /** Every log line, raw. */
  logs: string[];
  /** The routers, for the route walk. */
  routers: Router[];
  close(): void;
}

/**
 * The app as main.ts builds it: API key, health, metrics, messages, events and (sandbox) simulator
 * routes, over a fake manager, a real event bus and fakes for the process table and webhooks.
 */
export const buildFullApp = (
  options: {
    env?: Record<string, string>;
    apiKey?: string | null;
    probe?: ChromeProbe;
    chrome?: ChromeResolution;
    dataDir?: string;
    now?: () => number;
  } = {},
): FullApp => {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const config = loadConfig({ DATA_DIR: options.dataDir ?? '/tmp', ...options.env });
  const manager = createFakeManager();
  const bus = createEventBus({ logger });
  const webhookStats: WebhookStats = {
    delivered: 0,
    failed: 0,
    dropped: 0,
    retried: 0,
    queued: 0,
    inFlight: 0,
  };
  const browsers: ProcessInfo[] = [];
  const metrics = createMetrics({
    manager,
    bus,
    webhooks: { stats: () => webhookStats },
    processes: { findOrphans: async () => browsers },
    sessionsRoot: '/tmp/sessions',
    logger,
    defaultMetrics: true,
    ...(options.now ? { now: options.now } : {}),
  });
  const events = createEventsRouter({ bus, logger, maxStreamsPerKey: config.SSE_MAX_STREAMS_PER_KEY });
  const routers: Router[] = [
    createMessagesRouter({ manager, limits: { maxMediaBytes: 1000, mediaTimeoutMs: 1000 } }),
    createChatsRouter({ manager, logger }),
    createContactsRouter({ manager }),
    createMessageActionsRouter({ manager }),
    createGroupsRouter({ manager }),
    createMediaRouter({ manager, limits: { maxBytes: 1000, timeoutMs: 1000 } }),
    events,
    createSimulatorRouter({ manager }),
  ];
  const health = createHealthRouter({
    dataDir: config.dataDir,
    logger,
    chrome: options.chrome ?? {
      found: true,
      executablePath: '/usr/lib/chromium/chromium-headless-shell',
      headless: 'shell',
    },
    ...(options.probe ? { probe: options.probe } : {}),
  });
  const app = createApp({
    manager,
    config,
    logger,
    routers,
    health,
    metrics,
    apiKey: options.apiKey === undefined ? KEY : options.apiKey,
  });
  return {
    app,
    manager,
    bus,
    metrics,
    webhookStats,
    browsers,
    logs,
    routers,
    close() {
      events.close();
      metrics.close();
      app.close();
    },
  };
};

/** A `buildFullApp` whose apps are closed after each test of the file that calls it. */
export const fullAppsClosedAfterEach = (): typeof buildFullApp => {
  const built: FullApp[] = [];
  afterEach(() => {
    for (const full of built.splice(0)) full.close();
  });
  return (...args) => {
    const full = buildFullApp(...args);
    built.push(full);
    return full;
  };
};
