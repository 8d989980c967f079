import { AppError } from './errors.js';

export class TimeoutError extends AppError {
  constructor(what: string, ms: number) {
    super(504, 'timeout', `${what} did not finish within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Races `work` against a timer that is always cleared, so no timer outlives the race. The work is
 * not cancelled (a promise cannot be): the caller decides what to do with what keeps running.
 * A late rejection of `work` is swallowed here so that it never becomes an unhandled rejection.
 */
export const withTimeout = <T>(work: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
