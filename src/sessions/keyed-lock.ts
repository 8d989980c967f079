/**
 * One operation at a time per key: create, delete, cleanup, stop and restore of one session id never
 * interleave. Operations on different keys run in parallel. A failed operation releases the lock.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with an operation running or queued. */
  busyKeys(): string[] {
    return [...this.tails.keys()];
  }
}
