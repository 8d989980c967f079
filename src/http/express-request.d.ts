import type { Logger } from '../logger.js';

declare global {
  namespace Express {
    interface Request {
      /** The request's id: the caller's `X-Request-Id` when acceptable, otherwise a new UUID. */
      id: string;
      /** The app logger bound to this request (`reqId`); use it for anything logged while serving it. */
      log: Logger;
    }
  }
}
