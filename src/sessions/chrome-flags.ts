/**
 * The flags every session's Chromium gets (CHROME_ARGS adds to them). Chosen for memory per session
 * on a server that runs many: see README "Chromium flags" and `npm run bench` for the figures.
 */
export const defaultChromeArgs: readonly string[] = [
  // Root in a container cannot use Chromium's sandbox; the container is the sandbox.
  '--no-sandbox',
  // Docker gives /dev/shm 64 MB; Chromium then crashes tabs. /tmp has no such limit.
  '--disable-dev-shm-usage',
  // No GPU on a server: no GPU process, no software rasteriser fallback (~10 MiB each).
  '--disable-gpu',
  '--disable-software-rasterizer',
  // The zygote forks renderers in advance; without it and with the GPU thread in the browser
  // process, a session runs in two processes instead of six (~30 MiB less per session).
  '--no-zygote',
  '--in-process-gpu',
  '--enable-features=NetworkServiceInProcess2',
  // No background traffic: updates, sync, field trials, crash uploads.
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
  '--disable-breakpad',
  '--metrics-recording-only',
  '--mute-audio',
];

/**
 * whatsapp-web.js's own flags, for the benchmark's side-by-side figure. It adds
 * --disable-blink-features=AutomationControlled (and a user agent) to whatever it is given.
 */
export const libraryDefaultChromeArgs: readonly string[] = ['--no-sandbox'];
