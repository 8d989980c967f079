import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Where Debian (and the Docker image) puts Chromium, fastest first. */
export const chromeCandidates = [
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

export const MISSING_CHROME_MESSAGE =
  'No Chromium found. Install it with `apt-get install -y chromium-headless-shell` (or `chromium`), ' +
  'or set CHROME_PATH to a Chromium or Chrome executable.';

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export type ChromeResolution =
  | { found: true; executablePath: string; headless: 'shell' | 'new' }
  | { found: false; problem: string };

/**
 * Finds the browser: CHROME_PATH when set (it must exist), else the first Debian candidate, else any
 * chromium on PATH. headless-shell runs in puppeteer's 'shell' mode; a full Chromium in 'new' mode.
 */
export const resolveChrome = (settings: {
  chromePath: string | undefined;
  headless: 'shell' | 'new' | undefined;
  pathEnv: string | undefined;
}): ChromeResolution => {
  const pick = (executablePath: string): ChromeResolution => ({
    found: true,
    executablePath,
    headless:
      settings.headless ?? (path.basename(executablePath).includes('headless-shell') ? 'shell' : 'new'),
  });
  if (settings.chromePath) {
    if (isExecutable(settings.chromePath)) return pick(settings.chromePath);
    return {
      found: false,
      problem: `CHROME_PATH=${settings.chromePath} is not an executable file. ${MISSING_CHROME_MESSAGE}`,
    };
  }
  for (const candidate of chromeCandidates) if (isExecutable(candidate)) return pick(candidate);
  for (const dir of (settings.pathEnv ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of ['chromium-headless-shell', 'chromium', 'chromium-browser', 'google-chrome']) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return pick(candidate);
    }
  }
  return { found: false, problem: MISSING_CHROME_MESSAGE };
};
