import type { Request } from 'express';
import { Histogram, type Registry } from 'prom-client';

/**
 * The route as written in the router (`/sessions/:id/qr`), never the path: a session id in a label
 * would make one series per session. Requests no route answered (401, 404, 429) share `unmatched`.
 */
export const routeLabel = (req: Request): string => {
  const route: unknown = req.route;
  if (typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string') {
    return `${req.baseUrl}${route.path}`;
  }
  return 'unmatched';
};

/** One answer's duration: method, route pattern (see routeLabel), status code, seconds. */
export type HttpObserver = (method: string, route: string, status: number, seconds: number) => void;

/** Every answer's duration by method, route pattern and status. SSE streams are not requests that end: the caller leaves them out. */
export const createHttpMetrics = (deps: { registry: Registry }): HttpObserver => {
  const duration = new Histogram({
    name: 'wa_sessions_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status (SSE streams excluded)',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [deps.registry],
  });
  return (method, route, status, seconds) => {
    duration.observe({ method, route, status: String(status) }, seconds);
  };
};
