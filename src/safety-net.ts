import { toError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * whatsapp-web.js rejects from inside its own event listeners (TargetCloseError, "Execution context
 * was destroyed", EBUSY from LocalAuth.logout): with no handler, Node ends the process. Those are
 * logged. An uncaught exception leaves the process in an unknown state: logged at fatal, then a
 * graceful shutdown and a non-zero exit for the supervisor to restart it (sessions are restored).
 * Returns the function that removes both handlers.
 */
export const installSafetyNet = (deps: {
  logger: Logger;
  target?: NodeJS.EventEmitter;
  onFatal: (err: Error) => void;
}): (() => void) => {
  const target = deps.target ?? process;
  const onRejection = (reason: unknown) => {
    deps.logger.error({ err: toError(reason) }, 'Unhandled promise rejection (contained)');
  };
  const onException = (err: unknown) => {
    deps.logger.fatal({ err: toError(err) }, 'Uncaught exception: shutting down');
    deps.onFatal(toError(err));
  };
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return () => {
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };
};
