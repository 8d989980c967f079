import { createFencing } from '../cluster/fencing.js';
import { createInstanceRegistry, DuplicateInstanceError } from '../cluster/instance-registry.js';
import { createLeaseListener } from '../cluster/lease-notify.js';
import { createLeases, type Leases } from '../cluster/leases.js';
import { createTakeover, type Takeover } from '../cluster/takeover.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ClusterHooks } from '../sessions/cluster-hooks.js';
import type { Store } from '../store/store.js';
import { fail } from './fail.js';

export interface Cluster {
  /** The manager's `ownership` dep. */
  readonly ownership: Leases;
  /** Starts the takeover loop on the manager's hooks: cluster mode's restore at start, and its failover. */
  startTakeover(hooks: ClusterHooks): void;
  /** Takes no more sessions (the first step of a shutdown: a hand-over must not claim back). */
  stopTakeover(): void;
  /** Stops renewing, releases what is left (announced) and removes this instance's row; never throws. */
  leave(): Promise<void>;
  /** Called when this process lost its INSTANCE_ID to another (after fencing): main shuts down, exit 1. */
  onFatal(handler: (why: string) => void): void;
}

/**
 * Cluster mode's start (null without CLUSTER): joins wa_instances (a second live process with this
 * INSTANCE_ID exits 1 naming it), then renews and fences from the first moment. The takeover loop
 * starts later, once the manager and the HTTP server are up (startTakeover).
 */
export const startCluster = async (deps: {
  config: Config;
  logger: Logger;
  store: Store;
}): Promise<Cluster | null> => {
  const { config, store } = deps;
  if (!config.CLUSTER) return null;
  const logger = deps.logger.child({ instanceId: config.INSTANCE_ID });
  const url = config.ADVERTISE_URL;
  if (url === undefined || config.DATABASE_URL === undefined || store.connection.dialect !== 'postgres') {
    return fail('Invalid setting CLUSTER: CLUSTER=true needs DATABASE_URL (PostgreSQL) and ADVERTISE_URL');
  }
  const { db } = store.connection;
  const ttlMs = config.LEASE_TTL_MS;
  const renewMs = config.LEASE_RENEW_MS;
  const registry = createInstanceRegistry({
    db,
    instanceId: config.INSTANCE_ID,
    url,
    capacity: config.INSTANCE_CAPACITY,
    ttlMs,
    logger,
  });
  const leases = createLeases({ db, instanceId: config.INSTANCE_ID, ttlMs, queryTimeoutMs: renewMs, logger });
  let hooks: ClusterHooks | null = null;
  let takeover: Takeover | null = null;
  let fatal: (why: string) => void = (why) => fail(why);
  let joinedAt: number;
  try {
    joinedAt = await registry.join();
  } catch (err) {
    if (err instanceof DuplicateInstanceError) return fail(err.message);
    throw err;
  }
  const fencing = createFencing({
    registry,
    leases,
    ttlMs,
    renewMs,
    logger,
    onFence: () => void hooks?.fence(),
    onLost: (ids) => void hooks?.lose(ids),
    onRowLost: () => fatal(`INSTANCE_ID=${config.INSTANCE_ID} was taken over by another process`),
  });
  fencing.start(joinedAt);
  logger.info(
    { url, ttlMs, renewMs, capacity: config.INSTANCE_CAPACITY },
    `Joined the cluster as INSTANCE_ID=${config.INSTANCE_ID}`,
  );
  const listener = createLeaseListener({
    url: config.DATABASE_URL,
    onReleased: () => takeover?.poke(),
    logger,
    timeoutMs: 5000,
  });
  let listenTimer: NodeJS.Timeout | undefined;

  return {
    ownership: leases,
    startTakeover(target) {
      hooks = target;
      takeover = createTakeover({
        leases,
        target,
        capacity: Math.min(config.INSTANCE_CAPACITY, config.MAX_SESSIONS),
        concurrency: config.TAKEOVER_CONCURRENCY,
        intervalMs: renewMs,
        logger,
      });
      void listener.ensure();
      listenTimer = setInterval(() => void listener.ensure(), renewMs);
      takeover.start();
    },
    stopTakeover() {
      takeover?.stop();
      clearInterval(listenTimer);
    },
    async leave() {
      takeover?.stop();
      clearInterval(listenTimer);
      fencing.stop();
      await listener.close();
      // Whatever is still leased here has no browser any more (shutdown killed what did not close).
      leases.forget(leases.held());
      await leases
        .releaseStale()
        .catch((err: unknown) => logger.warn({ err }, 'Could not release the leases left; they expire'));
      await registry.leave(renewMs);
    },
    onFatal(handler) {
      fatal = handler;
    },
  };
};
