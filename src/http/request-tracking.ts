import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { type HttpObserver, routeLabel } from '../metrics/http-metrics.js';

/** What is known of a request when it starts, for its access line. */
export interface RequestFacts {
  id: string;
  method: string;
  /** As received, query string included (it is cut before logging: it may carry tokens). */
  url: string;
  /** As resolved through `trust proxy`. */
  ip: string | undefined;
}

export interface RequestTracking {
  /** Mounted right after the request id: every answer Express gives is logged and timed. */
  middleware: RequestHandler;
  /** The same for an answer Express never sees (the fast lane), whose route label is known. */
  watch(res: ServerResponse, facts: RequestFacts, route: () => string): void;
}

const pathOf = (url: string): string => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};

const isEventStream = (res: ServerResponse): boolean =>
  String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');

/**
 * One info line per request once it is over: method, path (no query string, which may carry tokens),
 * status, duration and the client address as resolved through `trust proxy`. Bodies and headers are
 * never logged: they carry message content, API keys and webhook secrets. With metrics, the same
 * moment observes the duration by route pattern; an SSE stream is not a request that ends and is
 * left out, as is an answer the client did not wait for.
 * One 'close' listener does both: a response emits it once it is over, finished or not.
 */
export const createRequestTracking = (deps: { logger: Logger; observe?: HttpObserver }): RequestTracking => {
  // The line's fields are the ones below and nothing else: none can be a redacted path, so it is
  // written without the redaction pass, which cost about 7 µs of CPU per request (pino's wildcard
  // paths walk every field). reqId is the first field, where `req.log`'s binding would put it.
  const lines = deps.logger.child({}, { redact: [] });
  const watch = (res: ServerResponse, facts: RequestFacts, route: () => string): void => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const finished = res.writableFinished;
      lines.info(
        {
          reqId: facts.id,
          method: facts.method,
          path: pathOf(facts.url),
          status: res.statusCode,
          durationMs: Math.round(seconds * 1e6) / 1000,
          remoteAddress: facts.ip,
          // The client went away before the answer was complete (SSE streams end this way too).
          ...(finished ? {} : { aborted: true }),
        },
        'request completed',
      );
      if (finished && deps.observe !== undefined && !isEventStream(res)) {
        deps.observe(facts.method, route(), res.statusCode, seconds);
      }
    });
  };
  return {
    watch,
    middleware: (req, res, next) => {
      watch(res, { id: req.id, method: req.method, url: req.originalUrl, ip: req.ip }, () => routeLabel(req));
      next();
    },
  };
};
