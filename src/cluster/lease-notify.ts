import type { Client } from 'pg';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../timeout.js';
import { LEASE_RELEASED_CHANNEL } from './db-clock.js';

export interface LeaseListener {
  /** Connects and LISTENs unless it already does; bounded, never throws (the takeover polls anyway). */
  ensure(): Promise<void>;
  close(): Promise<void>;
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other queries): a released lease
 * (a hand-over, a stop) wakes the takeover loop at once instead of at its next round. A lost
 * connection is only logged; `ensure` opens a new one on the next round.
 */
export const createLeaseListener = (deps: {
  url: string;
  onReleased: (sessionId: string) => void;
  logger: Logger;
  timeoutMs: number;
}): LeaseListener => {
  const { logger } = deps;
  let client: Client | null = null;
  let connecting = false;
  let closed = false;

  const drop = (c: Client): void => {
    if (client === c) client = null;
    void c.end().catch(() => undefined);
  };

  return {
    async ensure() {
      if (client || connecting || closed) return;
      connecting = true;
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: deps.url, connectionTimeoutMillis: deps.timeoutMs });
      c.on('error', (err) => {
        logger.warn({ err }, 'The LISTEN connection to PostgreSQL was lost');
        drop(c);
      });
      c.on('end', () => {
        if (client === c) client = null;
      });
      c.on('notification', (message) => deps.onReleased(message.payload ?? ''));
      try {
        await withTimeout(
          (async () => {
            await c.connect();
            await c.query(`LISTEN ${LEASE_RELEASED_CHANNEL}`);
          })(),
          deps.timeoutMs,
          'LISTEN connection',
        );
        if (closed) drop(c);
        else client = c;
      } catch (err) {
        logger.warn({ err: toError(err) }, 'Cannot LISTEN for released leases yet; polling meanwhile');
        drop(c);
      } finally {
        connecting = false;
      }
    },
    async close() {
      closed = true;
      const c = client;
      client = null;
      if (c) await withTimeout(c.end(), deps.timeoutMs, 'LISTEN close').catch(() => undefined);
    },
  };
};
