import type { RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit } from 'express-rate-limit';
import type { Config } from '../config.js';
import { appError } from '../error-catalog.js';
import { apiKeyIdOf } from './auth.js';

export interface RateLimit {
  /** Passes everything through when the limit is 0 (off). */
  handler: RequestHandler;
  /** Stops the store's expiry timer. */
  close(): void;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (what a dual-stack socket reports). */
export const isLoopback = (ip: string | undefined): boolean => {
  if (ip === undefined) return false;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4.startsWith('127.') || ip === '::1';
};

const passThrough: RequestHandler = (_req, _res, next) => next();

/**
 * A fixed one-minute window per API key (keyed by a hash of it, never the key; by client address
 * when the app runs without a key). Loopback clients are exempt unless RATE_LIMIT_LOOPBACK: a local
 * script or sidecar is the operator's own. `req.ip` honours TRUST_PROXY, so behind nginx the real
 * client counts, not nginx. Over the limit: 429 problem+json with RateLimit and Retry-After headers.
 */
export const createRateLimit = (deps: {
  config: Pick<Config, 'RATE_LIMIT_PER_MINUTE' | 'RATE_LIMIT_LOOPBACK'>;
}): RateLimit => {
  const limit = deps.config.RATE_LIMIT_PER_MINUTE;
  if (limit === 0) return { handler: passThrough, close: () => undefined };
  const store = new MemoryStore();
  const handler = rateLimit({
    windowMs: 60_000,
    limit,
    store,
    standardHeaders: 'draft-8',
    identifier: 'per-api-key',
    legacyHeaders: false,
    skip: (req) => !deps.config.RATE_LIMIT_LOOPBACK && isLoopback(req.ip),
    keyGenerator: (req, res) => {
      const keyId = apiKeyIdOf(res);
      return keyId === undefined ? `ip:${ipKeyGenerator(req.ip ?? '')}` : `key:${keyId}`;
    },
    handler: (_req, _res, next) => {
      next(
        appError(
          'rate_limited',
          `Too many requests: at most ${limit} a minute per API key; retry after the Retry-After seconds`,
        ),
      );
    },
    // Keys come from the API key, not the address, so its proxy checks do not apply (and would
    // print to the console for TRUST_PROXY=true, a legitimate setting here).
    validate: { trustProxy: false, xForwardedForHeader: false },
  });
  return { handler, close: () => store.shutdown() };
};
