import type { AnyWaEvent, EventBus } from './types.js';

export interface EventBuffer {
  /**
   * The buffered events published after `lastEventId`, oldest first. An id the buffer no longer
   * holds (older than its oldest event, or from a previous run of the process) replays the whole
   * buffer: the client has missed at least that much, and the rest is lost to it either way.
   */
  after(lastEventId: string): AnyWaEvent[];
  close(): void;
}

/** One bounded ring of recent events, shared by every SSE client, so a reconnect can catch up. */
export const createEventBuffer = (deps: { bus: EventBus; size: number }): EventBuffer => {
  const events: AnyWaEvent[] = [];
  const unsubscribe = deps.bus.subscribe((event) => {
    events.push(event);
    // shift() on a few thousand entries is cheaper than the bookkeeping of a hand-made ring.
    if (events.length > deps.size) events.shift();
  });

  return {
    after(lastEventId) {
      const last = parseEventId(lastEventId);
      if (last !== null && events.some((e) => parseEventId(e.id)?.run === last.run)) {
        // Ids of one run carry an increasing sequence (see bus.ts): compare numbers, not strings, so
        // it still holds once the sequence outgrows its zero padding.
        return events.filter((e) => {
          const id = parseEventId(e.id);
          return id !== null && id.run === last.run && id.seq > last.seq;
        });
      }
      // An id in another shape (should the bus change it) still works when the buffer holds it.
      const index = events.findIndex((e) => e.id === lastEventId);
      return index === -1 ? [...events] : events.slice(index + 1);
    },
    close: unsubscribe,
  };
};

const parseEventId = (id: string): { run: string; seq: number } | null => {
  const match = /^evt_([a-z0-9]+)_(\d{1,15})$/.exec(id);
  if (match === null || match[1] === undefined || match[2] === undefined) return null;
  return { run: match[1], seq: Number(match[2]) };
};
