import type { Config } from '../config.js';
import type { WebhookSettings } from '../domain/session.js';
import { webhookUrlProblem } from '../domain/webhook-url.js';
import type { Logger } from '../logger.js';
import { matchesEventFilter, unknownEventFilters } from './event-filter.js';
import type { AnyWaEvent, EventBus } from './types.js';
import { retryDelay } from './webhook-retry.js';
import { createWebhookSender } from './webhook-sender.js';
import { createWebhookSigner } from './webhook-signer.js';

export interface WebhookDispatcherDeps {
  bus: EventBus;
  logger: Logger;
  config: Pick<Config, 'WEBHOOK_URL' | 'WEBHOOK_SECRET' | 'WEBHOOK_EVENTS'>;
  /** The session's own webhook, read when each event is published; null when it has none (or is gone). */
  getSessionWebhook: (sessionId: string) => WebhookSettings | null;
  fetch?: typeof fetch;
  random?: () => number;
  now?: () => Date;
  /** Per attempt, headers and status included. */
  timeoutMs?: number;
  /** Attempts in all, the first one included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Cap of one backoff delay, and of a receiver's Retry-After. */
  maxDelayMs?: number;
  /** Deliveries in flight (or waiting for their retry) per receiver URL. */
  concurrencyPerReceiver?: number;
  /** Deliveries waiting for a slot, all receivers together; past it the oldest is dropped. */
  maxQueued?: number;
}

export interface WebhookStats {
  delivered: number;
  /** Given up: a status that is not retried, or every attempt used. */
  failed: number;
  /** Thrown away unsent because the queue was full. */
  dropped: number;
  /** Attempts after the first. */
  retried: number;
  queued: number;
  inFlight: number;
}

export interface WebhookDispatcher {
  stats(): WebhookStats;
  /** Unsubscribes, aborts attempts in flight, clears every timer, forgets what is queued. */
  close(): void;
}

interface Delivery {
  /** Global enqueue order, to find the oldest across receivers. */
  seq: number;
  event: AnyWaEvent;
  body: string;
  attempts: number;
}

interface Receiver {
  url: string;
  pending: Delivery[];
  active: number;
}

export const createWebhookDispatcher = (deps: WebhookDispatcherDeps): WebhookDispatcher => {
  const { bus, logger, config } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const maxAttempts = deps.maxAttempts ?? 6;
  const baseDelayMs = deps.baseDelayMs ?? 1000;
  const maxDelayMs = deps.maxDelayMs ?? 60_000;
  const concurrency = deps.concurrencyPerReceiver ?? 2;
  const maxQueued = deps.maxQueued ?? 1000;

  // WEBHOOK_URL and WEBHOOK_SECRET were checked by config.ts.
  const globalUrl = config.WEBHOOK_URL;
  const signer = createWebhookSigner(config.WEBHOOK_SECRET);
  // Warned once, when the first delivery is due: a server that uses no webhook has nothing to warn about.
  let unsignedWarned = signer.signed;
  const unknown = unknownEventFilters(config.WEBHOOK_EVENTS);
  if (unknown.length > 0) {
    logger.warn({ unknown }, 'WEBHOOK_EVENTS names event types that do not exist; they never match');
  }

  const sender = createWebhookSender({
    signer,
    fetch: deps.fetch ?? globalThis.fetch,
    timeoutMs: deps.timeoutMs ?? 10_000,
    now,
  });
  const stop = new AbortController();
  const receivers = new Map<string, Receiver>();
  /** Per session, its webhook as last seen; one entry per live session, dropped at session.removed. */
  const lastKnown = new Map<string, WebhookSettings>();
  const waits = new Map<NodeJS.Timeout, () => void>();
  const counts = { delivered: 0, failed: 0, dropped: 0, retried: 0 };
  let queued = 0;
  let inFlight = 0;
  let seq = 0;
  let closed = false;

  const targetsOf = (event: AnyWaEvent): string[] => {
    const urls = new Set<string>();
    if (globalUrl !== undefined && matchesEventFilter(event.type, config.WEBHOOK_EVENTS)) urls.add(globalUrl);
    let own: WebhookSettings | null = null;
    try {
      own = deps.getSessionWebhook(event.sessionId);
    } catch (err) {
      // A session removed between publish and here is not a reason to lose the global delivery.
      logger.debug({ err, sessionId: event.sessionId }, 'No session webhook settings for event');
    }
    // `session.removed` is published when the session may already be gone from the manager, yet it
    // is the event its own webhook most needs: use the settings last seen for it, then forget them.
    if (own !== null) lastKnown.set(event.sessionId, own);
    if (event.type === 'session.removed') {
      own ??= lastKnown.get(event.sessionId) ?? null;
      lastKnown.delete(event.sessionId);
    }
    if (own !== null && matchesEventFilter(event.type, own.events)) {
      const problem = webhookUrlProblem(own.url);
      if (problem === null) urls.add(new URL(own.url).toString());
      else {
        counts.failed += 1;
        logger.warn(
          { sessionId: event.sessionId, problem },
          'Session webhook URL is unusable; event not sent',
        );
      }
    }
    // A Set, so a session webhook equal to the global one gets the event once, not twice.
    return [...urls];
  };

  const dropOldest = () => {
    let oldest: Receiver | undefined;
    for (const receiver of receivers.values()) {
      const head = receiver.pending[0];
      const best = oldest?.pending[0];
      if (head !== undefined && (best === undefined || head.seq < best.seq)) oldest = receiver;
    }
    const dropped = oldest?.pending.shift();
    if (oldest === undefined || dropped === undefined) return;
    queued -= 1;
    counts.dropped += 1;
    // First drop, then every hundredth: a dead receiver under load must not flood the log too.
    if (counts.dropped === 1 || counts.dropped % 100 === 0) {
      logger.warn(
        {
          receiver: safeUrl(oldest.url),
          eventId: dropped.event.id,
          eventType: dropped.event.type,
          dropped: counts.dropped,
          maxQueued,
        },
        'Webhook queue full: dropped the oldest pending delivery',
      );
    }
    forgetIfIdle(oldest);
  };

  const forgetIfIdle = (receiver: Receiver) => {
    if (receiver.active === 0 && receiver.pending.length === 0) receivers.delete(receiver.url);
  };

  const pump = (receiver: Receiver) => {
    while (!closed && receiver.active < concurrency) {
      const delivery = receiver.pending.shift();
      if (delivery === undefined) break;
      queued -= 1;
      receiver.active += 1;
      void run(receiver, delivery).finally(() => {
        receiver.active -= 1;
        if (closed) return;
        pump(receiver);
        forgetIfIdle(receiver);
      });
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

  const run = async (receiver: Receiver, delivery: Delivery): Promise<void> => {
    const { event } = delivery;
    const context = { receiver: safeUrl(receiver.url), eventId: event.id, eventType: event.type };
    while (!closed) {
      delivery.attempts += 1;
      inFlight += 1;
      const outcome = await sender.send(receiver.url, event.id, delivery.body, stop.signal);
      inFlight -= 1;
      if (closed || outcome.kind === 'aborted') return;
      if (outcome.kind === 'delivered') {
        counts.delivered += 1;
        logger.debug(
          { ...context, status: outcome.status, attempts: delivery.attempts },
          'Webhook delivered',
        );
        return;
      }
      if (outcome.kind === 'fail' || delivery.attempts >= maxAttempts) {
        counts.failed += 1;
        logger.warn(
          { ...context, reason: outcome.reason, attempts: delivery.attempts },
          'Webhook delivery failed; giving up',
        );
        return;
      }
      const delayMs = retryDelay({
        attempt: delivery.attempts,
        baseMs: baseDelayMs,
        maxMs: maxDelayMs,
        random,
        ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
      });
      counts.retried += 1;
      logger.info(
        { ...context, reason: outcome.reason, attempts: delivery.attempts, delayMs },
        'Webhook delivery failed; retrying',
      );
      // The delivery keeps its slot while it waits, so a failing receiver slows only its own queue.
      await wait(delayMs);
    }
  };

  const unsubscribe = bus.subscribe((event) => {
    if (closed) return;
    const urls = targetsOf(event);
    if (urls.length === 0) return;
    if (!unsignedWarned) {
      unsignedWarned = true;
      logger.warn('WEBHOOK_SECRET is not set: webhooks are sent unsigned and receivers cannot verify them');
    }
    // Serialised once and reused by every receiver and retry, so the signed bytes never differ.
    const body = JSON.stringify(event);
    for (const url of urls) {
      if (queued >= maxQueued) dropOldest();
      let receiver = receivers.get(url);
      if (receiver === undefined) {
        receiver = { url, pending: [], active: 0 };
        receivers.set(url, receiver);
      }
      seq += 1;
      receiver.pending.push({ seq, event, body, attempts: 0 });
      queued += 1;
      pump(receiver);
    }
  });

  return {
    stats: () => ({ ...counts, queued, inFlight }),
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      stop.abort();
      for (const [timer, resolve] of waits) {
        clearTimeout(timer);
        resolve();
      }
      waits.clear();
      receivers.clear();
      lastKnown.clear();
      queued = 0;
    },
  };
};

/** Origin and path only: webhook URLs often carry a token in the query, which must not reach the log. */
const safeUrl = (value: string): string => {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '[unparseable url]';
  }
};
