import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebhookStats } from '../events/webhook-dispatcher.js';
import type { OutboxStats } from '../store/outbox.js';

/**
 * The dispatcher keeps its own running totals; these metrics copy them at scrape time, so delivery
 * code knows nothing of Prometheus. Counters are set by reset + inc: the totals only grow. What is
 * pending or failed is counted in the store at scrape time, so it holds across restarts.
 */
export const registerWebhookMetrics = (deps: {
  registry: Registry;
  webhooks: { stats(): WebhookStats; storeStats?(): Promise<OutboxStats> };
  now?: () => number;
}): void => {
  const registers = [deps.registry];
  const { webhooks } = deps;
  const now = deps.now ?? Date.now;
  new Counter({
    name: 'wa_sessions_webhook_deliveries_total',
    help: 'Webhook deliveries of this process by result: delivered, failed (given up, kept as a dead letter)',
    labelNames: ['result'],
    registers,
    collect() {
      const stats = webhooks.stats();
      this.reset();
      this.inc({ result: 'delivered' }, stats.delivered);
      this.inc({ result: 'failed' }, stats.failed);
    },
  });
  new Counter({
    name: 'wa_sessions_webhook_retries_total',
    help: 'Webhook attempts after the first',
    registers,
    collect() {
      this.reset();
      this.inc(webhooks.stats().retried);
    },
  });
  new Gauge({
    name: 'wa_sessions_webhook_pending',
    help: 'Webhook deliveries held in memory waiting for a slot (queued) or under way (in_flight)',
    labelNames: ['phase'],
    registers,
    collect() {
      const stats = webhooks.stats();
      this.set({ phase: 'queued' }, stats.queued);
      this.set({ phase: 'in_flight' }, stats.inFlight);
    },
  });
  const { storeStats } = webhooks;
  if (storeStats === undefined) return;
  // One store query per scrape, shared by the three gauges below.
  let scrape: Promise<OutboxStats | null> | null = null;
  const read = (): Promise<OutboxStats | null> => {
    scrape ??= storeStats()
      .catch(() => null)
      .finally(() => setImmediate(() => (scrape = null)));
    return scrape;
  };
  new Gauge({
    name: 'wa_sessions_webhook_outbox',
    help: 'Webhook deliveries in the store by status: pending (not delivered yet), failed (dead letters)',
    labelNames: ['status'],
    registers,
    async collect() {
      const stats = await read();
      if (stats === null) return;
      this.set({ status: 'pending' }, stats.pending);
      this.set({ status: 'failed' }, stats.failed);
    },
  });
  new Gauge({
    name: 'wa_sessions_webhook_oldest_pending_seconds',
    help: 'Age of the oldest pending webhook delivery (0 when none)',
    registers,
    async collect() {
      const stats = await read();
      if (stats === null) return;
      this.set(stats.oldestPendingAt === null ? 0 : Math.max(0, (now() - stats.oldestPendingAt) / 1000));
    },
  });
};
