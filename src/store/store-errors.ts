import { appError } from '../error-catalog.js';
import { AppError, toError } from '../errors.js';

/**
 * A write the request needed did not reach the database (disk full, read-only DATA_DIR, PostgreSQL
 * gone): 503, nothing changed, the server keeps serving. The cause is logged, never sent.
 */
export const storeUnavailable = (cause: unknown): AppError =>
  appError(
    'store_unavailable',
    'The server could not save this change: its database is unavailable. Nothing was changed; try again later.',
    { cause: toError(cause) },
  );

/** Runs a store call for a request: any failure becomes the 503 above. */
export const forRequest = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw storeUnavailable(err);
  }
};
