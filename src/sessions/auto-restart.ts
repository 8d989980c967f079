import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ManagedSessionConfig } from './managed-session-deps.js';
import { afterFailure, RESTART_LIMIT, STABLE_AFTER_MS } from './restart-policy.js';
import type { Session } from './session.js';

/**
 * One session's automatic restarts: the one way into FAILED records the failure and, unless restarts
 * are off or used up (then the reason is RESTART_LIMIT), schedules the next start with backoff and
 * jitter (restart-policy.ts). Its one timer is cleared by anything else that acts on the session
 * (a start by hand, stop, delete) and for good when the session ends.
 */
export class AutoRestart {
  private timer: NodeJS.Timeout | null = null;
  /** Automatic restarts since the session was last started by hand or was stable. */
  private restartsSoFar = 0;
  private ended = false;

  constructor(
    private readonly deps: {
      config: ManagedSessionConfig;
      logger: Logger;
      now: () => Date;
      random: () => number;
      record: Session;
      /** Starts the session again under its lock if it is still FAILED and listed; true if it did. */
      restart: () => Promise<boolean>;
    },
  ) {}

  /** Clears the pending restart; `resetCount` for a start by hand: the count starts over. */
  cancel(resetCount = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Nothing is scheduled any more: GET /sessions/:id must not show a restart that will not come.
    this.deps.record.restart = null;
    if (resetCount) this.restartsSoFar = 0;
  }

  /** The session is torn down or shut down: nothing is scheduled any more. */
  end(): void {
    this.ended = true;
    this.cancel();
  }

  fail(reason: string): void {
    const { record, config } = this.deps;
    this.cancel();
    const now = this.deps.now();
    // A session READY for a while before this failure was stable: its count starts over.
    if (record.state === 'READY' && now.getTime() - record.updatedAt.getTime() >= STABLE_AFTER_MS) {
      this.restartsSoFar = 0;
    }
    const decision = this.ended
      ? ({ action: 'none' } as const)
      : afterFailure({
          restartsSoFar: this.restartsSoFar,
          maxAttempts: config.RESTART_MAX_ATTEMPTS,
          baseMs: config.RESTART_BACKOFF_MS,
          now,
          random: this.deps.random,
        });
    if (decision.action === 'restart') record.restart = decision.info;
    const failed = record.transition('FAILED', decision.action === 'give-up' ? RESTART_LIMIT : reason);
    if (!failed || decision.action === 'none') return;
    if (decision.action === 'give-up') {
      record.log.error(
        { restarts: this.restartsSoFar, lastFailure: reason },
        `Session ${record.id} keeps failing: no more automatic restarts (RESTART_LIMIT)`,
      );
      return;
    }
    record.log.warn(
      { ...decision.info, lastFailure: reason },
      `Session ${record.id} will be restarted at ${decision.info.nextAttemptAt}`,
    );
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.ended) return;
      this.restartsSoFar += 1;
      this.deps
        .restart()
        .then((started) => {
          if (started) record.log.info({ attempt: this.restartsSoFar }, `Session ${record.id} restarted`);
        })
        .catch((err: unknown) => record.log.error({ err: toError(err) }, 'Automatic restart failed'));
    }, decision.delayMs);
  }
}
