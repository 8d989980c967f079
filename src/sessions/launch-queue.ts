/** Gives back a launch slot; calling it again does nothing. */
export type LaunchSlot = () => void;

/**
 * At most LAUNCH_CONCURRENCY browsers launching at once: a restore of fifty sessions, or fifty
 * creates in a burst, would otherwise start fifty Chromiums together, each slower for the others,
 * until their start timeouts fire. A queued session stays STARTING; one that is stopped or deleted
 * while queued leaves the queue without ever launching.
 */
export class LaunchQueue {
  private running = 0;
  private readonly waiting: Array<(slot: LaunchSlot) => void> = [];

  constructor(private readonly limit: number) {}

  /** Launches waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** A slot, once one is free; null if `cancelled` settles first (the launch is then not made). */
  acquire(cancelled: Promise<void>): Promise<LaunchSlot | null> {
    if (this.running < this.limit) {
      this.running += 1;
      return Promise.resolve(this.slot());
    }
    return new Promise((resolve) => {
      const grant = (slot: LaunchSlot) => resolve(slot);
      this.waiting.push(grant);
      void cancelled.then(() => {
        const index = this.waiting.indexOf(grant);
        if (index < 0) return;
        this.waiting.splice(index, 1);
        resolve(null);
      });
    });
  }

  /**
   * Runs `launch` once a slot is free, holding the slot until it settles; skips it if `cancelled`
   * settles while queued. A limit in `launch` (the start timeout) counts from the launch itself.
   */
  async run(cancelled: Promise<void>, launch: () => Promise<void>): Promise<void> {
    const slot = await this.acquire(cancelled);
    if (slot === null) return;
    try {
      await launch();
    } finally {
      slot();
    }
  }

  private slot(): LaunchSlot {
    let given = false;
    return () => {
      if (given) return;
      given = true;
      // The slot passes straight to the next in line: `running` only drops when nobody waits.
      const next = this.waiting.shift();
      if (next) next(this.slot());
      else this.running -= 1;
    };
  }
}
