import type { Logger } from '../logger.js';
import { type BatchWriter, createBatchWriter } from '../store/batch-writer.js';
import type { DueDelivery, OutboxStore, RecordedEvent } from '../store/outbox.js';
import type { AnyWaEvent, EventBus } from './types.js';
import type { WebhookTargets } from './webhook-targets.js';

export interface OutboxRecorder {
  /** Resolves once every event published so far is in the store (or the recorder is closed). */
  flush(): Promise<void>;
  /** Events accepted but not in the store yet (the store is failing). */
  backlog(): number;
  failing(): boolean;
  /** Stops listening to the bus; events not written yet stay unwritten (flush first). */
  close(): void;
}

/**
 * Every event published goes to the store: the event log (SSE replay) and one pending delivery per
 * receiver (the webhook outbox), in one transaction per turn of the event loop. Targets are decided
 * at publish time, when the session's webhook is the one the user set for that moment.
 */
export const createOutboxRecorder = (deps: {
  bus: EventBus;
  outbox: Pick<OutboxStore, 'record'>;
  targets: WebhookTargets;
  logger: Logger;
  now: () => Date;
  /** The deliveries just made durable, in id order: the dispatcher's work. */
  onRecorded: (deliveries: DueDelivery[]) => void;
  onFirstDelivery?: () => void;
}): OutboxRecorder => {
  const writer: BatchWriter<RecordedEvent> = createBatchWriter({
    what: 'events and webhook deliveries',
    logger: deps.logger,
    write: async (items) => {
      const created = await deps.outbox.record(items, deps.now().getTime());
      if (created.length > 0) deps.onRecorded(created);
    },
  });
  let announced = false;
  const unsubscribe = deps.bus.subscribe((event: AnyWaEvent) => {
    const urls = deps.targets.of(event);
    if (urls.length > 0 && !announced) {
      announced = true;
      deps.onFirstDelivery?.();
    }
    // Serialised once: the log, every receiver and every retry carry the very same bytes.
    writer.push({ event, body: JSON.stringify(event), urls });
  });
  return {
    flush: () => writer.flush(),
    backlog: () => writer.backlog(),
    failing: () => writer.failing(),
    close() {
      unsubscribe();
      writer.close();
    },
  };
};
