import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { createWebhookUrlCheck } from '../events/webhook-url-guard.js';
import type { Logger } from '../logger.js';
import type { HttpObserver } from '../metrics/http-metrics.js';
import type { SessionManager } from '../sessions/types.js';
import { createApiKeyAuth, createApiKeyCheck } from './auth.js';
import { createAuthFailureLimit } from './auth-failure-limit.js';
import { compileTrust } from './client-address.js';
import { createDashboardRouter } from './dashboard.js';
import { createDocsRouter } from './docs.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { createFastLane } from './fast-lane.js';
import type { HealthRouter } from './health.js';
import { createMetricsRouter } from './metrics-route.js';
import { createOpenApiRouter } from './openapi/route.js';
import type { QrRenderer } from './qr-render.js';
import { createRateLimit } from './rate-limit.js';
import { createRequestId } from './request-id.js';
import { createRequestTracking } from './request-tracking.js';
import { createSessionsRouter } from './routes/sessions.js';
import { createSecurityHeaders } from './security.js';
import { unmatchedSessionPath } from './session-id.js';

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
  /**
   * Every route but /health/* (and /docs, /openapi.json with DOCS_PUBLIC) answers 401 without it.
   * main always gives one (see resolveApiKey); tests of other concerns leave it out.
   */
  apiKey?: string | null;
  /** `/health/live` and `/health/ready` (createHealthRouter) before authentication, its details behind it. */
  health?: HealthRouter;
  /** Request durations and `GET /metrics` (createMetrics). */
  metrics?: { observeHttp: HttpObserver; registry: Registry };
  /**
   * The fast lane (fast-lane.ts) answers the hot reads before Express; on by default. Off only in the
   * test that compares its answers with Express's own.
   */
  fastLane?: boolean;
  /**
   * Cluster mode only (main/http.ts builds it when CLUSTER=true): `forward` sends a request for a
   * session owned elsewhere to its owner before the body is read; `sessions` (list over the cluster,
   * placement, registry-only sessions) runs before the sessions routes.
   */
  cluster?: { instanceId: string; forward: RequestHandler; sessions: Router };
}

/** The request listener: the fast lane, then Express for everything it leaves. */
export type App = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /** The Express app behind it (its router, for the tests that walk it). */
  readonly express: Express;
};

/** Every route and handler, not listening: main.ts and the tests own that. */
export const createApp = (deps: AppDeps): App => {
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = express();
  app.disable('x-powered-by');
  // Parsed and checked by config.ts; compiled once, for Express and the fast lane alike.
  const trust = compileTrust(deps.config.TRUST_PROXY);
  app.set('trust proxy', trust);
  const tracking = createRequestTracking({
    logger: deps.logger,
    ...(deps.metrics ? { observe: deps.metrics.observeHttp } : {}),
  });
  const security = createSecurityHeaders();
  const key = deps.apiKey ? createApiKeyCheck(deps.apiKey) : undefined;
  const failures = createAuthFailureLimit({ limit: deps.config.AUTH_FAILURES_PER_MINUTE });
  const rateLimit = createRateLimit({ config: deps.config });
  const lane = createFastLane({
    tracking,
    security,
    trust,
    rateLimit,
    liveness: deps.health !== undefined,
    ...(key ? { auth: { key, failures } } : {}),
    // In cluster mode a session may be another instance's: its reads go through forwarding.
    ...(deps.cluster ? {} : { manager: deps.manager }),
  });

  // Request id first: every later log line, error included, carries it.
  app.use(createRequestId({ logger: deps.logger }));
  app.use(tracking.middleware);
  app.use(security.middleware);

  // Before the key: probes, and with DOCS_PUBLIC a browser opening /docs, carry none.
  if (deps.health) app.use(deps.health);
  const docs = [createOpenApiRouter({ docsPublic: deps.config.DOCS_PUBLIC }), createDocsRouter()];
  if (deps.config.DOCS_PUBLIC) app.use(...docs);
  // The dashboard's page and files hold no secret: the page asks for the key and sends it itself.
  app.use(createDashboardRouter());

  // Before the body parser: an unauthenticated body is never read. The failed-authentication limit
  // comes first, so an address that keeps guessing is refused before its key is even compared.
  if (key) {
    app.use(failures.handler);
    app.use(createApiKeyAuth({ key, onFailure: failures.recordFailure }));
  }
  app.use(rateLimit.handler);
  if (deps.health) app.use(deps.health.details);
  // Streamed to the owner as it comes: the body is read by the instance that runs the session.
  if (deps.cluster) app.use(deps.cluster.forward);
  app.use(express.json({ limit: bodyLimit }));
  if (!deps.config.DOCS_PUBLIC) app.use(...docs);
  if (deps.cluster) app.use(deps.cluster.sessions);

  app.use(lane.rethrow);
  app.use(
    createSessionsRouter({
      manager: deps.manager,
      checkWebhookUrl: createWebhookUrlCheck({ allowPrivate: deps.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS }),
      ...(deps.qrRenderer ? { qrRenderer: deps.qrRenderer } : {}),
      ...(deps.cluster ? { instanceId: deps.cluster.instanceId } : {}),
    }),
  );
  for (const router of deps.routers ?? []) app.use(router);
  if (deps.metrics) app.use(createMetricsRouter({ registry: deps.metrics.registry }));

  app.use('/sessions', unmatchedSessionPath);
  app.use(notFoundHandler);
  app.use(createErrorHandler({ bodyLimit }));

  if (deps.fastLane === false)
    return Object.assign((req: IncomingMessage, res: ServerResponse) => app(req, res), { express: app });
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (!lane.handle(req, res)) app(req, res);
  };
  return Object.assign(listener, { express: app });
};
