import { performance } from 'node:perf_hooks';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { InstanceRegistry } from './instance-registry.js';
import type { Leases } from './leases.js';

/**
 * How long after the SENDING of its last successful renewal an instance may go on running browsers.
 * The lease that renewal wrote expires LEASE_TTL_MS after the database ran it, which is later than the
 * sending: fencing at two thirds of the TTL leaves at least a third (5 s by default) for the kill,
 * and the renewals every LEASE_RENEW_MS (at most a third of the TTL) get at least two more tries.
 */
export const fenceAfterMs = (ttlMs: number): number => ttlMs - Math.floor(ttlMs / 3);

export interface Fencing {
  /** Starts renewing every LEASE_RENEW_MS; `joinedSentAt` is when the join's insert was sent. */
  start(joinedSentAt: number): void;
  stop(): void;
  /** Monotonic ms: when the browsers are killed unless a renewal succeeds first. */
  deadline(): number;
}

/**
 * Renews this instance's heartbeat and all its leases in one statement every LEASE_RENEW_MS, and
 * fences: when no renewal has succeeded within fenceAfterMs of the last good one's sending (counted on
 * this host's monotonic clock), every local browser is killed before any lease can expire, so a
 * session never runs on two instances even when this one is cut off from the database. Leases found
 * lost at a renewal (taken by another after they expired) are given up the same way.
 */
export const createFencing = (deps: {
  registry: InstanceRegistry;
  leases: Leases;
  ttlMs: number;
  renewMs: number;
  logger: Logger;
  /** Kill every local session's browser now, unlist them, keep their records. */
  onFence: () => void;
  /** These sessions' leases belong to someone else now: stop them here. */
  onLost: (ids: string[]) => void;
  /** This process's wa_instances row is gone (another process took the INSTANCE_ID). */
  onRowLost: () => void;
  now?: () => number;
}): Fencing => {
  const { registry, leases, ttlMs, renewMs, logger } = deps;
  const now = deps.now ?? (() => performance.now());
  const fenceAfter = fenceAfterMs(ttlMs);
  let lastOk = now();
  let renewTimer: NodeJS.Timeout | undefined;
  let fenceTimer: NodeJS.Timeout | undefined;
  let stopped = true;

  const fence = (why: string): void => {
    if (leases.fenced) return;
    leases.setFenced(true);
    const ids = leases.held();
    leases.forget(ids);
    logger.error(
      { sessions: ids.length, why, lastRenewalMsAgo: Math.round(now() - lastOk) },
      'Fenced: cannot prove the leases are still ours; killing every local browser',
    );
    deps.onFence();
  };

  const armFence = (): void => {
    clearTimeout(fenceTimer);
    if (stopped) return;
    fenceTimer = setTimeout(
      () => fence('no renewal succeeded in time'),
      Math.max(0, lastOk + fenceAfter - now()),
    );
  };

  const renewOnce = async (): Promise<void> => {
    const sentAt = now();
    const ids = leases.held();
    try {
      // Never waited for past the fencing deadline: a late answer would not save the leases anyway.
      const limit = Math.max(250, Math.min(renewMs, lastOk + fenceAfter - sentAt));
      const { instance, kept } = await registry.renew(ids, limit);
      if (!instance) {
        fence('this INSTANCE_ID was taken by another process');
        deps.onRowLost();
        return;
      }
      if (leases.fenced) {
        // Reachable again: the rows of the sessions killed meanwhile are released, so they are taken over now.
        await leases.releaseStale();
        leases.setFenced(false);
        logger.warn('The database answers again: this instance takes sessions again');
      }
      lastOk = sentAt;
      armFence();
      const stillHeld = new Set(leases.held());
      const lost = ids.filter((id) => !kept.has(id) && stillHeld.has(id));
      if (lost.length > 0) {
        leases.forget(lost);
        logger.error({ lost }, 'Leases taken by another instance: stopping those sessions here');
        deps.onLost(lost);
      }
    } catch (err) {
      logger.warn(
        { err: toError(err), fenceInMs: Math.round(lastOk + fenceAfter - now()) },
        'Lease renewal failed',
      );
    }
  };

  const tick = async (): Promise<void> => {
    const startedAt = now();
    await renewOnce();
    if (!stopped) renewTimer = setTimeout(() => void tick(), Math.max(0, startedAt + renewMs - now()));
  };

  return {
    start(joinedSentAt) {
      stopped = false;
      lastOk = joinedSentAt;
      armFence();
      renewTimer = setTimeout(() => void tick(), renewMs);
    },
    stop() {
      stopped = true;
      clearTimeout(renewTimer);
      clearTimeout(fenceTimer);
    },
    deadline: () => lastOk + fenceAfter,
  };
};
