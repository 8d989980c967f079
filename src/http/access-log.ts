import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

/**
 * One info line per request once it is over: method, path (no query string, which may carry tokens),
 * status, duration and the client address as resolved through `trust proxy`. Bodies and headers are
 * never logged: they carry message content, API keys and webhook secrets.
 */
export const createAccessLog = (deps: { logger: Logger }): RequestHandler => {
  // The line's fields are the ones below and nothing else: none can be a redacted path, so it is
  // written without the redaction pass, which cost about 7 µs of CPU per request (pino's wildcard
  // paths walk every field). reqId is the first field, where `req.log`'s binding would put it.
  const lines = deps.logger.child({}, { redact: [] });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      lines.info(
        {
          reqId: req.id,
          method: req.method,
          path: pathOf(req.originalUrl),
          status: res.statusCode,
          durationMs: Math.round(durationMs * 1000) / 1000,
          remoteAddress: req.ip,
          // The client went away before the answer was complete (SSE streams end this way too).
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request completed',
      );
    };
    res.once('finish', log);
    res.once('close', log);
    next();
  };
};

const pathOf = (url: string): string => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};
