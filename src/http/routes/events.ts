import { type Request, type Response, Router } from 'express';
import { appError } from '../../error-catalog.js';
import { createEventBuffer, type EventBufferDeps } from '../../events/sse-buffer.js';
import { openSseStream } from '../../events/sse-stream.js';
import type { AnyWaEvent, EventBus } from '../../events/types.js';
import type { Logger } from '../../logger.js';
import { apiKeyIdOf } from '../auth.js';
import { parseSessionId } from '../session-id.js';

export interface EventsRouterDeps {
  /** The bus, or in cluster mode the feed that adds the other instances' events (cluster-events.ts). */
  bus: Pick<EventBus, 'subscribe'>;
  logger: Logger;
  /** Last-Event-ID replay from the store's event log (src/store). */
  replay: Pick<EventBufferDeps, 'flush' | 'eventsAfter'>;
  /** Interval of the `: ping` comment; 15 s by default. */
  heartbeatMs?: number;
  /** Unsent bytes a client may fall behind by before its stream is closed. */
  maxBufferedBytes?: number;
  /** Open streams per API key (per address when the app runs without a key); 20 by default. */
  maxStreamsPerKey?: number;
}

export type EventsRouter = Router & {
  /** Ends every open stream (so the HTTP server can close). */
  close(): void;
};

export const createEventsRouter = (deps: EventsRouterDeps): EventsRouter => {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxBufferedBytes = deps.maxBufferedBytes ?? 1024 * 1024;
  const buffer = createEventBuffer(deps.replay);
  const maxStreams = deps.maxStreamsPerKey ?? 20;
  const open = new Set<() => void>();
  /** Open streams per holder; an entry leaves when its last stream closes. */
  const streamsOf = new Map<string, number>();
  const router = Router();

  const serve = (req: Request, res: Response, filter: (e: AnyWaEvent) => boolean) => {
    // Read (and validated) before the stream starts, so a bad one can still be answered with a 400.
    const lastEventId = lastEventIdOf(req);
    // A stream holds a socket, a subscription and a timer for hours: one key must not open thousands.
    const holder = apiKeyIdOf(res) ?? `ip:${req.ip ?? ''}`;
    const count = streamsOf.get(holder) ?? 0;
    if (count >= maxStreams) {
      throw appError(
        'too_many_streams',
        `At most ${maxStreams} event streams may be open at once per API key; close one first`,
        { details: { limit: maxStreams } },
      );
    }
    streamsOf.set(holder, count + 1);
    res.on('close', () => {
      const left = (streamsOf.get(holder) ?? 1) - 1;
      if (left <= 0) streamsOf.delete(holder);
      else streamsOf.set(holder, left);
    });
    const end = openSseStream(req, res, {
      bus: deps.bus,
      buffer,
      logger: deps.logger,
      filter,
      lastEventId,
      heartbeatMs,
      maxBufferedBytes,
    });
    open.add(end);
    res.on('close', () => open.delete(end));
  };

  router.get('/events', (req, res) => {
    serve(req, res, () => true);
  });

  router.get('/sessions/:id/events', (req, res) => {
    const id = parseSessionId(req.params.id);
    serve(req, res, (event) => event.sessionId === id);
  });

  return Object.assign(router, {
    close() {
      for (const end of open) end();
      open.clear();
    },
  });
};

/** The `Last-Event-ID` header (what EventSource sends), or `?lastEventId=` for clients that cannot set headers. */
const lastEventIdOf = (req: Request): string | null => {
  const header = req.get('last-event-id');
  const query = req.query.lastEventId;
  const value = header ?? (typeof query === 'string' ? query : undefined);
  if (value === undefined || value === '') return null;
  if (value.length > 128 || !/^[\x21-\x7e]+$/.test(value)) {
    const where = header === undefined ? 'query.lastEventId' : 'header.last-event-id';
    throw appError('invalid_last_event_id', 'Last-Event-ID accepts an event id as sent in `id:`', {
      details: {
        errors: [{ path: where, message: 'accepts an event id of at most 128 visible characters' }],
      },
    });
  }
  return value;
};
