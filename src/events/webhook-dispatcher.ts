import { createBatchWriter } from '../store/batch-writer.js';
import { type AttemptResult, type DueDelivery, toView } from '../store/outbox.js';
import { bounded } from './bounded.js';
import { createOutboxRecorder } from './outbox-recorder.js';
import { startClaimsSweep } from './webhook-claims-sweep.js';
import type { WebhookDispatcher, WebhookDispatcherDeps } from './webhook-dispatcher-types.js';
import { retryDelay } from './webhook-retry.js';
import { createWebhookSender } from './webhook-sender.js';
import { createWebhookSigner } from './webhook-signer.js';
import { createWebhookTargets, safeUrl } from './webhook-targets.js';

export type { WebhookDispatcher, WebhookDispatcherDeps, WebhookStats } from './webhook-dispatcher-types.js';

interface Receiver {
  url: string;
  queue: DueDelivery[];
  active: number;
  /** The store holds pending deliveries of this receiver beyond what `queue` holds. */
  more: boolean;
  /** Highest delivery id read into memory: the next page starts after it. */
  lastId: number;
  loading: boolean;
  /** Deliveries recorded while a page was being read: merged when it lands. */
  late: DueDelivery[];
}

export const createWebhookDispatcher = (deps: WebhookDispatcherDeps): WebhookDispatcher => {
  const { logger, outbox } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const maxAttempts = deps.maxAttempts ?? 6;
  const baseDelayMs = deps.baseDelayMs ?? 1000;
  const maxDelayMs = deps.maxDelayMs ?? 60_000;
  const concurrency = deps.concurrencyPerReceiver ?? 2;
  const window = deps.window ?? 1000;

  const signer = createWebhookSigner(deps.config.WEBHOOK_SECRET);
  const targets = createWebhookTargets({
    config: deps.config,
    logger,
    getSessionWebhook: deps.getSessionWebhook,
  });
  const sender = createWebhookSender({
    signer,
    fetch: deps.fetch ?? globalThis.fetch,
    timeoutMs: deps.timeoutMs ?? 10_000,
    now,
  });
  // Cluster mode: sent, result not written yet; a sweep reading the store meanwhile skips them.
  const unsaved = new Set<number>();
  const results = createBatchWriter<AttemptResult>({
    what: 'webhook results',
    logger,
    write: async (items) => {
      await outbox.saveResults(items);
      for (const item of items) unsaved.delete(item.id);
    },
  });
  const record = (result: AttemptResult) => {
    if (outbox.claims) unsaved.add(result.id);
    results.push(result);
  };
  const stop = new AbortController();
  const receivers = new Map<string, Receiver>();
  const waits = new Map<NodeJS.Timeout, () => void>();
  const running = new Set<Promise<void>>();
  const counts = { delivered: 0, failed: 0, retried: 0 };
  let inFlight = 0;
  let paused = false;
  let closed = false;
  let stopSweep: (() => void) | undefined;

  const receiverOf = (url: string): Receiver => {
    let receiver = receivers.get(url);
    if (receiver === undefined) {
      receiver = { url, queue: [], active: 0, more: false, lastId: 0, loading: false, late: [] };
      receivers.set(url, receiver);
    }
    return receiver;
  };

  const hold = (receiver: Receiver, delivery: DueDelivery, force = false) => {
    if (!force && (receiver.more || receiver.queue.length >= window)) {
      receiver.more = true;
      return;
    }
    receiver.queue.push(delivery);
    receiver.lastId = Math.max(receiver.lastId, delivery.id);
  };

  const load = async (receiver: Receiver): Promise<void> => {
    receiver.loading = true;
    try {
      const page = await outbox.pendingOf(receiver.url, receiver.lastId, window);
      receiver.more = page.length >= window;
      for (const delivery of page) if (!unsaved.has(delivery.id)) hold(receiver, delivery, true);
      for (const delivery of receiver.late.splice(0)) {
        if (delivery.id > receiver.lastId) hold(receiver, delivery);
      }
    } catch (err) {
      logger.error({ err, receiver: safeUrl(receiver.url) }, 'Could not read pending webhooks; trying again');
      await wait(2000);
    } finally {
      receiver.loading = false;
    }
    pump(receiver);
  };

  /** Pending deliveries of `url` wait in the store: read them (in pages) and send them. */
  const loadPending = (url: string) => {
    const receiver = receiverOf(url);
    receiver.more = true;
    if (!receiver.loading) void load(receiver);
  };

  const pump = (receiver: Receiver) => {
    while (!paused && receiver.active < concurrency) {
      if (receiver.loading) return;
      const delivery = receiver.queue.shift();
      if (delivery === undefined) {
        if (receiver.more) void load(receiver);
        else if (receiver.active === 0) receivers.delete(receiver.url);
        return;
      }
      receiver.active += 1;
      const work = run(receiver, delivery).finally(() => {
        receiver.active -= 1;
        running.delete(work);
        pump(receiver);
      });
      running.add(work);
    }
  };

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        waits.delete(timer);
        resolve();
      }, ms);
      waits.set(timer, resolve);
    });

  const run = async (receiver: Receiver, delivery: DueDelivery): Promise<void> => {
    const context = { receiver: safeUrl(receiver.url), eventId: delivery.eventId, deliveryId: delivery.id };
    // Left waiting by an earlier run: its backoff still holds (and keeps its slot, as below).
    const due = delivery.nextAttemptAt - now().getTime();
    if (due > 0) await wait(due);
    let attempts = delivery.attempts;
    while (!paused) {
      // Cluster mode: sent only while this instance's claim holds (another may have taken it over).
      if (outbox.claims && !(await outbox.claims.confirm(delivery.id).catch(() => false))) return;
      attempts += 1;
      inFlight += 1;
      const outcome = await sender.send(receiver.url, delivery.eventId, delivery.body, stop.signal);
      inFlight -= 1;
      // Aborted at shutdown: the attempt does not count, the delivery stays pending for the next start.
      if (outcome.kind === 'aborted') return;
      const at = now().getTime();
      if (outcome.kind === 'delivered') {
        counts.delivered += 1;
        record({ id: delivery.id, status: 'delivered', attempts, lastStatus: outcome.status, at });
        logger.debug({ ...context, status: outcome.status, attempts }, 'Webhook delivered');
        return;
      }
      const lastStatus = outcome.status ?? null;
      if (outcome.kind === 'fail' || attempts >= maxAttempts) {
        counts.failed += 1;
        record({
          id: delivery.id,
          status: 'failed',
          attempts,
          lastStatus,
          lastError: outcome.reason,
          at,
        });
        logger.warn(
          { ...context, reason: outcome.reason, attempts },
          'Webhook delivery failed; kept as failed (retry it with POST /webhooks/deliveries/{id}/retry)',
        );
        return;
      }
      const delayMs = retryDelay({
        attempt: attempts,
        baseMs: baseDelayMs,
        maxMs: maxDelayMs,
        random,
        ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
      });
      counts.retried += 1;
      record({
        id: delivery.id,
        status: 'pending',
        attempts,
        lastStatus,
        lastError: outcome.reason,
        nextAttemptAt: at + delayMs,
        at,
      });
      logger.info(
        { ...context, reason: outcome.reason, attempts, delayMs },
        'Webhook delivery failed; retrying',
      );
      // The delivery keeps its slot while it waits, so a failing receiver slows only its own queue.
      await wait(delayMs);
    }
  };

  const accept = (deliveries: DueDelivery[]) => {
    if (closed) return;
    const touched = new Set<Receiver>();
    for (const delivery of deliveries) {
      const receiver = receiverOf(delivery.url);
      if (receiver.loading) receiver.late.push(delivery);
      // Cluster mode: a sweep may have loaded it from the store already (its id is not above lastId).
      else if (!(outbox.claims && delivery.id <= receiver.lastId)) hold(receiver, delivery);
      touched.add(receiver);
    }
    for (const receiver of touched) pump(receiver);
  };

  const recorder = createOutboxRecorder({
    bus: deps.bus,
    outbox,
    targets,
    logger,
    now,
    onRecorded: accept,
    onFirstDelivery: () => {
      if (!signer.signed) {
        logger.warn('WEBHOOK_SECRET is not set: webhooks are sent unsigned and receivers cannot verify them');
      }
    },
  });

  const cancelWaits = () => {
    for (const [timer, resolve] of waits) {
      clearTimeout(timer);
      resolve();
    }
    waits.clear();
  };

  return {
    recorder,
    stats: () => ({
      ...counts,
      failed: counts.failed + targets.unusable(),
      queued: [...receivers.values()].reduce((n, r) => n + r.queue.length, 0),
      inFlight,
    }),
    storeStats: () => outbox.stats(),
    async start() {
      for (const url of await outbox.pendingUrls()) loadPending(url);
      if (outbox.claims && stopSweep === undefined && !closed) {
        // Only receivers with nothing in memory: what this instance holds of the others is loaded already.
        const adopt = (url: string) => !paused && !receivers.has(url) && loadPending(url);
        stopSweep = startClaimsSweep({ claims: outbox.claims, logger, adopt, everyMs: deps.claimSweepMs });
      }
    },
    list: (query) => outbox.list(query),
    async retry(id) {
      const at = now().getTime();
      const delivery = await outbox.retry(id, at);
      if (delivery === undefined) return undefined;
      const receiver = receiverOf(delivery.url);
      hold(receiver, delivery, true);
      pump(receiver);
      const row = await outbox.get(id);
      return row === undefined ? undefined : toView(row);
    },
    pause() {
      paused = true;
      stopSweep?.();
      cancelWaits();
    },
    async close(graceMs = 5000) {
      if (closed) return;
      paused = true;
      stopSweep?.();
      cancelWaits();
      // In flight: finish, or be aborted at the deadline (and stay pending for the next start).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...running]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      stop.abort();
      await Promise.allSettled([...running]);
      closed = true;
      recorder.close();
      await bounded(Promise.all([recorder.flush(), results.flush()]), 2000);
      results.close();
      receivers.clear();
    },
  };
};
