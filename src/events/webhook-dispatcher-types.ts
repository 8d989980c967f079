import type { Config } from '../config.js';
import type { WebhookSettings } from '../domain/session.js';
import type { Logger } from '../logger.js';
import type { DeliveryView, OutboxStats, OutboxStore } from '../store/outbox.js';
import type { OutboxRecorder } from './outbox-recorder.js';
import type { EventBus } from './types.js';

export interface WebhookDispatcherDeps {
  bus: EventBus;
  logger: Logger;
  config: Pick<Config, 'WEBHOOK_URL' | 'WEBHOOK_SECRET' | 'WEBHOOK_EVENTS'>;
  /** The session's own webhook, read when each event is published; null when it has none (or is gone). */
  getSessionWebhook: (sessionId: string) => WebhookSettings | null;
  /** The durable outbox (src/store): every delivery is read from and written back to it. */
  outbox: OutboxStore;
  fetch?: typeof fetch;
  random?: () => number;
  now?: () => Date;
  /** Per attempt, headers and status included. */
  timeoutMs?: number;
  /** Attempts in all, the first one included; past it the delivery is kept as failed (dead letter). */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Cap of one backoff delay, and of a receiver's Retry-After. */
  maxDelayMs?: number;
  /** Deliveries in flight (or waiting for their retry) per receiver URL. */
  concurrencyPerReceiver?: number;
  /** Pending deliveries held in memory per receiver; the rest wait in the store and are read in pages. */
  window?: number;
  /** Cluster mode: how often claims are renewed and lapsed ones adopted (CLAIM_MS / 3 by default). */
  claimSweepMs?: number;
}

/** Totals of this process, for the metrics; what is pending or failed is counted in the store. */
export interface WebhookStats {
  delivered: number;
  /** Given up in this process: a status that is not retried, or every attempt used. */
  failed: number;
  /** Attempts after the first. */
  retried: number;
  /** Held in memory, waiting for a slot. */
  queued: number;
  inFlight: number;
}

export interface WebhookDispatcher {
  stats(): WebhookStats;
  storeStats(): Promise<OutboxStats>;
  /** Reads what the store holds pending (left by an earlier run) and starts delivering it. */
  start(): Promise<void>;
  /** The recorder, for SSE replay (flush) and health (failing). */
  readonly recorder: OutboxRecorder;
  list: OutboxStore['list'];
  /** Puts a delivered or failed delivery back to pending, attempts reset; undefined when not found or pending. */
  retry(id: number): Promise<DeliveryView | undefined>;
  /** Shutdown, first step: no new delivery starts; those in flight go on. */
  pause(): void;
  /**
   * Lets deliveries in flight finish within `graceMs` (aborted after it: they stay pending), writes
   * every result and event to the store, unsubscribes, clears every timer.
   */
  close(graceMs?: number): Promise<void>;
}
