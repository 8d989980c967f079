import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { appError } from '../error-catalog.js';

/**
 * The webVersion under which whatsapp-web.js serves the simulator page. It must equal the page's
 * `window.Debug.VERSION`: the library uses that value as the cache key when it persists a page.
 */
export const SIMULATOR_WEB_VERSION = '2.3000.1-sim';

export interface SimulatorClientOptions {
  webVersion: string;
  webVersionCache: { type: 'local'; path: string; strict: true };
}

const pageUrl = new URL('./assets/wa-web.html', import.meta.url);

/**
 * Copies the simulator page to `<dir>/<SIMULATOR_WEB_VERSION>.html` and returns the Client options
 * that make whatsapp-web.js serve it for https://web.whatsapp.com/. `strict: true` matters: without
 * it a missing file silently falls back to the real site. The copy is written to a temporary name and
 * renamed, so sessions that start at the same time never read a half-written page.
 */
export const prepareSimulatorCache = async (dir: string): Promise<SimulatorClientOptions> => {
  let html: string;
  try {
    html = await readFile(pageUrl, 'utf8');
  } catch (err) {
    throw appError('simulator_page_missing', `cannot read the simulator page at ${pageUrl.href}`, {
      cause: err,
    });
  }
  if (!html.includes(`const VERSION = '${SIMULATOR_WEB_VERSION}';`)) {
    throw appError(
      'simulator_version_mismatch',
      `the simulator page is not version ${SIMULATOR_WEB_VERSION}`,
    );
  }
  const cacheDir = path.resolve(dir);
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const target = path.join(cacheDir, `${SIMULATOR_WEB_VERSION}.html`);
  const temporary = `${target}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, html);
  await rename(temporary, target);
  return {
    webVersion: SIMULATOR_WEB_VERSION,
    webVersionCache: { type: 'local', path: cacheDir, strict: true },
  };
};
