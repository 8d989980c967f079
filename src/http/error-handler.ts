import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { fieldErrors } from '../domain/field-errors.js';
import { type ErrorCode, timeoutError } from '../error-catalog.js';
import { isAppError, toError } from '../errors.js';
import { isTimeoutError } from '../timeout.js';
import { type ProblemBody, problemBody, sendProblem } from './problem.js';

/**
 * The errors body-parser and the router raise for a bad request (http-errors: numeric `status`,
 * a `type` for body-parser's). Their messages are not echoed: V8's JSON messages quote the body.
 */
const clientErrorsByType: Record<string, { code: ErrorCode; detail: (limit: string) => string }> = {
  'entity.parse.failed': { code: 'invalid_json', detail: () => 'The request body is not valid JSON' },
  'entity.too.large': {
    code: 'payload_too_large',
    detail: (limit) => `The request body is larger than the limit of ${limit}`,
  },
  'entity.verify.failed': { code: 'bad_request', detail: () => 'The request body was refused' },
  'encoding.unsupported': {
    code: 'unsupported_media_type',
    detail: () => 'The request body has an unsupported Content-Encoding',
  },
  'charset.unsupported': {
    code: 'unsupported_media_type',
    detail: () => 'The request body has an unsupported charset; send UTF-8 JSON',
  },
  'request.aborted': { code: 'request_aborted', detail: () => 'The request was aborted' },
  'request.size.invalid': {
    code: 'bad_request',
    detail: () => 'The request body length does not match Content-Length',
  },
};

const codesByStatus: Record<number, ErrorCode> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

interface HttpLikeError {
  status: number;
  type?: unknown;
  message: string;
}

const clientHttpError = (err: unknown): HttpLikeError | undefined => {
  if (typeof err !== 'object' || err === null) return undefined;
  const candidate = err as { status?: unknown; statusCode?: unknown; type?: unknown; message?: unknown };
  const status = typeof candidate.status === 'number' ? candidate.status : candidate.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return {
    status,
    type: candidate.type,
    message: typeof candidate.message === 'string' ? candidate.message : '',
  };
};

/**
 * Every error becomes a problem+json answer. A bad request is a 4xx with the reason; anything not
 * expected is a 500 with a generic detail (the error itself goes to the log, with the request id).
 */
export const createErrorHandler =
  (deps: { bodyLimit: string }): ErrorRequestHandler =>
  (err: unknown, req, res, next) => {
    // Too late for a problem body (a stream was under way): let Express cut the connection.
    if (res.headersSent) {
      req.log.error({ err: toError(err) }, 'error after the response had started');
      next(err);
      return;
    }
    sendProblem(res, toProblem(err, req, deps.bodyLimit));
  };

const toProblem = (err: unknown, req: Parameters<ErrorRequestHandler>[1], bodyLimit: string): ProblemBody => {
  const requestId = req.id;
  if (isAppError(err)) {
    if (err.status >= 500) req.log.error({ err, code: err.code }, 'request failed');
    return problemBody({
      status: err.status,
      code: err.code,
      detail: err.message,
      details: err.details,
      requestId,
    });
  }
  // A time limit no layer below mapped: the HTTP answer to it is the catalog's.
  if (isTimeoutError(err)) return toProblem(timeoutError(err), req, bodyLimit);
  if (err instanceof z.ZodError) {
    return problemBody({
      status: 400,
      code: 'invalid_request',
      detail: 'The request is not valid',
      details: { errors: fieldErrors(err.issues, 'request') },
      requestId,
    });
  }
  const httpError = clientHttpError(err);
  if (httpError) {
    const known = typeof httpError.type === 'string' ? clientErrorsByType[httpError.type] : undefined;
    if (known) {
      return problemBody({
        status: httpError.status,
        code: known.code,
        detail: known.detail(bodyLimit),
        requestId,
      });
    }
    // The router's own 400s (a path parameter that is not valid percent-encoding) carry a safe message.
    return problemBody({
      status: httpError.status,
      code: codesByStatus[httpError.status] ?? 'bad_request',
      detail: httpError.message || 'The request is not valid',
      requestId,
    });
  }
  req.log.error({ err: toError(err) }, 'unexpected error');
  return problemBody({
    status: 500,
    code: 'internal',
    detail: 'An unexpected error occurred; quote the request id when reporting it',
    requestId,
  });
};

/** Any request no route answered. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(
    res,
    problemBody({
      status: 404,
      code: 'not_found',
      detail: `No route for ${req.method} ${req.path}`,
      requestId: req.id,
    }),
  );
};
