import type { ReadyCall, SessionManager } from '../sessions/types.js';
import type { WhatsAppPort } from './port.js';

/** One session's READY client, bounded per call: what the operations in src/whatsapp run on. */
export type SessionRunner = <T>(call: ReadyCall, work: (wa: WhatsAppPort) => Promise<T>) => Promise<T>;

export const runnerFor =
  (manager: Pick<SessionManager, 'runOnReady'>, sessionId: string): SessionRunner =>
  (call, work) =>
    manager.runOnReady(sessionId, call, work);
