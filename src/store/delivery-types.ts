import type { Selectable } from 'kysely';
import type { AnyWaEvent } from '../events/types.js';
import type { DeliveriesTable, DeliveryStatus } from './schema.js';

/** A delivery the dispatcher works on: the row, plus the event's bytes to post. */
export interface DueDelivery {
  id: number;
  eventId: string;
  url: string;
  attempts: number;
  nextAttemptAt: number;
  body: string;
}

/** A delivery as the API shows it. */
export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  sessionId: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
}

export type AttemptResult =
  | { id: number; status: 'delivered'; attempts: number; lastStatus: number; at: number }
  | {
      id: number;
      status: 'failed';
      attempts: number;
      lastStatus: number | null;
      lastError: string;
      at: number;
    }
  | {
      id: number;
      status: 'pending';
      attempts: number;
      lastStatus: number | null;
      lastError: string;
      nextAttemptAt: number;
      at: number;
    };

export interface RecordedEvent {
  event: AnyWaEvent;
  body: string;
  urls: string[];
}

export interface OutboxStats {
  pending: number;
  failed: number;
  /** Epoch ms of the oldest pending delivery, or null. */
  oldestPendingAt: number | null;
}

/** A row of the outbox as the API reads it (the cluster's claim columns are the dispatcher's own). */
export type DeliveryRow = Omit<Selectable<DeliveriesTable>, 'claimed_by' | 'claimed_until'>;

export const toView = (row: DeliveryRow): DeliveryView => ({
  id: String(row.id),
  eventId: row.event_id,
  eventType: row.event_type,
  sessionId: row.session_id,
  url: row.url,
  status: row.status,
  attempts: row.attempts,
  lastStatus: row.last_status,
  lastError: row.last_error,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
  nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at).toISOString(),
});
