import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { BrowserProcesses } from '../browser/browser-processes.js';
import type { EventBus } from '../events/types.js';
import type { WebhookStats } from '../events/webhook-dispatcher.js';
import type { Logger } from '../logger.js';
import type { SessionManager } from '../sessions/types.js';
import type { OutboxStats } from '../store/outbox.js';
import { createHttpMetrics, type HttpObserver } from './http-metrics.js';
import { registerSessionMetrics } from './session-metrics.js';
import { registerWebhookMetrics } from './webhook-metrics.js';

export interface MetricsDeps {
  manager: Pick<SessionManager, 'list'>;
  bus: EventBus;
  webhooks: { stats(): WebhookStats; storeStats?(): Promise<OutboxStats> };
  processes: Pick<BrowserProcesses, 'findOrphans'>;
  /** Where session profiles live (the auth folders' root): browsers are found by their --user-data-dir. */
  sessionsRoot: string;
  logger: Logger;
  /** Node's process metrics (CPU, memory, event loop, GC); off in tests that count lines. */
  defaultMetrics?: boolean;
  now?: () => number;
}

export interface Metrics {
  readonly registry: Registry;
  /** Records one answer's duration (the request tracking calls it once per answer). */
  readonly observeHttp: HttpObserver;
  /** Unsubscribes from the bus and empties the registry. */
  close(): void;
}

/** Every metric in one registry of its own (not prom-client's global one), so tests and apps don't share series. */
export const createMetrics = (deps: MetricsDeps): Metrics => {
  const registry = new Registry();
  if (deps.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const unsubscribe = registerSessionMetrics({
    registry,
    bus: deps.bus,
    manager: deps.manager,
    ...(deps.now ? { now: deps.now } : {}),
  });
  registerWebhookMetrics({ registry, webhooks: deps.webhooks, ...(deps.now ? { now: deps.now } : {}) });
  new Gauge({
    name: 'wa_sessions_browser_processes',
    help: 'Live browser processes (every Chromium process) running a session profile of this server',
    registers: [registry],
    async collect() {
      try {
        this.set((await deps.processes.findOrphans(deps.sessionsRoot)).length);
      } catch (err) {
        // A scrape must still answer; the gauge keeps its last value.
        deps.logger.warn({ err }, 'Could not count browser processes for /metrics');
      }
    },
  });
  const observeHttp = createHttpMetrics({ registry });

  return {
    registry,
    observeHttp,
    close() {
      unsubscribe();
      registry.clear();
    },
  };
};
