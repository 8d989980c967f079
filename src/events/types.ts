import type { IncomingMessage, SessionState } from '../sessions/types.js';
import type { EditedEvent, GroupEvent, ReactionEvent, RevokedEvent } from '../whatsapp/port.js';

/** The payload of each event type; `type` picks one. Kept in one map so publishers and consumers agree. */
export interface EventPayloads {
  'session.status': { state: SessionState; previous: SessionState | null; reason: string | null };
  'session.qr': { qr: string };
  'session.removed': { reason: string };
  'message.received': IncomingMessage;
  'message.ack': { id: string; ack: number };
  'message.reaction': ReactionEvent;
  'message.revoked': RevokedEvent;
  'message.edited': EditedEvent;
  'group.join': GroupEvent;
  'group.leave': GroupEvent;
  'group.update': GroupEvent;
}

export type EventType = keyof EventPayloads;

export const eventTypes: readonly EventType[] = [
  'session.status',
  'session.qr',
  'session.removed',
  'message.received',
  'message.ack',
  'message.reaction',
  'message.revoked',
  'message.edited',
  'group.join',
  'group.leave',
  'group.update',
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
