import type { Logger } from '../logger.js';
import type { AnyWaEvent, EventBus, EventPayloads, EventType } from './types.js';

export const createEventBus = (deps: { logger: Logger; now?: () => Date }): EventBus => {
  const listeners = new Set<(event: AnyWaEvent) => void>();
  const now = deps.now ?? (() => new Date());
  let sequence = 0;
  // A per-process prefix keeps ids unique across restarts, so a webhook receiver can dedupe on them.
  const prefix = `${Date.now().toString(36)}`;

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
