import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { EventBuffer } from './sse-buffer.js';
import type { AnyWaEvent, EventBus } from './types.js';

export const formatSseEvent = (event: AnyWaEvent): string =>
  // JSON.stringify never emits a raw newline, so one `data:` line is always enough.
  `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

export interface SseStreamOptions {
  bus: EventBus;
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
  // Replay and subscribe in one synchronous turn: the bus publishes synchronously, so no event can
  // fall between the two, nor arrive twice.
  if (options.lastEventId !== null) {
    for (const event of options.buffer.after(options.lastEventId)) {
      if (options.filter(event)) write(formatSseEvent(event));
    }
  }
  unsubscribe = options.bus.subscribe((event) => {
    if (options.filter(event)) write(formatSseEvent(event));
  });
  // A comment line keeps idle proxies and load balancers from closing the connection.
  heartbeat = setInterval(() => write(': ping\n\n'), options.heartbeatMs);

  return () => {
    cleanup();
    res.end();
  };
};
