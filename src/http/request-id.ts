import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * Visible ASCII only, at most 128 characters: the id is echoed in a header and written to every log
 * line, so anything that could split a header, forge a log line or blow up its size is replaced.
 */
const ACCEPTABLE_REQUEST_ID = /^[\x21-\x7E]{1,128}$/;

export const acceptRequestId = (value: string | undefined): string | undefined =>
  value !== undefined && ACCEPTABLE_REQUEST_ID.test(value) ? value : undefined;

/** The caller's id when acceptable, otherwise a new UUID. */
export const requestIdFor = (sent: string | string[] | undefined): string =>
  (typeof sent === 'string' ? acceptRequestId(sent) : undefined) ?? randomUUID();

/** Gives each request an id (kept from the caller or generated), echoes it, and binds `req.log` to it. */
export const createRequestId =
  (deps: { logger: Logger }): RequestHandler =>
  (req, res, next) => {
    const id = requestIdFor(req.headers['x-request-id']);
    req.id = id;
    req.log = deps.logger.child({ reqId: id });
    res.setHeader(REQUEST_ID_HEADER, id);
    next();
  };
