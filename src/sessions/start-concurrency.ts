import { availableParallelism, freemem } from 'node:os';

/** What a browser takes while it starts (measured ~60 MiB READY, more while it loads the page). */
const START_BYTES = 256 * 1024 * 1024;
/**
 * Browser starts per core. A start mostly waits (process spawn, IPC, the page's navigation), so one
 * per core left a 2-core machine half idle: `npm run bench -- --only restore --launch-concurrency N`
 * (bench/results.md, issue 16) put 5 restored sessions READY in PLACEHOLDER.
 */
const STARTS_PER_CORE = 2;
const MAX_AUTO = 16;

export interface Machine {
  cores: number;
  freeBytes: number;
}

const thisMachine = (): Machine => ({ cores: availableParallelism(), freeBytes: freemem() });

/**
 * LAUNCH_CONCURRENCY's default: as many browser starts at once as the cores keep busy, never more
 * than free memory holds, at least one.
 */
export const startConcurrency = (machine: Machine = thisMachine()): number => {
  const byCores = machine.cores * STARTS_PER_CORE;
  const byMemory = Math.floor(machine.freeBytes / START_BYTES);
  return Math.max(1, Math.min(byCores, byMemory, MAX_AUTO));
};
