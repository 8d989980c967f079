import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

/**
 * A body sent with another Content-Type (curl's `-d` sends a form type) would be skipped by the JSON
 * parser and silently read as no body at all; say so instead. A request without a body passes.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (req.is('application/json') === false) {
    throw new AppError(
      415,
      'unsupported_media_type',
      'The request body must be JSON: send it with Content-Type: application/json',
    );
  }
  next();
};
