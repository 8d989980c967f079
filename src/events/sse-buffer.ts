import type { AnyWaEvent } from './types.js';

export interface EventBuffer {
  /**
   * The events published after `lastEventId`, oldest first, read from the store's event log (so it
   * holds across restarts, bounded by WEBHOOK_RETENTION). Ids compare by run and sequence, so an id
   * pruned since, or never written, still resumes at the right place; an id of another shape
   * replays nothing.
   */
  after(lastEventId: string): Promise<AnyWaEvent[]>;
}

/** At most this many events are replayed on one reconnect; a client further behind gets the oldest first. */
export const MAX_REPLAY = 10_000;

export interface EventBufferDeps {
  /** Resolves once every event published so far is in the store. */
  flush: () => Promise<void>;
  eventsAfter: (lastEventId: string, limit: number) => Promise<string[]>;
  /** Bound on waiting for the store: past it the replay is what the store holds. */
  flushTimeoutMs?: number;
}

export const createEventBuffer = (deps: EventBufferDeps): EventBuffer => ({
  async after(lastEventId) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      deps.flush(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deps.flushTimeoutMs ?? 2000);
      }),
    ]);
    clearTimeout(timer);
    const bodies = await deps.eventsAfter(lastEventId, MAX_REPLAY);
    return bodies.map((body) => JSON.parse(body) as AnyWaEvent);
  },
});
