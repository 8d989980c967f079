import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebhookStats } from '../events/webhook-dispatcher.js';

/**
 * The dispatcher keeps its own running totals; these metrics copy them at scrape time, so delivery
 * code knows nothing of Prometheus. Counters are set by reset + inc: the totals only grow.
 */
export const registerWebhookMetrics = (deps: {
  registry: Registry;
  webhooks: { stats(): WebhookStats };
}): void => {
  const registers = [deps.registry];
  const { webhooks } = deps;
  new Counter({
    name: 'wa_sessions_webhook_deliveries_total',
    help: 'Webhook deliveries by result: delivered, failed (given up), dropped (queue full)',
    labelNames: ['result'],
    registers,
    collect() {
      const stats = webhooks.stats();
      this.reset();
      this.inc({ result: 'delivered' }, stats.delivered);
      this.inc({ result: 'failed' }, stats.failed);
      this.inc({ result: 'dropped' }, stats.dropped);
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
    help: 'Webhook deliveries waiting for a slot (queued) or under way (in_flight)',
    labelNames: ['phase'],
    registers,
    collect() {
      const stats = webhooks.stats();
      this.set({ phase: 'queued' }, stats.queued);
      this.set({ phase: 'in_flight' }, stats.inFlight);
    },
  });
};
