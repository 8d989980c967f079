import { hash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Config } from '../config.js';
import { appError } from '../error-catalog.js';
import { apiKeyIdOf } from './auth.js';

export interface RateLimit {
  /** Passes everything through when the limit is 0 (off). */
  handler: RequestHandler;
  /**
   * What the budget is counted on for this client (the API key's id, else the address), or null when
   * the request is not limited (the limit is off, or a loopback client while loopback is exempt).
   */
  keyFor(apiKeyId: string | undefined, ip: string | undefined): string | null;
  /** Whether one more request of `key` would still be within the limit; takes nothing. */
  allows(key: string): boolean;
  /** Counts one request of `key` and sets its RateLimit headers (the fast lane's side of `handler`). */
  take(res: ServerResponse, key: string): boolean;
}

export interface RateLimitDeps {
  config: Pick<Config, 'RATE_LIMIT_PER_MINUTE' | 'RATE_LIMIT_LOOPBACK'>;
  windowMs?: number;
  /** Budgets tracked at once; past it the oldest is forgotten (memory stays bounded). */
  maxTracked?: number;
  now?: () => number;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (what a dual-stack socket reports). */
export const isLoopback = (ip: string | undefined): boolean => {
  if (ip === undefined) return false;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4.startsWith('127.') || ip === '::1';
};

/** The policy's name in the RateLimit headers (IETF draft 8). */
const POLICY = 'per-api-key';

interface Window {
  hits: number;
  resetAt: number;
  /** The draft's partition key: a digest of the budget's key, computed once per window, not per request. */
  partition: string;
}

const partitionOf = (key: string): string =>
  Buffer.from(hash('sha256', key, 'hex').slice(0, 12)).toString('base64');

/**
 * A fixed one-minute window per API key (keyed by a hash of it, never the key; by client address
 * when the app runs without a key). Loopback clients are exempt unless RATE_LIMIT_LOOPBACK: a local
 * script or sidecar is the operator's own. `req.ip` honours TRUST_PROXY, so behind nginx the real
 * client counts, not nginx. Over the limit: 429 problem+json with RateLimit and Retry-After headers.
 * The headers are those of IETF draft 8 (`RateLimit`, `RateLimit-Policy`), as express-rate-limit
 * wrote them before this counter replaced it: that one awaited its store and hashed the key on every
 * request, and the fast lane needs a budget it can read and take synchronously.
 */
export const createRateLimit = (deps: RateLimitDeps): RateLimit => {
  const limit = deps.config.RATE_LIMIT_PER_MINUTE;
  const windowMs = deps.windowMs ?? 60_000;
  const maxTracked = deps.maxTracked ?? 10_000;
  const now = deps.now ?? Date.now;
  const windows = new Map<string, Window>();

  const keyFor = (apiKeyId: string | undefined, ip: string | undefined): string | null => {
    if (limit === 0) return null;
    if (!deps.config.RATE_LIMIT_LOOPBACK && isLoopback(ip)) return null;
    return apiKeyId === undefined ? `ip:${ipKeyGenerator(ip ?? '')}` : `key:${apiKeyId}`;
  };

  const current = (key: string, at: number): Window | undefined => {
    const window = windows.get(key);
    return window !== undefined && window.resetAt > at ? window : undefined;
  };

  const open = (key: string, at: number): Window => {
    windows.delete(key);
    if (windows.size >= maxTracked) {
      // Maps iterate in insertion order and a window is re-inserted when it opens: the first is the oldest.
      const oldest = windows.keys().next().value;
      if (oldest !== undefined) windows.delete(oldest);
    }
    const window = { hits: 0, resetAt: at + windowMs, partition: partitionOf(key) };
    windows.set(key, window);
    return window;
  };

  /** Counts the request and writes the headers; false when it is past the limit. */
  const take = (res: ServerResponse, key: string): boolean => {
    const at = now();
    const window = current(key, at) ?? open(key, at);
    window.hits += 1;
    const resetSeconds = Math.max(0, Math.ceil((window.resetAt - at) / 1000));
    res.setHeader('RateLimit', `"${POLICY}"; r=${Math.max(0, limit - window.hits)}; t=${resetSeconds}`);
    res.setHeader(
      'RateLimit-Policy',
      `"${POLICY}"; q=${limit}; w=${Math.ceil(windowMs / 1000)}; pk=:${window.partition}:`,
    );
    if (window.hits <= limit) return true;
    res.setHeader('Retry-After', String(resetSeconds));
    return false;
  };

  return {
    keyFor,
    allows: (key) => (current(key, now())?.hits ?? 0) < limit,
    take,
    handler: (req, res, next) => {
      const key = keyFor(apiKeyIdOf(res), req.ip);
      if (key === null || take(res, key)) {
        next();
        return;
      }
      next(
        appError(
          'rate_limited',
          `Too many requests: at most ${limit} a minute per API key; retry after the Retry-After seconds`,
        ),
      );
    },
  };
};
