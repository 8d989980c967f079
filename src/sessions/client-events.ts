import type { EventBus } from '../events/types.js';
import type { Session } from './session.js';
import type { SessionClient, SessionState } from './types.js';

/** States of a session whose client is starting: it may still show a QR, authenticate or fail. */
export const STARTED_STATES: ReadonlySet<SessionState> = new Set(['STARTING', 'QR', 'AUTHENTICATED']);

/**
 * Turns one client's events into the session's state and the bus's events. Every listener first
 * checks that this client is still the session's current one (`current()`): a replaced client
 * that keeps talking — the library emits a fresh `qr` after a LOGOUT, for one — changes nothing.
 * Disconnects and browser exits go to the ManagedSession, which owns the teardown.
 */
export const wireClientEvents = (deps: {
  session: Session;
  client: SessionClient;
  /** True while this client is still the session's current one. */
  current: () => boolean;
  bus: EventBus;
  now: () => Date;
  onDisconnected: (reason: string) => void;
  onBrowserExited: () => void;
}): void => {
  const { session, client, current, bus } = deps;
  client.on('qr', (qr) => {
    if (!current() || (session.state !== 'STARTING' && session.state !== 'QR')) return;
    if (session.state === 'STARTING') session.transition('QR');
    session.qr = { qr, at: deps.now().toISOString() };
    bus.publish('session.qr', session.id, { qr });
  });
  client.on('authenticated', () => {
    if (current() && (session.state === 'STARTING' || session.state === 'QR')) {
      session.transition('AUTHENTICATED');
    }
  });
  client.on('ready', () => {
    if (!current() || !STARTED_STATES.has(session.state)) return;
    session.me = client.me();
    session.transition('READY');
    session.log.info({ me: session.me }, `Session ${session.id} is ready`);
  });
  client.on('auth_failure', (message) => {
    if (current()) session.log.warn({ message }, 'Authentication failed');
  });
  client.on('disconnected', (reason) => deps.onDisconnected(String(reason)));
  client.on('browser_exited', () => deps.onBrowserExited());
  client.on('message', (message) => {
    if (current()) bus.publish('message.received', session.id, message);
  });
  client.on('message_ack', (ack) => {
    if (current()) bus.publish('message.ack', session.id, ack);
  });
};
