import type { RequestHandler } from 'express';
import { appError } from '../error-catalog.js';

/**
 * For `route.all(...)` after a path's handlers: a known path with the wrong method is 405 with `Allow`
 * rather than a 404 that suggests the path is wrong; OPTIONS just lists the methods.
 */
export const methodNotAllowed = (allowed: readonly string[]): RequestHandler => {
  const allow = allowed.join(', ');
  return (req, res) => {
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    throw appError('method_not_allowed', `${req.method} is not allowed here; use ${allow}`);
  };
};
