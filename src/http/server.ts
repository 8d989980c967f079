import { createServer, type RequestListener, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, errorCatalog } from '../error-catalog.js';
import { PROBLEM_CONTENT_TYPE, problemBody } from './problem.js';

export interface HttpServerLimits {
  /** A client must send its whole request head within this (slowloris). */
  headersTimeoutMs: number;
  /** ...and its whole request, body included; a response that streams (SSE) is not bound by it. */
  requestTimeoutMs: number;
  /** Open connections at once; past it a new connection is closed as soon as it is accepted. */
  maxConnections: number;
}

/** Node's own refusals, before Express sees the request: which code they become. */
const clientErrors: Record<string, { code: ErrorCode; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', detail: 'The request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { code: 'headers_too_large', detail: 'The request headers are too large' },
};

const problemText = (code: ErrorCode, detail: string): string => {
  const { status } = errorCatalog[code];
  const body = JSON.stringify(problemBody({ status, code, detail }));
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
};

/**
 * The HTTP server with limits on slow and numerous clients. Node's defaults (60 s for the head,
 * 300 s for the request, checked every 30 s, no connection cap) let a few slow clients hold
 * connections for minutes each. The check runs every second so a limit fires near its value.
 * What Node refuses itself (a malformed request, a timeout, an Expect it does not know) is answered
 * as problem+json too, like every other error of the API.
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
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Gone, or an answer already under way: nothing more can be said on this connection.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const known = clientErrors[err.code ?? ''];
    socket.end(
      known
        ? problemText(known.code, known.detail)
        : problemText('bad_request', 'The request is not valid HTTP'),
    );
  });
  server.on('checkExpectation', (_req, res) => {
    const body = JSON.stringify(
      problemBody({
        status: 417,
        code: 'expectation_failed',
        detail: 'Only "Expect: 100-continue" is supported',
      }),
    );
    res
      .writeHead(errorCatalog.expectation_failed.status, {
        'Content-Type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
        'Content-Length': Buffer.byteLength(body),
        Connection: 'close',
      })
      .end(body);
  });
  return server;
};
