import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { Router } from 'express';
import type { ChromeResolution } from '../browser/chrome.js';
import { type ChromeProbe, createChromeProbe } from '../browser/chrome-probe.js';
import { appError } from '../error-catalog.js';
import { toError } from '../errors.js';

export type CheckResult = { status: 'ok'; [detail: string]: unknown } | { status: 'fail'; problem: string };

export interface HealthRouterDeps {
  dataDir: string;
  chrome: ChromeResolution;
  /** Built from `chrome` when not given. */
  probe?: ChromeProbe;
  /** The store (src/store): answers, and takes writes. */
  store?: () => Promise<CheckResult>;
}

const checkDataDir = async (dir: string): Promise<CheckResult> => {
  try {
    if (!(await stat(dir)).isDirectory())
      return { status: 'fail', problem: `DATA_DIR=${dir} is not a folder` };
    await access(dir, fsConstants.W_OK);
    return { status: 'ok' };
  } catch (err) {
    return { status: 'fail', problem: `DATA_DIR=${dir} is not writable: ${toError(err).message}` };
  }
};

/**
 * `GET /health/live`: the process answers (for a restart policy). `GET /health/ready`: it can do its
 * job: config parsed (it is, or the app would not exist), DATA_DIR writable, Chromium launchable; 503
 * problem+json naming what failed (for a load balancer or an orchestrator's readiness probe).
 * Mounted before authentication: probes carry no key.
 */
export const createHealthRouter = (deps: HealthRouterDeps): Router => {
  const probe = deps.probe ?? createChromeProbe({ chrome: deps.chrome });
  const router = Router();

  router.use('/health', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/health/ready', async (_req, res) => {
    const [dataDir, store, chrome] = await Promise.all([
      checkDataDir(deps.dataDir),
      deps.store?.() ?? Promise.resolve(null),
      probe
        .check()
        .then(
          (result): CheckResult =>
            result.ok
              ? { status: 'ok', version: result.version }
              : { status: 'fail', problem: result.problem },
        ),
    ]);
    const checks: Record<string, CheckResult> = {
      config: { status: 'ok' },
      dataDir,
      ...(store === null ? {} : { store }),
      chrome,
    };
    const failed = Object.entries(checks).filter(([, check]) => check.status === 'fail');
    if (failed.length > 0) {
      throw appError('not_ready', `Not ready: ${failed.map(([name]) => name).join(', ')} failed`, {
        details: { checks },
      });
    }
    res.json({ status: 'ok', checks });
  });

  return router;
};
