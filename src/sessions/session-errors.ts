import { AppError } from '../errors.js';
import type { SessionState } from './types.js';

export const sessionNotFound = (id: string): AppError =>
  new AppError(404, 'session_not_found', `No session with id "${id}".`);

/** 409: the session is not in a state for what was asked; the state goes with the answer. */
export const wrongState = (code: string, message: string, state: SessionState): AppError =>
  new AppError(409, code, message, { details: { state } });
