import { withTimeout } from '../timeout.js';
import type { LaunchQueue } from './launch-queue.js';

/**
 * The wait on a client's initialize(): through the launch queue, bounded by INIT_TIMEOUT_MS, and
 * ended early by `end()` when the client is released before it settled (stop, delete, shutdown), so
 * that the timer does not outlive the client and restore() does not wait on a dead one.
 */
export const waitForInit = (deps: {
  initialize: () => Promise<void>;
  launches: LaunchQueue;
  timeoutMs: number;
  onSettled: () => void;
  onFailed: (err: unknown) => void;
}): { initializing: Promise<void>; end: () => void } => {
  let end = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    end = resolve;
  });
  const launch = deps.launches.run(released, () =>
    withTimeout(Promise.race([deps.initialize(), released]), deps.timeoutMs, 'initialize()'),
  );
  const initializing = launch.then(deps.onSettled, (err: unknown) => {
    deps.onSettled();
    deps.onFailed(err);
  });
  return { initializing, end };
};
