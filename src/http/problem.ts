import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * An RFC 9457 problem body. `type` is always `about:blank`: the machine-readable identity of a problem
 * is `code` (stable, snake_case), so `title` is the status phrase as §4.2.1 asks for that type.
 * `requestId` lets a user quote the failing request to whoever reads the logs.
 */
export interface ProblemBody {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

const reservedMembers = new Set(['type', 'title', 'status', 'detail', 'code', 'requestId']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Builds the body. Object details are spread as extension members (never overriding the standard
 * ones); anything else that is not undefined is kept under `details` so it is not lost.
 */
export const problemBody = (input: {
  status: number;
  code: string;
  detail: string;
  details?: unknown;
  requestId?: string;
}): ProblemBody => {
  const extensions: Record<string, unknown> = {};
  if (isPlainObject(input.details)) {
    for (const [key, value] of Object.entries(input.details)) {
      if (!reservedMembers.has(key)) extensions[key] = value;
    }
  } else if (input.details !== undefined) {
    extensions.details = input.details;
  }
  return {
    type: 'about:blank',
    title: STATUS_CODES[input.status] ?? 'Error',
    status: input.status,
    detail: input.detail,
    code: input.code,
    ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
    ...extensions,
  };
};

export const sendProblem = (res: Response, body: ProblemBody): void => {
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).json(body);
};
