/**
 * The one process-group kill. puppeteer starts Chromium detached, so the browser leads its own
 * process group: -pgid reaches its renderers, GPU and utility processes as well as the main one.
 * A group that is already gone (ESRCH) is not an error; anything else is thrown.
 */
export const signalGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
};
