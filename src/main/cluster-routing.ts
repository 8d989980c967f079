import type { Kysely } from 'kysely';
import { createClusterDirectory } from '../cluster/directory.js';
import type { Config } from '../config.js';
import type { EventBus } from '../events/types.js';
import { createForwarder, createForwardToOwner } from '../http/forward-to-owner.js';
import { createClusterSessionsRouter } from '../http/routes/cluster-sessions.js';
import type { Logger } from '../logger.js';
import type { SessionManager } from '../sessions/types.js';
import type { Database } from '../store/schema.js';

/** Each other instance gets this long to list its sessions for GET /sessions. */
const LIST_TIMEOUT_MS = 3000;

/** Cluster mode's part of the HTTP app (forwarding, placement, the cluster-wide list); null without CLUSTER. */
export const createClusterRouting = (deps: {
  config: Config;
  logger: Logger;
  /** The store's PostgreSQL (cluster mode always has one). */
  db: Kysely<Database>;
  manager: SessionManager;
  bus: EventBus;
}) => {
  const { config, logger, manager } = deps;
  if (!config.CLUSTER) return null;
  const self = { id: config.INSTANCE_ID, url: config.ADVERTISE_URL ?? '' };
  const directory = createClusterDirectory({ db: deps.db, self });
  const forwarder = createForwarder({ selfId: self.id, timeoutMs: config.FORWARD_TIMEOUT_MS, logger });
  return {
    directory,
    forwarder,
    app: {
      instanceId: self.id,
      // SSE is answered on any instance: it carries the events of every instance (cluster-events.ts).
      forward: createForwardToOwner({
        directory,
        isLocal: (id) => manager.has(id),
        forwarder,
        answeredLocally: (p) => p.endsWith('/events'),
      }),
      sessions: createClusterSessionsRouter({
        manager,
        directory,
        forwarder,
        bus: deps.bus,
        listTimeoutMs: Math.min(LIST_TIMEOUT_MS, config.FORWARD_TIMEOUT_MS),
      }),
    },
  };
};
