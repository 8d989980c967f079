import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Where the interactive docs live; the only pages a browser renders. */
export const DOCS_PATH = '/docs';

/**
 * helmet's headers on every answer (nosniff, frame and referrer policies, HSTS, ...). The API itself
 * serves no document, so its CSP allows nothing at all. The docs page gets helmet's default CSP:
 * its scripts and styles are served from this origin (no CDN), Swagger UI sets inline styles and
 * shows data: images, and it fetches /openapi.json from the same origin.
 */
export const createSecurityHeaders = (): RequestHandler => {
  const api = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] },
    },
  });
  const docs = helmet();
  return (req, res, next) => {
    const isDocs = req.path === DOCS_PATH || req.path.startsWith(`${DOCS_PATH}/`);
    (isDocs ? docs : api)(req, res, next);
  };
};
