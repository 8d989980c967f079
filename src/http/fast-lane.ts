import type { IncomingMessage, ServerResponse } from 'node:http';
import etag from 'etag';
import type { RequestHandler } from 'express';
import { SESSION_ID_PATTERN } from '../domain/session-id.js';
import type { SessionManager } from '../sessions/types.js';
import type { ApiKeyCheck } from './auth.js';
import type { AuthFailureLimit } from './auth-failure-limit.js';
import { clientAddress, type TrustFunction } from './client-address.js';
import type { RateLimit } from './rate-limit.js';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id.js';
import type { RequestTracking } from './request-tracking.js';
import type { SecurityHeaders } from './security.js';

export interface FastLane {
  /** Answers the request and returns true, or returns false having touched nothing: Express answers it. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * Express's side, mounted where the session routes are: a read that threw in the lane is thrown
   * there, so it gets the error handler's answer and log line, as if the route had thrown it.
   */
  rethrow: RequestHandler;
}

export interface FastLaneDeps {
  tracking: RequestTracking;
  security: SecurityHeaders;
  trust: TrustFunction;
  rateLimit: Pick<RateLimit, 'keyFor' | 'allows' | 'take'>;
  /** When the app has a key: the same check and failed-authentication limit as Express's path. */
  auth?: { key: ApiKeyCheck; failures: Pick<AuthFailureLimit, 'refuses'> };
  /** Whether the app has the health routes (main always does), so /health/live is answered here. */
  liveness: boolean;
  /** The session reads; left out in cluster mode, where a session may be another instance's. */
  manager?: Pick<SessionManager, 'has' | 'get' | 'list'>;
}

const HEALTH_LIVE = '/health/live';
const SESSIONS = '/sessions';
const SESSIONS_PREFIX = '/sessions/';

/**
 * Only a plain GET: no body (Express would parse it, and refuse a bad one), no conditional header
 * (Express would answer 304 to a matching ETag).
 */
const isPlainGet = (req: IncomingMessage): boolean => {
  const { headers } = req;
  return (
    req.method === 'GET' &&
    headers['if-none-match'] === undefined &&
    headers['if-modified-since'] === undefined &&
    headers['transfer-encoding'] === undefined &&
    (headers['content-length'] === undefined || headers['content-length'] === '0')
  );
};

type Manager = NonNullable<FastLaneDeps['manager']>;

/** A session route's pattern and how to read its answer; undefined when the path is not one. */
const sessionRoute = (path: string): { route: string; read: (manager: Manager) => unknown } | undefined => {
  if (path === SESSIONS) return { route: SESSIONS, read: (manager) => ({ sessions: manager.list() }) };
  if (!path.startsWith(SESSIONS_PREFIX)) return undefined;
  // A valid id has no '%', so the raw segment is the decoded one; anything else (a bad id, a longer
  // path) is Express's to answer.
  const id = path.slice(SESSIONS_PREFIX.length);
  if (!SESSION_ID_PATTERN.test(id)) return undefined;
  // An unknown session is Express's too (its 404).
  return { route: `${SESSIONS}/:id`, read: (manager) => (manager.has(id) ? manager.get(id) : undefined) };
};

/**
 * The answers asked for most (a liveness probe, a session's status, the list of sessions), given
 * without Express: on this machine Express alone tops out below the req/s these routes must reach,
 * whatever its middleware does (bench/results.md). Only the plain success is answered here; any
 * request that could end another way (no or a wrong key, an address past the failed-authentication
 * limit, a spent budget, an unknown session, a body, a conditional GET, HEAD, another path) is left
 * to Express, untouched, so every refusal keeps its one implementation. What an answer carries is
 * Express's to the byte: the request id, the access line, the metric under the route's pattern,
 * helmet's headers, the RateLimit headers and count, Content-Type, Content-Length and the weak ETag
 * (test/http/fast-lane.test.ts compares both paths).
 */
export const createFastLane = (deps: FastLaneDeps): FastLane => {
  // The last body and its ETag per route: a status polled a thousand times a second is mostly the
  // same text, and comparing it is cheaper than hashing it again.
  const tags = new Map<string, { body: string; tag: string }>();
  const tagOf = (route: string, body: string): string => {
    const last = tags.get(route);
    if (last?.body === body) return last.tag;
    const tag = etag(body, { weak: true });
    tags.set(route, { body, tag });
    return tag;
  };

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    ip: string,
    route: string,
    value: unknown,
    budget: string | null,
  ): void => {
    // Serialized first: nothing is written unless the whole answer is ready. A string, not a Buffer:
    // Node then sends head and body in one write instead of a writev of two.
    const body = JSON.stringify(value);
    const id = requestIdFor(req.headers['x-request-id']);
    res.setHeader(REQUEST_ID_HEADER, id);
    deps.tracking.watch(res, { id, method: 'GET', url: req.url ?? '', ip }, () => route);
    deps.security.applyApi(res);
    if (route === HEALTH_LIVE) res.setHeader('Cache-Control', 'no-store');
    if (budget !== null) deps.rateLimit.take(res, budget);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.setHeader('ETag', tagOf(route, body));
    res.end(body);
  };

  const failures = new WeakMap<IncomingMessage, unknown>();

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!isPlainGet(req)) return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (path === HEALTH_LIVE && deps.liveness) {
      answer(req, res, clientAddress(req, deps.trust), HEALTH_LIVE, { status: 'ok' }, null);
      return true;
    }
    if (deps.manager === undefined) return false;
    const session = sessionRoute(path);
    if (session === undefined) return false;
    // The same doors as Express's path, in its order, before the manager is asked anything.
    const ip = clientAddress(req, deps.trust);
    let apiKeyId: string | undefined;
    if (deps.auth !== undefined) {
      if (deps.auth.failures.refuses(ip) || !deps.auth.key.check(req.headers).valid) return false;
      apiKeyId = deps.auth.key.id;
    }
    const budget = deps.rateLimit.keyFor(apiKeyId, ip);
    if (budget !== null && !deps.rateLimit.allows(budget)) return false;
    let value: unknown;
    try {
      value = session.read(deps.manager);
    } catch (err) {
      failures.set(req, err);
      return false;
    }
    if (value === undefined) return false;
    answer(req, res, ip, session.route, value, budget);
    return true;
  };

  return {
    handle,
    rethrow: (req, _res, next) => {
      if (!failures.has(req)) {
        next();
        return;
      }
      const err = failures.get(req);
      failures.delete(req);
      next(err);
    },
  };
};
