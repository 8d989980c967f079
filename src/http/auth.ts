import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { appError } from '../error-catalog.js';

export const API_KEY_HEADER = 'X-Api-Key';

/** Sent with every 401, so a client learns both accepted forms. */
const CHALLENGE = `Bearer realm="wa-sessions", ApiKey header="${API_KEY_HEADER}"`;

/**
 * SHA-256 of a key: fixed length whatever was sent, so timingSafeEqual can compare it. The one-shot
 * `hash()` (Node 20.12+) builds no Hash object: under half the time of createHash() per request.
 */
export const hashApiKey = (key: string): Buffer => hash('sha256', key, 'buffer');

/** The key the client sent: `X-Api-Key`, else `Authorization: Bearer <key>`; undefined when neither. */
const presentedKey = (headers: IncomingHttpHeaders): string | undefined => {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = headers.authorization;
  const match = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1];
};

export interface ApiKeyCheck {
  /** What the rate limiter keys on: a prefix of the key's digest, never the key. */
  readonly id: string;
  /** The key the request carries, if any, and whether it is the right one (compared in constant time). */
  check(headers: IncomingHttpHeaders): { sent: boolean; valid: boolean };
}

export const createApiKeyCheck = (apiKey: string): ApiKeyCheck => {
  const expected = hashApiKey(apiKey);
  return {
    id: expected.toString('hex').slice(0, 16),
    check(headers) {
      const sent = presentedKey(headers);
      return {
        sent: sent !== undefined,
        valid: sent !== undefined && timingSafeEqual(hashApiKey(sent), expected),
      };
    },
  };
};

/** Set on an authenticated request: what the rate limiter keys on (never the key itself). */
export const apiKeyIdOf = (res: Response): string | undefined => {
  const value: unknown = res.locals.apiKeyId;
  return typeof value === 'string' ? value : undefined;
};

/**
 * Refuses a request without the API key with 401 problem+json and `WWW-Authenticate`. Hashes are
 * compared in constant time, so the time of a refusal says nothing about how much of the key matched.
 * Neither the key nor what was sent is ever logged or echoed.
 */
export const createApiKeyAuth = (deps: {
  key: ApiKeyCheck;
  /** Every refusal, for the failed-authentication limit (auth-failure-limit.ts). */
  onFailure?: (req: Request) => void;
}): RequestHandler => {
  return (req, res, next) => {
    const { sent, valid } = deps.key.check(req.headers);
    if (valid) {
      res.locals.apiKeyId = deps.key.id;
      next();
      return;
    }
    deps.onFailure?.(req);
    res.setHeader('WWW-Authenticate', CHALLENGE);
    throw appError(
      'unauthorized',
      sent
        ? 'The API key is not valid'
        : `An API key is required: send it as ${API_KEY_HEADER}: <key> or Authorization: Bearer <key>`,
    );
  };
};
