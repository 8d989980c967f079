import { execFile } from 'node:child_process';
import type { ChromeResolution } from './chrome.js';

export type ChromeProbeResult = { ok: true; version: string } | { ok: false; problem: string };

export interface ChromeProbe {
  /** The cached result while fresh; otherwise one run shared by every caller that asks meanwhile. */
  check(): Promise<ChromeProbeResult>;
}

export interface ChromeProbeDeps {
  chrome: ChromeResolution;
  /** Bound of one `--version` run. */
  timeoutMs?: number;
  /** How long a success is reused: readiness is polled every few seconds, a spawn is not free. */
  okTtlMs?: number;
  /** Shorter, so a fixed install is seen soon. */
  failTtlMs?: number;
  now?: () => number;
}

const runVersion = (file: string, timeoutMs: number): Promise<ChromeProbeResult> =>
  new Promise((resolve) => {
    execFile(file, ['--version'], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout) => {
      if (err) {
        const why = err.killed ? `did not answer within ${timeoutMs} ms` : err.message.split('\n')[0];
        resolve({ ok: false, problem: `${file} --version failed: ${why}` });
        return;
      }
      resolve({ ok: true, version: stdout.trim() });
    });
  });

/**
 * Whether the browser sessions need actually starts: finding the file is not enough (a missing
 * shared library or a wrong architecture only shows when it runs), so it runs `<chrome> --version`.
 */
export const createChromeProbe = (deps: ChromeProbeDeps): ChromeProbe => {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const okTtlMs = deps.okTtlMs ?? 60_000;
  const failTtlMs = deps.failTtlMs ?? 10_000;
  const now = deps.now ?? Date.now;
  let cached: { result: ChromeProbeResult; until: number } | null = null;
  let running: Promise<ChromeProbeResult> | null = null;

  return {
    check() {
      const { chrome } = deps;
      if (!chrome.found) return Promise.resolve({ ok: false, problem: chrome.problem });
      if (cached && now() < cached.until) return Promise.resolve(cached.result);
      running ??= runVersion(chrome.executablePath, timeoutMs).then((result) => {
        cached = { result, until: now() + (result.ok ? okTtlMs : failTtlMs) };
        running = null;
        return result;
      });
      return running;
    },
  };
};
