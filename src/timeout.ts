/**
 * A time limit that ran out. It knows nothing of HTTP: whoever answers a request maps it (the
 * error catalog's `timeout`, 504).
 */
export class TimeoutError extends Error {
  readonly what: string;
  readonly ms: number;

  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'TimeoutError';
    this.what = what;
    this.ms = ms;
  }
}

export const isTimeoutError = (value: unknown): value is TimeoutError => value instanceof TimeoutError;

/**
 * Races `work` against a timer that is always cleared, so no timer outlives the race. A promise
 * cannot be cancelled: given as a function, the work receives an AbortSignal that is aborted when
 * the limit is reached, so work that polls or waits can stop instead of going on after losing.
 * A late rejection of `work` is swallowed here so that it never becomes an unhandled rejection.
 */
export const withTimeout = <T>(
  work: Promise<T> | ((signal: AbortSignal) => Promise<T>),
  ms: number,
  what: string,
): Promise<T> => {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(what, ms);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  const running =
    typeof work === 'function' ? new Promise<T>((resolve) => resolve(work(controller.signal))) : work;
  running.catch(() => undefined);
  return Promise.race([running, limit]).finally(() => clearTimeout(timer));
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
