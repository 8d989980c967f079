import type { SessionState, WebhookSettings } from './types.js';

/** A session as the durable registry keeps it: what the user asked for, and what it last was. */
export interface SessionRecord {
  id: string;
  /** Restore starts exactly the `running` ones; `stopped` ones come back STOPPED, without a browser. */
  desired: 'running' | 'stopped';
  webhook: WebhookSettings | null;
  createdAt: Date;
  updatedAt: Date;
  lastState: SessionState | null;
  lastReason: string | null;
}

/**
 * What the manager writes to the registry (src/store implements it). Every write rejects with a
 * 503 AppError when the database cannot take it, before anything about the session has changed.
 */
export interface SessionRecords {
  /** Created, started again or stopped: what the user wants, and the webhook (null is written too: a removal sticks). */
  save(
    id: string,
    record: { desired: 'running' | 'stopped'; webhook: WebhookSettings | null },
  ): Promise<void>;
  remove(id: string): Promise<void>;
  list(): Promise<SessionRecord[]>;
  /** One record, or null when the registry has none for `id`. */
  get(id: string): Promise<SessionRecord | null>;
}
