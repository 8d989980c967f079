import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Leases, Orphan } from './leases.js';

/** What the takeover loop asks of the local sessions (the manager's cluster hooks). */
export interface TakeoverTarget {
  /** Sessions this instance runs now. */
  count(): number;
  has(id: string): boolean;
  /**
   * Under the id's lock: claims the lease, checks the record is still to run (not deleted, stopped
   * or logged out meanwhile) and starts the session; null when skipped (claim lost, record gone).
   */
  takeOver(id: string): Promise<{ initializing: Promise<void> } | null>;
}

/**
 * Picks this round's orphans: those of this INSTANCE_ID first (a crash restart takes its own back),
 * then at most a fair share of the rest (their count over the live instances, rounded up), never
 * past the room left. The rest are shuffled so instances racing in one round mostly claim different ones.
 */
export const pickOrphans = (
  orphans: readonly Orphan[],
  live: number,
  room: number,
  random: () => number = Math.random,
): Orphan[] => {
  const own = orphans.filter((o) => o.own);
  const others = orphans.filter((o) => !o.own);
  for (let i = others.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [others[i], others[j]] = [others[j] as Orphan, others[i] as Orphan];
  }
  const share = Math.ceil(others.length / Math.max(1, live));
  return [...own, ...others.slice(0, share)].slice(0, Math.max(0, room));
};

export interface Takeover {
  start(): void;
  /** Looks for orphans now (a lease was released: NOTIFY); rounds never overlap. */
  poke(): void;
  stop(): void;
}

/**
 * The takeover loop: every `intervalMs` (and at once on a NOTIFY), the sessions that should run and
 * have no valid lease are claimed and started, TAKEOVER_CONCURRENCY at a time, each waited for until
 * its initialize() settled, so a dead instance's sessions do not all launch a browser at once.
 */
export const createTakeover = (deps: {
  leases: Leases;
  target: TakeoverTarget;
  /** min(INSTANCE_CAPACITY, MAX_SESSIONS). */
  capacity: number;
  concurrency: number;
  intervalMs: number;
  logger: Logger;
  random?: () => number;
}): Takeover => {
  const { leases, target, logger } = deps;
  let stopped = true;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const round = async (): Promise<void> => {
    if (leases.fenced) return;
    const orphans = (await leases.orphans()).filter((o) => !target.has(o.id));
    if (orphans.length === 0) return;
    const live = await leases.liveInstances();
    const picked = pickOrphans(orphans, live, deps.capacity - target.count(), deps.random);
    if (picked.length === 0) return;
    logger.info(
      { orphans: orphans.length, picked: picked.length, live },
      `Taking over ${picked.length} session(s)`,
    );
    const queue = picked.map((o) => o.id);
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined && !stopped; id = queue.shift()) {
        try {
          const started = await target.takeOver(id);
          if (started) await started.initializing;
        } catch (err) {
          logger.error({ err: toError(err), sessionId: id }, `Could not take over session ${id}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.concurrency, queue.length) }, worker));
  };

  const poke = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        again = false;
        try {
          await round();
        } catch (err) {
          logger.warn({ err: toError(err) }, 'Takeover round failed; trying again');
        }
      } while (again && !stopped);
      running = false;
    })();
  };

  return {
    start() {
      stopped = false;
      poke();
      timer = setInterval(poke, deps.intervalMs);
    },
    poke,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
};
