import type { z } from 'zod';
import type { eventPayloadSchemas } from './schemas.js';

/** The payload of each event type, inferred from its schema; `type` picks one. */
export type EventPayloads = {
  [T in keyof typeof eventPayloadSchemas]: z.infer<(typeof eventPayloadSchemas)[T]>;
};

export type EventType = keyof EventPayloads;

export const eventTypes: readonly EventType[] = [
  'session.status',
  'session.qr',
  'session.removed',
  'message.received',
  'message.ack',
];

export interface WaEvent<T extends EventType = EventType> {
  /** Unique and increasing within one process: usable as an SSE id and a webhook id. */
  id: string;
  type: T;
  sessionId: string;
  /** ISO 8601. */
  timestamp: string;
  payload: EventPayloads[T];
}

export type AnyWaEvent = { [T in EventType]: WaEvent<T> }[EventType];

export interface EventBus {
  publish<T extends EventType>(type: T, sessionId: string, payload: EventPayloads[T]): AnyWaEvent;
  /** Returns the unsubscribe function. A listener that throws is logged, never breaks the publisher. */
  subscribe(listener: (event: AnyWaEvent) => void): () => void;
  listenerCount(): number;
}
