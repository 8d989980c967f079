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
import { createWebhooksRouter } from '../../src/http/routes/webhooks.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import type { DeliveryView, OutboxStats } from '../../src/store/outbox.js';
import { createFakeManager, type FakeManager } from './fake-manager.js';

export const KEY = 'test-key-with-enough-entropy-0123456789';

export interface FullApp {
  app: App;
  manager: FakeManager;
  bus: EventBus;
  metrics: Metrics;
  webhookStats: WebhookStats;
  outboxStats: OutboxStats;
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
    /** false: every request through Express (the fast lane's comparison). */
    fastLane?: boolean;
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
    retried: 0,
    queued: 0,
    inFlight: 0,
  };
  /** What the store would count: pending and failed deliveries, the oldest pending one's time. */
  const outboxStats: OutboxStats = { pending: 0, failed: 0, oldestPendingAt: null };
  const browsers: ProcessInfo[] = [];
  const metrics = createMetrics({
    manager,
    bus,
    webhooks: { stats: () => webhookStats, storeStats: async () => outboxStats },
    processes: { findOrphans: async () => browsers },
    sessionsRoot: '/tmp/sessions',
    logger,
    defaultMetrics: true,
    ...(options.now ? { now: options.now } : {}),
  });
  // No store here: SSE replays nothing, the outbox is empty (the store has its own tests).
  const events = createEventsRouter({
    bus,
    logger,
    maxStreamsPerKey: config.SSE_MAX_STREAMS_PER_KEY,
    replay: { flush: async () => undefined, eventsAfter: async () => [] },
  });
  const routers: Router[] = [
    createMessagesRouter({ manager, limits: { maxMediaBytes: 1000, mediaTimeoutMs: 1000 } }),
    createChatsRouter({ manager, logger }),
    createContactsRouter({ manager }),
    createMessageActionsRouter({ manager }),
    createGroupsRouter({ manager }),
    createMediaRouter({ manager, limits: { maxBytes: 1000, timeoutMs: 1000 } }),
    events,
    createWebhooksRouter({ deliveries: oneDeadLetter() }),
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
    ...(options.fastLane === undefined ? {} : { fastLane: options.fastLane }),
  });
  return {
    app,
    manager,
    bus,
    metrics,
    webhookStats,
    outboxStats,
    browsers,
    logs,
    routers,
    close() {
      events.close();
      metrics.close();
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

/** The outbox as the routes see it, holding one failed delivery (id 1): no store here, it has its own tests. */
const oneDeadLetter = () => {
  const at = '2026-01-01T00:00:00.000Z';
  const delivery: DeliveryView = {
    id: '1',
    eventId: 'evt_abc_00000001',
    eventType: 'message.received',
    sessionId: 'alice',
    url: 'https://hooks.example.com/in',
    status: 'failed',
    attempts: 10,
    lastStatus: 500,
    lastError: 'HTTP 500',
    createdAt: at,
    updatedAt: at,
    nextAttemptAt: null,
  };
  return {
    list: async () => ({ items: [{ ...delivery }], nextCursor: null }),
    retry: async (id: number) => {
      if (id !== 1 || delivery.status === 'pending') return undefined;
      Object.assign(delivery, { status: 'pending', attempts: 0, nextAttemptAt: at });
      return { ...delivery };
    },
    get: async (id: number) => (id === 1 ? { status: delivery.status } : undefined),
  };
};
