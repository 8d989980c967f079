import express, { type Express, type Router } from 'express';
import { type Config, ConfigError } from '../config.js';
import type { Logger } from '../logger.js';
import type { SessionManager } from '../sessions/types.js';
import { createAccessLog } from './access-log.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import type { QrRenderer } from './qr-render.js';
import { createRequestId } from './request-id.js';
import { createSessionsRouter } from './routes/sessions.js';
import { unmatchedSessionPath } from './session-id.js';
import { parseTrustProxy } from './trust-proxy.js';

/** Large enough for base64 media in a message body (16 MB of base64 is ~12 MB of file). */
export const DEFAULT_BODY_LIMIT = '16mb';

export interface AppDeps {
  manager: SessionManager;
  config: Config;
  logger: Logger;
  /** Mounted after the sessions routes, before the 404 and error handlers (events, messages, ...). */
  routers?: Router[];
  /** Defaults to DEFAULT_BODY_LIMIT; parsed by `bytes` ('1kb', '16mb'). */
  bodyLimit?: string;
  qrRenderer?: QrRenderer;
}

/** The Express app with every route and handler, not listening: main.ts and the tests own that. */
export const createApp = (deps: AppDeps): Express => {
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = express();
  app.disable('x-powered-by');
  try {
    app.set('trust proxy', parseTrustProxy(deps.config.TRUST_PROXY));
  } catch {
    // proxy-addr refuses a bad address list when it is set: name the setting, as config errors do.
    throw new ConfigError(
      `Invalid setting TRUST_PROXY=${JSON.stringify(deps.config.TRUST_PROXY)}: accepts true, false, a hop count, or addresses, subnets and loopback/linklocal/uniquelocal, comma-separated`,
    );
  }

  // Request id first: every later log line, error included, carries it.
  app.use(createRequestId({ logger: deps.logger }));
  app.use(createAccessLog());
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(express.json({ limit: bodyLimit }));

  app.use(
    createSessionsRouter({
      manager: deps.manager,
      ...(deps.qrRenderer ? { qrRenderer: deps.qrRenderer } : {}),
    }),
  );
  for (const router of deps.routers ?? []) app.use(router);

  app.use('/sessions', unmatchedSessionPath);
  app.use(notFoundHandler);
  app.use(createErrorHandler({ bodyLimit }));
  return app;
};
