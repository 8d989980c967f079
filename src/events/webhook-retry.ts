/** What one delivery attempt came to; the dispatcher decides on retries from this alone. */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; reason: string; status?: number; retryAfterMs?: number; err?: unknown }
  // No status when the attempt was refused before it was sent (a forbidden address).
  | { kind: 'fail'; reason: string; status?: number }
  | { kind: 'aborted' };

/**
 * 2xx is done. 429 and 5xx are the receiver saying "later"; any other status (4xx, and 3xx since
 * redirects are not followed for a signed POST) will not change by sending the same body again.
 */
export const classifyStatus = (status: number, retryAfter: string | null, nowMs: number): AttemptOutcome => {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 429 || (status >= 500 && status < 600)) {
    const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
    return retryAfterMs === undefined
      ? { kind: 'retry', reason: `HTTP ${status}`, status }
      : { kind: 'retry', reason: `HTTP ${status}`, status, retryAfterMs };
  }
  return { kind: 'fail', reason: `HTTP ${status}`, status };
};

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3); anything else is ignored. */
export const parseRetryAfter = (value: string | null, nowMs: number): number | undefined => {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
};

/**
 * Exponential backoff with full jitter (a random delay between 0 and the capped exponential), so
 * many deliveries failing together do not come back together. A receiver's Retry-After wins, but
 * bounded by the same cap so one header cannot park a delivery for a day.
 */
export const retryDelay = (input: {
  attempt: number;
  baseMs: number;
  maxMs: number;
  random: () => number;
  retryAfterMs?: number;
}): number => {
  if (input.retryAfterMs !== undefined) return Math.min(input.retryAfterMs, input.maxMs);
  const ceiling = Math.min(input.maxMs, input.baseMs * 2 ** (input.attempt - 1));
  return Math.floor(input.random() * ceiling);
};
