import { toError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * The one delayed piece of work a session may have pending (its teardown after a disconnect):
 * scheduling again replaces it, and anything else that ends or restarts the session cancels it.
 */
export class PendingWork {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly log: Logger) {}

  schedule(delayMs: number, work: () => Promise<void>): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      void work().catch((err: unknown) => {
        this.log.error({ err: toError(err) }, 'Delayed teardown failed');
      });
    }, delayMs);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
