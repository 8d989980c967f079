import type { Request, RequestHandler } from 'express';
import { appError } from '../error-catalog.js';

/** `Content-Length: 0` (what many clients send for a bare POST) is no body, whatever the type says. */
const hasBody = (req: Request): boolean => {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
};

/**
 * A body sent with another Content-Type (curl's `-d` sends a form type) would be skipped by the JSON
 * parser and silently read as no body at all; say so instead. A request without a body passes.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (hasBody(req) && !req.is('application/json')) {
    throw appError(
      'unsupported_media_type',
      'The request body must be JSON: send it with Content-Type: application/json',
    );
  }
  next();
};
