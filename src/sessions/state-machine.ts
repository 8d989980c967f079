import type { SessionState } from './types.js';

/**
 * Every allowed edge of a session's life. Anything not listed is a bug: it is logged and refused,
 * never thrown (a state change often happens inside a library event listener).
 *
 * STARTING → QR → AUTHENTICATED → READY is the happy path; a restored session skips QR.
 * Any live state → DISCONNECTED (the library's reason) or CLOSING (stop, delete, cleanup).
 * STARTING/QR/AUTHENTICATED → FAILED (launch failed, init timed out, browser died before READY).
 * DISCONNECTED, STOPPED and FAILED can be started again (→ STARTING) or torn down (→ CLOSING).
 * CLOSING → STOPPED (stop keeps the auth folder); removal from the Map is not a state.
 */
export const allowedTransitions: Readonly<Record<SessionState, readonly SessionState[]>> = {
  STARTING: ['QR', 'AUTHENTICATED', 'READY', 'DISCONNECTED', 'FAILED', 'CLOSING'],
  QR: ['AUTHENTICATED', 'DISCONNECTED', 'FAILED', 'CLOSING'],
  AUTHENTICATED: ['READY', 'DISCONNECTED', 'FAILED', 'CLOSING'],
  READY: ['DISCONNECTED', 'FAILED', 'CLOSING'],
  DISCONNECTED: ['STARTING', 'CLOSING'],
  CLOSING: ['STOPPED'],
  STOPPED: ['STARTING', 'CLOSING'],
  FAILED: ['STARTING', 'CLOSING'],
};

export const canTransition = (from: SessionState, to: SessionState): boolean =>
  allowedTransitions[from].includes(to);
