import type { Config } from '../config.js';
import type { WebhookSettings } from '../domain/session.js';
import { webhookUrlProblem } from '../domain/webhook-url.js';
import type { Logger } from '../logger.js';
import { matchesEventFilter, unknownEventFilters } from './event-filter.js';
import type { AnyWaEvent } from './types.js';

export interface WebhookTargets {
  /** The receiver URLs an event goes to: WEBHOOK_URL when its filter matches, and the session's own. */
  of(event: AnyWaEvent): string[];
  /** Session webhooks skipped because their URL is unusable. */
  unusable(): number;
}

/** Decides, when an event is published, which receivers get it. */
export const createWebhookTargets = (deps: {
  config: Pick<Config, 'WEBHOOK_URL' | 'WEBHOOK_EVENTS'>;
  logger: Logger;
  /** The session's own webhook, read when each event is published; null when it has none (or is gone). */
  getSessionWebhook: (sessionId: string) => WebhookSettings | null;
}): WebhookTargets => {
  const { config, logger } = deps;
  // WEBHOOK_URL was checked by config.ts.
  const globalUrl = config.WEBHOOK_URL;
  const unknown = unknownEventFilters(config.WEBHOOK_EVENTS);
  if (unknown.length > 0) {
    logger.warn({ unknown }, 'WEBHOOK_EVENTS names event types that do not exist; they never match');
  }
  /** Per session, its webhook as last seen; one entry per live session, dropped at session.removed. */
  const lastKnown = new Map<string, WebhookSettings>();
  let unusable = 0;

  return {
    unusable: () => unusable,
    of(event) {
      const urls = new Set<string>();
      if (globalUrl !== undefined && matchesEventFilter(event.type, config.WEBHOOK_EVENTS))
        urls.add(globalUrl);
      let own: WebhookSettings | null = null;
      try {
        own = deps.getSessionWebhook(event.sessionId);
      } catch (err) {
        // A session removed between publish and here is not a reason to lose the global delivery.
        logger.debug({ err, sessionId: event.sessionId }, 'No session webhook settings for event');
      }
      // `session.removed` is published when the session may already be gone from the manager, yet it
      // is the event its own webhook most needs: use the settings last seen for it, then forget them.
      if (own !== null) lastKnown.set(event.sessionId, own);
      if (event.type === 'session.removed') {
        own ??= lastKnown.get(event.sessionId) ?? null;
        lastKnown.delete(event.sessionId);
      }
      if (own !== null && matchesEventFilter(event.type, own.events)) {
        const problem = webhookUrlProblem(own.url);
        if (problem === null) urls.add(new URL(own.url).toString());
        else {
          unusable += 1;
          logger.warn(
            { sessionId: event.sessionId, problem },
            'Session webhook URL is unusable; event not sent',
          );
        }
      }
      // A Set, so a session webhook equal to the global one gets the event once, not twice.
      return [...urls];
    },
  };
};

/** Origin and path only: webhook URLs often carry a token in the query, which must not reach the log. */
export const safeUrl = (value: string): string => {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '[unparseable url]';
  }
};
