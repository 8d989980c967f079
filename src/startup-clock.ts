import { performance } from 'node:perf_hooks';
import type { Logger } from './logger.js';

/** Milliseconds since this process started (performance's time origin), for startup timelines. */
export const sinceProcessStart = (): number => Math.round(performance.now());

/** The message of every startup step line: `npm run bench -- --only restore --timeline` reads them. */
export const STARTUP_STEP_MSG = 'Startup step';

/** A debug line: `step` done, so many ms after the process started (or at `atMs`, measured earlier). */
export const logStartupStep = (logger: Logger, step: string, atMs = sinceProcessStart()): void => {
  logger.debug({ step, sinceStartMs: atMs }, STARTUP_STEP_MSG);
};
