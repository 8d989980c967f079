import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { disconnectReasons, removalReasons } from '../domain/reasons.js';
import type { EventBus } from '../events/types.js';
import { isLogout } from '../sessions/disconnect-policy.js';
import { type SessionManager, sessionStates } from '../sessions/types.js';

/** Label values are a fixed set: anything else (a library reason added later) counts as `other`. */
const knownDisconnectReasons: ReadonlySet<string> = new Set(disconnectReasons);
const knownRemovalReasons: ReadonlySet<string> = new Set(removalReasons);

const bounded = (reason: string | null, known: ReadonlySet<string>): string =>
  reason !== null && known.has(reason) ? reason : 'other';

export interface SessionMetricsDeps {
  registry: Registry;
  bus: EventBus;
  manager: Pick<SessionManager, 'list'>;
  /** Milliseconds; injected so tests measure a cleanup without waiting for one. */
  now?: () => number;
}

/**
 * Session counts by state (read from the manager at scrape time), and what the event bus reports:
 * starts, failures, disconnects, removals, and how long a LOGOUT takes to be cleaned up (from
 * DISCONNECTED with reason LOGOUT to `session.removed` with reason LOGOUT). Returns the unsubscribe.
 */
export const registerSessionMetrics = (deps: SessionMetricsDeps): (() => void) => {
  const registers = [deps.registry];
  const now = deps.now ?? Date.now;
  const { manager } = deps;

  new Gauge({
    name: 'wa_sessions_sessions',
    help: 'Sessions in the server, by state',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = new Map<string, number>(sessionStates.map((state) => [state, 0]));
      for (const session of manager.list()) counts.set(session.state, (counts.get(session.state) ?? 0) + 1);
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  const starts = new Counter({
    name: 'wa_sessions_session_starts_total',
    help: 'Session starts (created, started again or restored)',
    registers,
  });
  const failures = new Counter({
    name: 'wa_sessions_session_failures_total',
    help: 'Sessions that went FAILED (browser did not launch, init timed out, browser exited)',
    registers,
  });
  const disconnects = new Counter({
    name: 'wa_sessions_session_disconnects_total',
    help: 'Sessions disconnected, by the library reason (unknown reasons as other)',
    labelNames: ['reason'],
    registers,
  });
  const removals = new Counter({
    name: 'wa_sessions_session_cleanups_total',
    help: 'Sessions torn down and removed, by reason: LOGOUT (auto-cleanup), DELETED, START_FAILED',
    labelNames: ['reason'],
    registers,
  });
  const cleanupDuration = new Histogram({
    name: 'wa_sessions_session_cleanup_duration_seconds',
    help: 'From a LOGOUT disconnect to the session removed (cleanup delay included)',
    buckets: [0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 30, 60],
    registers,
  });

  /** Per session, when its LOGOUT disconnect was seen; one entry at most per live session. */
  const logoutAt = new Map<string, number>();

  return deps.bus.subscribe((event) => {
    if (event.type === 'session.status') {
      const { state, reason } = event.payload;
      if (state === 'STARTING') starts.inc();
      if (state === 'FAILED') failures.inc();
      if (state === 'DISCONNECTED') disconnects.inc({ reason: bounded(reason, knownDisconnectReasons) });
      if (state === 'DISCONNECTED' && isLogout(reason)) logoutAt.set(event.sessionId, now());
      // CLOSING is the cleanup under way; anything else (started again) ends the measurement.
      else if (state !== 'CLOSING') logoutAt.delete(event.sessionId);
    } else if (event.type === 'session.removed') {
      const reason = event.payload.reason;
      removals.inc({ reason: bounded(reason, knownRemovalReasons) });
      const since = logoutAt.get(event.sessionId);
      logoutAt.delete(event.sessionId);
      if (since !== undefined && isLogout(reason)) cleanupDuration.observe((now() - since) / 1000);
    }
  });
};
