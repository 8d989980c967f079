import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Agent, request } from 'undici';
import type { ClusterDirectory } from '../cluster/types.js';
import { SESSION_ID_PATTERN } from '../domain/session-id.js';
import { appError } from '../error-catalog.js';
import type { Logger } from '../logger.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** Set on every forwarded request; an instance never forwards a request that carries it (one hop). */
export const FORWARDED_BY_HEADER = 'x-wa-forwarded-by';

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, never to the next one.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

const endToEnd = (headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) => {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    out[lower] = value;
  }
  return out;
};

export interface ForwardTarget {
  instanceId: string;
  url: string;
}

export interface Forwarder {
  /**
   * Sends the request to `target` and streams its answer back. `body` replaces the request's own
   * body (already parsed, e.g. by placement); without it the request's body is streamed as it comes.
   * Nothing answered before the owner's headers arrive → 503 `owner_unreachable` through `next`.
   */
  forward(
    req: Request,
    res: Response,
    next: NextFunction,
    target: ForwardTarget,
    body?: string,
  ): Promise<void>;
  close(): Promise<void>;
}

export const createForwarder = (deps: { selfId: string; timeoutMs: number; logger: Logger }): Forwarder => {
  // One pool of keep-alive connections per owner; every phase bounded by FORWARD_TIMEOUT_MS.
  const agent = new Agent({
    connectTimeout: deps.timeoutMs,
    headersTimeout: deps.timeoutMs,
    bodyTimeout: deps.timeoutMs,
  });
  return {
    async forward(req, res, next, target, body) {
      const log = req.log ?? deps.logger;
      const unreachable = (cause?: unknown) =>
        appError(
          'owner_unreachable',
          `Session runs on instance ${target.instanceId}, which does not answer; try again shortly`,
          { ...(cause === undefined ? {} : { cause }), details: { instance: target.instanceId } },
        );
      if (target.url === '') return next(unreachable());
      const headers = endToEnd(req.headers);
      headers[FORWARDED_BY_HEADER] = deps.selfId;
      headers[REQUEST_ID_HEADER.toLowerCase()] = req.id;
      const hasBody =
        body !== undefined ||
        req.headers['content-length'] !== undefined ||
        req.headers['transfer-encoding'] !== undefined;
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const abort = new AbortController();
      const onClose = () => {
        if (!res.writableFinished) abort.abort();
      };
      res.on('close', onClose);
      const started = Date.now();
      let upstream: Awaited<ReturnType<typeof request>>;
      try {
        upstream = await request(new URL(req.originalUrl, target.url), {
          method: req.method as 'GET',
          headers,
          // Through a PassThrough: undici destroys the body it was given when the owner fails, and the
          // incoming request must outlive that (its socket still carries our 503).
          body: hasBody ? (body ?? req.pipe(new PassThrough())) : null,
          dispatcher: agent,
          signal: abort.signal,
        });
      } catch (err) {
        res.off('close', onClose);
        if (abort.signal.aborted) return;
        log.warn(
          { err, instance: target.instanceId, ms: Date.now() - started },
          'Owner of the session did not answer',
        );
        return next(unreachable(err));
      }
      res.status(upstream.statusCode);
      for (const [name, value] of Object.entries(endToEnd(upstream.headers))) res.setHeader(name, value);
      // The owner's headers go out as soon as they come (an SSE stream may send nothing else for a while).
      res.flushHeaders();
      log.debug(
        { instance: target.instanceId, status: upstream.statusCode },
        'Request forwarded to the owner',
      );
      try {
        await pipeline(upstream.body, res);
      } catch (err) {
        // Headers went out: all that is left is to cut the answer short, so the client sees it broken.
        if (!abort.signal.aborted)
          log.warn({ err, instance: target.instanceId }, 'Forwarded answer broke off');
        res.destroy();
      } finally {
        res.off('close', onClose);
      }
    },
    close: () => agent.close(),
  };
};

/** The session id a `/sessions/<id>[/...]` path names, when it is a valid one. */
export const sessionIdOfPath = (path: string): string | null => {
  const match = /^\/sessions\/([^/]+)/.exec(path);
  if (match?.[1] === undefined) return null;
  let id: string;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  return SESSION_ID_PATTERN.test(id) ? id : null;
};

/**
 * Cluster mode, before the body parser and the sessions routes: a request for a session this
 * instance does not run, leased by another, goes to that owner (streamed both ways). A request
 * already forwarded once is always answered here, so two instances can never bounce it around.
 */
export const createForwardToOwner = (deps: {
  directory: Pick<ClusterDirectory, 'ownerOf' | 'self'>;
  /** Whether this instance's Map holds the session. */
  isLocal: (id: string) => boolean;
  forwarder: Forwarder;
  /** Paths answered here whoever owns the session (SSE carries every instance's events). */
  answeredLocally?: (path: string) => boolean;
}): RequestHandler => {
  return async (req, res, next) => {
    if (req.get(FORWARDED_BY_HEADER) !== undefined) return next();
    const id = sessionIdOfPath(req.path);
    if (id === null || deps.isLocal(id) || deps.answeredLocally?.(req.path)) return next();
    let owner: ForwardTarget | null;
    try {
      owner = await deps.directory.ownerOf(id);
    } catch (err) {
      return next(err);
    }
    if (owner === null || owner.instanceId === deps.directory.self.id) return next();
    await deps.forwarder.forward(req, res, next, owner);
  };
};
