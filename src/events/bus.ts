import type { Logger } from '../logger.js';
import type { AnyWaEvent, EventBus, EventPayloads, EventType } from './types.js';

export const createEventBus = (deps: {
  logger: Logger;
  now?: () => Date;
  /** This run's id prefix; the store gives one that sorts after every id it holds (see nextRun). */
  run?: string;
}): EventBus => {
  const listeners = new Set<(event: AnyWaEvent) => void>();
  const now = deps.now ?? (() => new Date());
  let sequence = 0;
  // A per-process prefix keeps ids unique across restarts, so a webhook receiver can dedupe on them.
  const prefix = deps.run ?? Date.now().toString(36);

  return {
    publish<T extends EventType>(type: T, sessionId: string, payload: EventPayloads[T]): AnyWaEvent {
      sequence += 1;
      const event = {
        id: `evt_${prefix}_${sequence.toString().padStart(8, '0')}`,
        type,
        sessionId,
        timestamp: now().toISOString(),
        payload,
      } as AnyWaEvent;
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          deps.logger.error({ err, eventType: type, sessionId }, 'Event listener failed');
        }
      }
      return event;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    listenerCount: () => listeners.size,
  };
};

/**
 * A run prefix that sorts after `lastRun` (the newest stored): the start time in base 36, or one more
 * than the last when the clock went back, so event ids stay increasing across restarts.
 */
export const nextRun = (lastRun: string | null, nowMs: number = Date.now()): string => {
  const last = lastRun === null ? 0 : Number.parseInt(lastRun, 36);
  return Math.max(nowMs, Number.isFinite(last) ? last + 1 : 0).toString(36);
};
