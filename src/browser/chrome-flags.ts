/**
 * The flags every session's Chromium gets (CHROME_ARGS adds to them; CHROME_FLAGS_PRESET=library
 * replaces them with `libraryDefaultChromeArgs`, =single-process adds --single-process). Chosen for memory per session on a server that
 * runs many: see README "Chromium flags" and `npm run bench` (bench/results.md) for the figures.
 * Measured on headless-shell, 5 sessions on the simulator page: 2 processes and ~59 MiB PSS
 * (~34 MiB anonymous) per session, against 6 processes and ~90 MiB (~62 MiB) with the library's.
 * Tried on top of these, no gain beyond noise: --enable-low-end-device-mode, --js-flags
 * (--lite-mode, --jitless, --optimize-for-size, --max-semi-space-size=1, --single-threaded),
 * --num-raster-threads=1, --disable-gpu-compositing, --disable-3d-apis, --disable-webgl, cache
 * sizes, threaded animation/scrolling off, disabling PartitionAllocBackupRefPtr/ThreadCache.
 * A smaller --window-size saves ~1.5 MiB but changes the page's layout.
 *
 * Issue 16, what remains per session (`npm run bench -- --only renderer --runs 2`, 5 READY at once,
 * per session, load ~11): browser process 16.8 MiB Pss_Anon, renderer 17.2 MiB, the page's V8 heap
 * only 1.4 MiB used / 2.8 MiB total (Runtime.getHeapUsage). So V8 flags can take at most the
 * heap's ~1 MiB: tried on top of these (`--try-preset-flags="lean: --js-flags=X"`), PSS 62.2 MiB
 * without: --lite-mode 62.8 (heap total 2.0), --jitless 62.3 (2.0), --optimize-for-size 62.2,
 * --max-semi-space-size=1 62.9, --single-threaded 62.8 (2.3), --max-lazy 62.2; renderer Pss_Anon
 * 17.1–17.2 with each: none kept. --enable-low-end-device-mode 62.9: not kept.
 * The rest is Chromium's own per-process baseline, which only fewer processes lower: the opt-in
 * single-process preset below, 52.2 MiB PSS (23.9 anonymous) against lean's 62.7 (34.0) through the
 * real server (`npm run bench -- --only memory --runs 3`, medians); on top of it --lite-mode 51.9,
 * --jitless 51.4, low-end-device mode 51.6,
 * --disable-features=BackForwardCache,OptimizationHints,MediaRouter,Translate 51.8, against 51.7 without (renderer
 * section, noise): none kept. Every lifecycle e2e test passes on it
 * (`E2E_CHROME_FLAGS_PRESET=single-process npx vitest run test/e2e/lifecycle.test.ts`).
 *
 * Issue 16, second round on the single-process preset (`npm run bench -- --only renderer --runs 2
 * --try-preset-flags="single-process: X"`, 5 READY, load 7-9 with other Chromiums on the machine):
 * the browser process's Pss_Anon, the stable part, is 23.6 MiB without and 23.5-23.8 with each of
 * --enable-low-end-device-mode; --js-flags=--jitless; low-end + --js-flags=--lite-mode; low-end +
 * jitless + --disable-features=BackForwardCache,OptimizationHints,MediaRouter,Translate,
 * AudioServiceOutOfProcess,PaintHolding + --disable-renderer-accessibility; --disable-threaded-
 * animation/-scrolling, --disable-checker-imaging, --disable-partial-raster, --disable-lcd-text;
 * --disable-features=PartitionAllocThreadCache,PartitionAllocBackupRefPtr with
 * PartitionAllocMemoryReclaimer; --js-flags=--max-semi-space-size=1 with --disk-cache-size=1,
 * --media-cache-size=1, --aggressive-cache-discard: none kept. PSS per session swung 35-55 MiB in
 * the same runs: beyond the anonymous ~24 MiB it is mostly the headless-shell binary's text, shared
 * with every Chromium on the machine (its /proc/<pid>/smaps: 17.7 MiB PSS for the binary, 6.5 of it
 * private relocations; 16.7 MiB anonymous heap), so it falls as sessions (or other browsers) share
 * it, and no flag changes it. One thing that did lower the anonymous part, not a flag: DevTools'
 * Memory.simulatePressureNotification(critical) once READY, 23.7 -> 22.6 MiB per session, still
 * 22.6 10 s later (a scratch run on 5 real clients); not built (a DevTools call after READY in the
 * session, for ~1 MiB).
 */
export const defaultChromeArgs: readonly string[] = [
  // Root in a container cannot use Chromium's sandbox (it needs user namespaces or a setuid helper);
  // CHROME_SANDBOX=true keeps it, for a server run as a non-root user: see README "Chromium".
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

/**
 * CHROME_FLAGS_PRESET=single-process, opt-in only: the lean flags with the renderer in the browser
 * process, so a session is one process. Chromium does not support --single-process (it is a
 * debugging mode: a renderer crash ends the whole browser, and some features are untested in it),
 * but a session's browser holds one page anyway and its crash is a FAILED session either way.
 */
export const singleProcessChromeArgs: readonly string[] = [...defaultChromeArgs, '--single-process'];

export type ChromeFlagsPreset = 'lean' | 'library' | 'single-process';

const presets: Record<ChromeFlagsPreset, readonly string[]> = {
  lean: defaultChromeArgs,
  library: libraryDefaultChromeArgs,
  'single-process': singleProcessChromeArgs,
};

/** Flags that only make sense without the sandbox: Chromium refuses --no-zygote with it on. */
const sandboxOffOnly: ReadonlySet<string> = new Set(['--no-sandbox', '--no-zygote']);

/**
 * The flags a session's Chromium is launched with: the preset, minus what the sandbox forbids when
 * it is kept, plus CHROME_ARGS. DevTools goes over a pipe (puppeteer `pipe: true`), never a port.
 */
export const chromeArgsFor = (settings: {
  preset: ChromeFlagsPreset;
  sandbox: boolean;
  extra: readonly string[];
}): string[] => {
  const base = presets[settings.preset];
  const kept = settings.sandbox ? base.filter((arg) => !sandboxOffOnly.has(arg)) : [...base];
  return [...kept, ...settings.extra];
};
