import { availableParallelism, freemem } from 'node:os';

/** What a browser takes while it starts (measured ~60 MiB READY, more while it loads the page). */
const START_BYTES = 256 * 1024 * 1024;
/**
 * Browser starts per core. A start is CPU-bound on a small machine: on 2 cores (issue 16, the restore
 * timeline of `npm run bench -- --only restore`) a launch's "launch begun → Chromium up" grew from
 * ~260 ms with 2 at once to ~600 ms with 4, and restoring 5 or 20 linked sessions (interleaved A/B
 * runs of the built server, loaded machine) took the same with 2 or 4 at once: 5 sessions 3.36 s
 * against 3.32 s, 20 sessions 6.76 s against 7.04 s (medians). So one per core, as before; the
 * memory bound is new. `npm run bench -- --only restore --launch-concurrency N` measures another.
 */
const STARTS_PER_CORE = 1;
const MAX_AUTO = 16;

export interface Machine {
  cores: number;
  freeBytes: number;
}

const thisMachine = (): Machine => ({ cores: availableParallelism(), freeBytes: freemem() });

/**
 * LAUNCH_CONCURRENCY's default: one browser start at a time per core, never more than free memory
 * holds, at least one.
 */
export const startConcurrency = (machine: Machine = thisMachine()): number => {
  const byCores = machine.cores * STARTS_PER_CORE;
  const byMemory = Math.floor(machine.freeBytes / START_BYTES);
  return Math.max(1, Math.min(byCores, byMemory, MAX_AUTO));
};
