import { resolveChrome } from '../browser/chrome.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export type Chrome = ReturnType<typeof resolveChrome>;

/** The Chromium every session runs; when missing the server still starts and says why. */
export const findChrome = (config: Config, logger: Logger): Chrome => {
  const chrome = resolveChrome({
    chromePath: config.CHROME_PATH,
    headless: config.HEADLESS,
    pathEnv: config.pathEnv,
  });
  if (!chrome.found) logger.error({ problem: chrome.problem }, chrome.problem);
  else logger.info({ executablePath: chrome.executablePath, headless: chrome.headless }, 'Chromium found');
  return chrome;
};
