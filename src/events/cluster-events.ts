import pg from 'pg';
import type { Logger } from '../logger.js';
import { EVENTS_CHANNEL, type EventsNotice } from '../store/outbox-claims.js';
import type { AnyWaEvent, EventBus } from './types.js';

export interface ClusterEventFeed extends Pick<EventBus, 'subscribe'> {
  close(): Promise<void>;
}

const parseNotice = (payload: string | undefined): EventsNotice | null => {
  try {
    const value = JSON.parse(payload ?? '') as Partial<EventsNotice>;
    if (typeof value.from !== 'string' || !Array.isArray(value.ids)) return null;
    return { from: value.from, ids: value.ids.filter((id): id is string => typeof id === 'string') };
  } catch {
    return null;
  }
};

/**
 * Cluster mode: what SSE streams subscribe to instead of the bus. It carries this instance's events
 * (the bus) and those the other instances record, learnt by LISTEN on one dedicated connection and
 * read from the event log. Those never go through the bus: they are not recorded again, nor sent to
 * webhooks again (their own instance did both). A lost connection is opened again after `retryMs`;
 * events announced meanwhile reach SSE clients only through a Last-Event-ID replay.
 */
export const startClusterEventFeed = (deps: {
  connectionString: string;
  instanceId: string;
  bus: Pick<EventBus, 'subscribe'>;
  /** The stored bodies of these events, in the order they were recorded. */
  eventsByIds: (ids: string[]) => Promise<string[]>;
  logger: Logger;
  retryMs?: number;
  /** Called each time the LISTEN is in place (tests wait for it). */
  onListening?: () => void;
}): ClusterEventFeed => {
  const { logger } = deps;
  const retryMs = deps.retryMs ?? 2000;
  const remote = new Set<(event: AnyWaEvent) => void>();
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  // Notices are handled one after the other, so events reach clients in the order they were announced.
  let chain: Promise<void> = Promise.resolve();

  const deliver = async (notice: EventsNotice) => {
    const bodies = await deps.eventsByIds(notice.ids);
    for (const body of bodies) {
      const event = JSON.parse(body) as AnyWaEvent;
      for (const listener of remote) {
        try {
          listener(event);
        } catch (err) {
          logger.error({ err, eventId: event.id }, 'Event listener failed');
        }
      }
    }
  };

  const scheduleConnect = () => {
    if (closed) return;
    clearTimeout(retry);
    retry = setTimeout(() => void connect(), retryMs);
  };

  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({
      connectionString: deps.connectionString,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
    });
    next.on('notification', (message) => {
      const notice = parseNotice(message.payload);
      if (notice === null || notice.from === deps.instanceId) return;
      chain = chain.then(() =>
        deliver(notice).catch((err: unknown) => {
          logger.warn({ err, from: notice.from }, 'Could not read events announced by another instance');
        }),
      );
    });
    next.on('error', (err) => {
      logger.warn({ err }, 'The connection listening for other instances’ events failed; reconnecting');
      if (client === next) client = null;
      void next.end().catch(() => undefined);
      scheduleConnect();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      logger.warn({ err }, 'Could not listen for other instances’ events; trying again');
      void next.end().catch(() => undefined);
      scheduleConnect();
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    deps.onListening?.();
  };
  void connect();

  return {
    subscribe(listener) {
      remote.add(listener);
      const unsubscribe = deps.bus.subscribe(listener);
      return () => {
        remote.delete(listener);
        unsubscribe();
      };
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
      await chain;
    },
  };
};
