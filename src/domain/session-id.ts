import { z } from 'zod';
import { appError } from '../error-catalog.js';
import type { AppError } from '../errors.js';

/** What a session id may be: it names a folder on disk, so nothing that could climb out of one. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const sessionIdSchema = z.string().regex(SESSION_ID_PATTERN);

const RULE = 'a session id is 1 to 64 of A-Z a-z 0-9 _ -';

export const invalidSessionId = (detail: string): AppError =>
  appError('invalid_session_id', `${detail}: ${RULE}`);

/**
 * The one check of a session id, before anything touches the disk with it: the id, or 400
 * `invalid_session_id` saying what is wrong.
 */
export const parseSessionId = (value: unknown): string => {
  if (typeof value !== 'string' || value === '') throw invalidSessionId('The session id is missing');
  if (!SESSION_ID_PATTERN.test(value)) throw invalidSessionId('The session id is not valid');
  return value;
};
