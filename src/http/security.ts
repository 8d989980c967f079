import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Where the interactive docs live; the only pages a browser renders. */
export const DOCS_PATH = '/docs';

export interface SecurityHeaders {
  middleware: RequestHandler;
  /** The API's headers on a response Express never sees (the fast lane). */
  applyApi(res: ServerResponse): void;
}

type HeaderValue = number | string | readonly string[];

/** A response that is never sent and keeps each header as it was written (`Content-Security-Policy`, not lower-cased). */
class HeaderRecorder extends ServerResponse {
  readonly written = new Map<string, HeaderValue>();
  override setHeader(name: string, value: HeaderValue): this {
    this.written.set(name, value);
    return super.setHeader(name, value);
  }
}

/**
 * The headers helmet writes with these options. They depend on nothing in the request, so helmet
 * runs once, on a response that is never sent, and every answer gets the recorded list: the eleven
 * header writes helmet would repeat per request become one loop.
 */
const recordHeaders = (middleware: ReturnType<typeof helmet>): Array<[string, HeaderValue]> => {
  const req = new IncomingMessage(new Socket());
  const res = new HeaderRecorder(req);
  let done = false;
  middleware(req, res, (err?: unknown) => {
    if (err !== undefined) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously: its headers cannot be recorded once');
  return [...res.written];
};

/**
 * helmet's headers on every answer (nosniff, frame and referrer policies, HSTS, ...). The API itself
 * serves no document, so its CSP allows nothing at all. The docs page gets helmet's default CSP:
 * its scripts and styles are served from this origin (no CDN), Swagger UI sets inline styles and
 * shows data: images, and it fetches /openapi.json from the same origin.
 */
export const createSecurityHeaders = (): SecurityHeaders => {
  const api = recordHeaders(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] },
      },
    }),
  );
  const docs = helmet();
  const applyApi = (res: ServerResponse): void => {
    for (const [name, value] of api) res.setHeader(name, value);
  };
  return {
    applyApi,
    middleware: (req, res, next) => {
      const isDocs = req.path === DOCS_PATH || req.path.startsWith(`${DOCS_PATH}/`);
      if (isDocs) {
        docs(req, res, next);
        return;
      }
      applyApi(res);
      next();
    },
  };
};
