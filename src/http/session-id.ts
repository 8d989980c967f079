import type { RequestHandler, RequestParamHandler } from 'express';
import { invalidSessionId, parseSessionId, SESSION_ID_PATTERN } from '../domain/session-id.js';

// An id taken from the path is already percent-decoded by Express, so `a%2Fb` arrives as `a/b` and is
// refused by the one parser before the manager, and so the disk, ever sees it.
export { parseSessionId };

/** For `router.param('id', ...)`: every route with `:id` gets a checked id or a 400. */
export const sessionIdParam: RequestParamHandler = (_req, _res, next, value: unknown) => {
  parseSessionId(value);
  next();
};

/** `POST /sessions/` and `DELETE /sessions/`: the id is empty, which is a bad id, not a missing route. */
export const missingSessionId: RequestHandler = () => {
  throw invalidSessionId('The session id is missing from the path (/sessions/{id})');
};

/**
 * Mounted at `/sessions` after every router: a path no route matched whose first segment is not a
 * valid id (`/sessions/../x`, `/sessions//qr`) is a bad id (400); a valid one falls through to 404.
 */
export const unmatchedSessionPath: RequestHandler = (req, _res, next) => {
  const raw = req.path.split('/')[1] ?? '';
  let segment: string;
  try {
    segment = decodeURIComponent(raw);
  } catch {
    throw invalidSessionId('The session id is not valid percent-encoding');
  }
  if (req.path !== '/' && !SESSION_ID_PATTERN.test(segment)) {
    throw invalidSessionId(segment === '' ? 'The session id is missing' : 'The session id is not valid');
  }
  next();
};
