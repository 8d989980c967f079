import type { Logger } from '../logger.js';

export interface BatchWriter<T> {
  /** Queued for the next batch; never lost while the process lives (a failed batch is tried again). */
  push(item: T): void;
  /** Resolves once every item pushed so far is written. */
  flush(): Promise<void>;
  /** Items not written yet. */
  backlog(): number;
  /** Whether the last write failed (the store is unavailable). */
  failing(): boolean;
  /** Stops the retry timer; what is not written stays unwritten (flush first). */
  close(): void;
}

/**
 * Writes items in batches, one at a time, in the order pushed: every item pushed during one turn of
 * the event loop goes into one transaction. A failed batch stays at the head and is tried again with
 * a growing delay (disk full, PostgreSQL gone), so nothing accepted is dropped or reordered.
 */
export const createBatchWriter = <T>(deps: {
  write: (items: T[]) => Promise<void>;
  logger: Logger;
  what: string;
  maxBatch?: number;
  retryMs?: readonly number[];
}): BatchWriter<T> => {
  const maxBatch = deps.maxBatch ?? 500;
  const retryMs = deps.retryMs ?? [200, 500, 1000, 2000, 5000];
  let queue: T[] = [];
  let writing = false;
  let failures = 0;
  let scheduled = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let waiters: { upTo: number; resolve: () => void }[] = [];
  /** Items pushed and written since the start, to resolve flush() waiters. */
  let pushed = 0;
  let written = 0;

  const settle = () => {
    const ready = waiters.filter((w) => w.upTo <= written);
    waiters = waiters.filter((w) => w.upTo > written);
    for (const w of ready) w.resolve();
  };

  const run = async (): Promise<void> => {
    scheduled = false;
    if (writing || closed || queue.length === 0) return;
    writing = true;
    const batch = queue.slice(0, maxBatch);
    try {
      await deps.write(batch);
      queue = queue.slice(batch.length);
      written += batch.length;
      if (failures > 0) deps.logger.info({ what: deps.what }, 'The store takes writes again');
      failures = 0;
      settle();
    } catch (err) {
      failures += 1;
      const delay = retryMs[Math.min(failures - 1, retryMs.length - 1)] ?? 1000;
      if (failures === 1 || failures % 20 === 0) {
        deps.logger.error(
          { err, what: deps.what, backlog: queue.length, failures, delayMs: delay },
          'Could not write to the store; keeping the items in memory and trying again',
        );
      }
      writing = false;
      if (!closed) {
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          void run();
        }, delay);
      }
      return;
    }
    writing = false;
    if (queue.length > 0) schedule();
  };

  const schedule = () => {
    if (scheduled || closed || retryTimer !== undefined) return;
    scheduled = true;
    setImmediate(() => void run());
  };

  return {
    push(item) {
      queue.push(item);
      pushed += 1;
      schedule();
    },
    flush() {
      if (written >= pushed) return Promise.resolve();
      const upTo = pushed;
      return new Promise((resolve) => waiters.push({ upTo, resolve }));
    },
    backlog: () => queue.length,
    failing: () => failures > 0,
    close() {
      closed = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      for (const w of waiters) w.resolve();
      waiters = [];
    },
  };
};
