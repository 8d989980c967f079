import type { Logger } from '../logger.js';
import { CLAIM_MS, type OutboxClaims } from '../store/outbox-claims.js';

/**
 * Cluster mode: every CLAIM_MS / 3 this instance extends its claims on the deliveries it holds, and
 * adopts the receivers whose pending deliveries nobody holds any more (an instance died: its claims
 * lapsed). Returns the function that stops it.
 */
export const startClaimsSweep = (deps: {
  claims: Pick<OutboxClaims, 'renew' | 'pendingUrls'>;
  logger: Logger;
  /** Starts loading the pending deliveries of a receiver this instance has none of in memory. */
  adopt: (url: string) => void;
  everyMs?: number | undefined;
}): (() => void) => {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const everyMs = deps.everyMs ?? CLAIM_MS / 3;
  const round = async () => {
    try {
      await deps.claims.renew();
      for (const url of await deps.claims.pendingUrls()) deps.adopt(url);
    } catch (err) {
      deps.logger.warn({ err }, 'Could not renew or sweep webhook delivery claims; trying again');
    }
    if (!stopped) timer = setTimeout(() => void round(), everyMs);
  };
  timer = setTimeout(() => void round(), everyMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
};
