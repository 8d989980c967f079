import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { compareEventIds, parseEventId } from './event-id.js';
import type { EventBuffer } from './sse-buffer.js';
import type { AnyWaEvent, EventBus } from './types.js';

export const formatSseEvent = (event: AnyWaEvent): string =>
  // JSON.stringify never emits a raw newline, so one `data:` line is always enough.
  `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

export interface SseStreamOptions {
  /** The bus, or in cluster mode the feed that adds the other instances' events (cluster-events.ts). */
  bus: Pick<EventBus, 'subscribe'>;
  buffer: EventBuffer;
  logger: Logger;
  /** Which events this client gets, replayed and live alike. */
  filter: (event: AnyWaEvent) => boolean;
  lastEventId: string | null;
  heartbeatMs: number;
  /** A client that reads slower than events come is cut off past this, and catches up on reconnect. */
  maxBufferedBytes: number;
}

/** Serves one SSE client until it goes away; returns the function that ends it from our side. */
export const openSseStream = (req: Request, res: Response, options: SseStreamOptions): (() => void) => {
  const { logger } = options;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    // nginx buffers proxied responses by default, which would hold events back until the buffer fills.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();

  let ended = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  const cleanup = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unsubscribe?.();
  };
  const write = (chunk: string) => {
    if (ended || res.destroyed) return;
    if (res.writableLength > options.maxBufferedBytes) {
      logger.warn(
        { path: req.path, bufferedBytes: res.writableLength },
        'SSE client reads too slowly; closing its stream (it can resume with Last-Event-ID)',
      );
      cleanup();
      res.end();
      return;
    }
    res.write(chunk);
  };
  res.on('close', cleanup);

  // Browsers wait this long before reconnecting (and then send Last-Event-ID).
  write('retry: 3000\n\n');
  // Subscribed before the replay is read: live events wait in `held` meanwhile, and those the replay
  // already carried (same or older id) are skipped, so none falls between the two, nor comes twice.
  let held: AnyWaEvent[] | null = options.lastEventId === null ? null : [];
  unsubscribe = options.bus.subscribe((event) => {
    if (!options.filter(event)) return;
    if (held !== null) held.push(event);
    else write(formatSseEvent(event));
  });
  if (options.lastEventId !== null) {
    const lastEventId = options.lastEventId;
    void options.buffer
      .after(lastEventId)
      .catch((err: unknown) => {
        logger.warn(
          { err, path: req.path },
          'Could not read the event log for Last-Event-ID; live events only',
        );
        return [];
      })
      .then((replay) => {
        let last = parseEventId(lastEventId);
        for (const event of replay) {
          if (!options.filter(event)) continue;
          write(formatSseEvent(event));
          last = parseEventId(event.id) ?? last;
        }
        for (const event of held ?? []) {
          const id = parseEventId(event.id);
          if (last === null || id === null || compareEventIds(id, last) > 0) write(formatSseEvent(event));
        }
        held = null;
      });
  }
  // A comment line keeps idle proxies and load balancers from closing the connection.
  heartbeat = setInterval(() => write(': ping\n\n'), options.heartbeatMs);

  return () => {
    cleanup();
    res.end();
  };
};
