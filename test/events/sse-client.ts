import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Router } from 'express';

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

const parseFrame = (raw: string): SseFrame => {
  const frame: SseFrame = {};
  for (const line of raw.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    else {
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id' || field === 'event' || field === 'data' || field === 'retry') frame[field] = value;
    }
  }
  return frame;
};

/** A streaming fetch reader over a real connection: `next()` is the next whole frame. */
export const connectSse = async (url: string, headers: Record<string, string> = {}) => {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const body = response.body;
  if (body === null) throw new Error('no body');
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let done = false;
  const next = async (): Promise<SseFrame | null> => {
    for (;;) {
      const end = pending.indexOf('\n\n');
      if (end !== -1) {
        const raw = pending.slice(0, end);
        pending = pending.slice(end + 2);
        return parseFrame(raw);
      }
      if (done) return null;
      const chunk = await reader.read();
      if (chunk.done) done = true;
      else pending += decoder.decode(chunk.value, { stream: true });
    }
  };
  return {
    response,
    next,
    /** The next frame that carries an event, skipping `retry:` and `: ping`. */
    async nextEvent(): Promise<SseFrame> {
      for (;;) {
        const frame = await next();
        if (frame === null) throw new Error('stream ended');
        if (frame.data !== undefined) return frame;
      }
    },
    close: () => controller.abort(),
  };
};

/** The router on a real port, behind a stub of the problem+json error middleware. */
export const serveRouter = async (router: Router) => {
  const app = express();
  app.use(router);
  const onError: ErrorRequestHandler = (
    err: { status?: number; code?: string; details?: unknown },
    _req,
    res,
    _next,
  ) => {
    res.status(err.status ?? 500).json({ code: err.code, details: err.details });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
