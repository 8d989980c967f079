import { appError, type ErrorCode } from '../error-catalog.js';
import type { AppError } from '../errors.js';
import type { SessionState } from './types.js';

export const sessionNotFound = (id: string): AppError =>
  appError('session_not_found', `No session with id "${id}".`);

/** 409: the session is not in a state for what was asked; the state goes with the answer. */
export const wrongState = (code: ErrorCode, message: string, state: SessionState): AppError =>
  appError(code, message, { details: { state } });
