import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { appError } from '../error-catalog.js';

export interface AuthFailureLimit {
  /** Mounted before authentication: an address past the limit is refused before its key is looked at. */
  handler: RequestHandler;
  /** Called by authentication for every refused key. */
  recordFailure(req: Request): void;
  /** Whether `handler` would refuse this client address now (the fast lane's check). */
  refuses(ip: string | undefined): boolean;
}

export interface AuthFailureLimitDeps {
  /** Failed authentications per client address per window; 0 turns the limit off. */
  limit: number;
  windowMs?: number;
  /** Addresses tracked at once; past it the oldest entry is forgotten (memory stays bounded). */
  maxTracked?: number;
  now?: () => number;
}

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Failed authentications per client address (fixed window). Key-based limits cannot stop key
 * guessing, since a wrong key has no identity: here the address is the identity. It runs BEFORE the
 * key is checked, so once an address is past the limit even its right guess is refused until the
 * window ends (otherwise the limit would still answer "right" or "wrong" for every guess). IPv6
 * clients count per /56, as express-rate-limit does, so rotating addresses inside one allocation
 * does not reset the budget. `req.ip` honours TRUST_PROXY, so behind nginx the real client counts.
 * Loopback is counted too: a local process guessing keys is no more legitimate than a remote one.
 */
export const createAuthFailureLimit = (deps: AuthFailureLimitDeps): AuthFailureLimit => {
  const windowMs = deps.windowMs ?? 60_000;
  const maxTracked = deps.maxTracked ?? 10_000;
  const now = deps.now ?? Date.now;
  const windows = new Map<string, Window>();

  const keyOf = (req: Request): string => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '');

  const current = (key: string): Window | undefined => {
    const window = windows.get(key);
    if (window !== undefined && window.resetAt <= now()) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };

  if (deps.limit === 0) {
    return { handler: (_req, _res, next) => next(), recordFailure: () => undefined, refuses: () => false };
  }

  const over = (key: string): Window | undefined => {
    const window = current(key);
    return window !== undefined && window.failures >= deps.limit ? window : undefined;
  };

  return {
    refuses: (ip) => over(ipKeyGenerator(ip ?? '')) !== undefined,
    handler: (req, res, next) => {
      const window = over(keyOf(req));
      if (window === undefined) {
        next();
        return;
      }
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil((window.resetAt - now()) / 1000))));
      next(
        appError(
          'rate_limited',
          `Too many failed authentications from this address: at most ${deps.limit} a minute; retry after the Retry-After seconds`,
        ),
      );
    },
    recordFailure(req) {
      const key = keyOf(req);
      const window = current(key);
      if (window !== undefined) {
        window.failures += 1;
        return;
      }
      if (windows.size >= maxTracked) {
        // Maps iterate in insertion order: the first entry is the oldest window.
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
      windows.set(key, { failures: 1, resetAt: now() + windowMs });
    },
  };
};
