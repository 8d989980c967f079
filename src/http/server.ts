import { createServer, type RequestListener, type Server } from 'node:http';

export interface HttpServerLimits {
  /** A client must send its whole request head within this (slowloris). */
  headersTimeoutMs: number;
  /** ...and its whole request, body included; a response that streams (SSE) is not bound by it. */
  requestTimeoutMs: number;
  /** Open connections at once; past it a new connection is closed as soon as it is accepted. */
  maxConnections: number;
}

/**
 * The HTTP server with limits on slow and numerous clients. Node's defaults (60 s for the head,
 * 300 s for the request, checked every 30 s, no connection cap) let a few slow clients hold
 * connections for minutes each. The check runs every second so a limit fires near its value.
 */
export const createHttpServer = (app: RequestListener, limits: HttpServerLimits): Server => {
  const server = createServer(
    {
      // Node refuses a head timeout longer than the request timeout.
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    app,
  );
  server.maxConnections = limits.maxConnections;
  return server;
};
