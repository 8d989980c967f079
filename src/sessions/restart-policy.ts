import type { RestartInfo } from '../domain/session.js';

/** The longest wait between two automatic restarts, whatever RESTART_BACKOFF_MS and the attempt. */
export const MAX_RESTART_DELAY_MS = 5 * 60_000;

/** A session READY this long before it failed counts as stable: its restart count starts over. */
export const STABLE_AFTER_MS = 60_000;

export const RESTART_LIMIT = 'RESTART_LIMIT';

/**
 * The wait before restart number `attempt` (1-based): RESTART_BACKOFF_MS doubled per attempt, capped,
 * then a random half of it taken off ("equal jitter"), so that sessions failing together (a network
 * blip) do not all come back in the same second.
 */
export const restartDelayMs = (attempt: number, baseMs: number, random: () => number): number => {
  const exponential = Math.min(MAX_RESTART_DELAY_MS, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exponential / 2 + (exponential / 2) * random());
};

export type RestartDecision =
  | { action: 'restart'; info: RestartInfo; delayMs: number }
  /** Automatic restarts are off (RESTART_MAX_ATTEMPTS=0): FAILED with the failure's own reason. */
  | { action: 'none' }
  /** The limit is reached: FAILED with reason RESTART_LIMIT, nothing scheduled. */
  | { action: 'give-up' };

/**
 * What a failure (launch failure, navigation failure, BROWSER_EXITED, start timeout) leads to, given
 * how many automatic restarts ran since the session was last stable. LOGOUT, DELETE and stop never
 * come here: they are not failures.
 */
export const afterFailure = (input: {
  restartsSoFar: number;
  maxAttempts: number;
  baseMs: number;
  now: Date;
  random: () => number;
}): RestartDecision => {
  if (input.maxAttempts === 0) return { action: 'none' };
  if (input.restartsSoFar >= input.maxAttempts) return { action: 'give-up' };
  const attempt = input.restartsSoFar + 1;
  const delayMs = restartDelayMs(attempt, input.baseMs, input.random);
  return {
    action: 'restart',
    delayMs,
    info: {
      attempt,
      maxAttempts: input.maxAttempts,
      nextAttemptAt: new Date(input.now.getTime() + delayMs).toISOString(),
    },
  };
};
