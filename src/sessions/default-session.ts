import { isAppError, toError } from '../errors.js';
import type { EventBus } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { SessionManager } from './types.js';

/**
 * DEFAULT_SESSION: one session that exists for the life of the process, for users who run a single
 * number. It goes through the same SessionManager and the same teardown as any other session: this
 * module only decides when to create it. Created at start (restore() brings it back first when its
 * folder exists); created again with a fresh QR after its LOGOUT cleanup; a DELETE removes it until
 * the next start.
 */
export const createDefaultSession = (deps: {
  id: string;
  manager: Pick<SessionManager, 'create' | 'list'>;
  bus: EventBus;
  logger: Logger;
}) => {
  const log = deps.logger.child({ sessionId: deps.id, defaultSession: true });
  let deleted = false;
  let closed = false;

  const ensure = async (): Promise<void> => {
    if (deleted || closed) return;
    if (deps.manager.list().some((s) => s.id === deps.id)) return;
    try {
      await deps.manager.create(deps.id);
      log.info(`Default session ${deps.id} created; scan its QR to link a phone`);
    } catch (err) {
      if (isAppError(err) && (err.code === 'session_live' || err.code === 'shutting_down')) return;
      log.error({ err: toError(err) }, `Could not create the default session ${deps.id}`);
    }
  };

  const unsubscribe = deps.bus.subscribe((event) => {
    if (event.type !== 'session.removed' || event.sessionId !== deps.id || closed) return;
    if (event.payload.reason === 'DELETED') {
      deleted = true;
      log.info(`Default session ${deps.id} deleted; it comes back at the next start`);
      return;
    }
    log.info({ reason: event.payload.reason }, `Default session ${deps.id} removed; creating it again`);
    void ensure();
  });

  return {
    /** Call after restore(): creates the session unless restore already brought it back. */
    start: ensure,
    close(): void {
      closed = true;
      unsubscribe();
    },
  };
};
