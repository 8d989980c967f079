import type WAWebJS from 'whatsapp-web.js';
import type { Logger } from '../logger.js';
import { sinceProcessStart } from '../startup-clock.js';

/** The steps of one client's start, in the order whatsapp-web.js's initialize() goes through them. */
export const startPhases = [
  'launch begun',
  'Chromium up',
  'page loaded',
  'injected',
  'authenticated',
  'ready',
] as const;
export type StartPhase = (typeof startPhases)[number];

/** The message of every line this writes: `npm run bench -- --only restore --timeline` reads them. */
export const START_PHASE_MSG = 'Session start phase';

/**
 * Debug lines that time a client's first start, each phase once: `sinceStartMs` counts from the
 * process start, `ms` from initialize(). Hooked on the auth strategy's before/after-browser calls
 * (the only points inside initialize() a caller can see: the launch, and Chromium up with its page)
 * and on the page's first `load`. Writes nothing below debug level.
 */
export const traceClientStart = (input: {
  client: WAWebJS.Client;
  strategy: WAWebJS.AuthStrategy;
  log: Logger;
}): { mark(phase: StartPhase): void } => {
  const { client, strategy, log } = input;
  const seen = new Set<StartPhase>();
  let begun = 0;
  const mark = (phase: StartPhase): void => {
    if (seen.has(phase) || !log.isLevelEnabled('debug')) return;
    seen.add(phase);
    const now = sinceProcessStart();
    if (phase === 'launch begun') begun = now;
    log.debug({ phase, sinceStartMs: now, ms: now - begun }, START_PHASE_MSG);
  };
  if (!log.isLevelEnabled('debug')) return { mark };
  const before = strategy.beforeBrowserInitialized.bind(strategy);
  strategy.beforeBrowserInitialized = async () => {
    mark('launch begun');
    await before();
  };
  const after = strategy.afterBrowserInitialized.bind(strategy);
  strategy.afterBrowserInitialized = async () => {
    mark('Chromium up');
    client.pupPage?.once('load', () => mark('page loaded'));
    await after();
  };
  client.once('authenticated', () => mark('authenticated'));
  client.once('ready', () => mark('ready'));
  return { mark };
};
