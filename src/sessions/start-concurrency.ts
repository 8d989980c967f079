import { availableParallelism, freemem } from 'node:os';

/** What a browser takes while it starts (measured ~60 MiB READY, more while it loads the page). */
const START_BYTES = 256 * 1024 * 1024;
/**
 * Browser starts per core. A start mostly waits (process spawn, IPC, the page's navigation), so one
 * per core (the default before issue 16) left a 2-core machine idle between them: restoring 20
 * linked sessions (`npm run bench -- --only restore --restore 20 --restore-entry built
 * --launch-concurrency N`, one run each, twice, on a loaded 2-core machine) took 11.5 and 6.1 s with
 * 2 at once, 4.4 and 4.7 s with 3, 5.4 and 9.3 s with 4, 10.0 s with 6. Noisy; 2 per core is the
 * middle of what helped.
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
