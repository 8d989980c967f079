import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { type Request, type Response, Router } from 'express';
import type { ChromeResolution } from '../browser/chrome.js';
import { type ChromeProbe, createChromeProbe } from '../browser/chrome-probe.js';
import { errorCatalog } from '../error-catalog.js';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { problemBody, sendProblem } from './problem.js';

export type CheckResult = { status: 'ok'; [detail: string]: unknown } | { status: 'fail'; problem: string };

export interface HealthRouterDeps {
  dataDir: string;
  chrome: ChromeResolution;
  /** Built from `chrome` when not given. */
  probe?: ChromeProbe;
  /** Told when readiness changes (one line per change, never one per probe). */
  logger?: Logger;
  /** The store (src/store): answers, and takes writes. */
  store?: () => Promise<CheckResult>;
}

export type HealthRouter = Router & {
  /** `GET /health/ready?verbose`: every check with its details; mounted behind the API key. */
  details: Router;
};

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

const wantsDetails = (req: Request): boolean => req.query.verbose !== undefined;

/**
 * `GET /health/live`: the process answers (for a restart policy). `GET /health/ready`: it can do its
 * job: config parsed (it is, or the app would not exist), DATA_DIR writable, the store answering and
 * taking writes, Chromium launchable.
 * Probes carry no key, so the open answer says ready or not and, when not, which check failed in one
 * word (`dataDir`, `store`, `chrome`): no path, no version, no error text for a stranger to read. The details
 * are behind the key: `GET /health/ready?verbose`. A failing probe answers directly, so a load
 * balancer polling a broken instance fills no log with stacks; the change itself is logged once.
 */
export const createHealthRouter = (deps: HealthRouterDeps): HealthRouter => {
  const probe = deps.probe ?? createChromeProbe({ chrome: deps.chrome });
  let lastFailed: string | null = null;

  const runChecks = async () => {
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
    const reason = failed[0]?.[0] ?? null;
    if (reason !== lastFailed) {
      if (reason === null) deps.logger?.info('Ready again');
      else deps.logger?.warn({ reason, checks }, `Not ready: ${reason}`);
      lastFailed = reason;
    }
    return { checks, reason };
  };

  const answer = (
    req: Request,
    res: Response,
    verbose: boolean,
    result: Awaited<ReturnType<typeof runChecks>>,
  ) => {
    if (result.reason === null) {
      res.json(verbose ? { status: 'ready', checks: result.checks } : { status: 'ready' });
      return;
    }
    sendProblem(
      res,
      problemBody({
        status: errorCatalog.not_ready.status,
        code: 'not_ready',
        detail: `Not ready: ${result.reason}`,
        details: verbose ? { reason: result.reason, checks: result.checks } : { reason: result.reason },
        requestId: req.id,
      }),
    );
  };

  const router = Router();
  router.use('/health', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (req, res, next) => {
    // The detailed answer is the keyed route's, further down the app.
    if (wantsDetails(req)) {
      next();
      return;
    }
    answer(req, res, false, await runChecks());
  });

  const details = Router();
  details.get('/health/ready', async (req, res, next) => {
    if (!wantsDetails(req)) {
      next();
      return;
    }
    answer(req, res, true, await runChecks());
  });

  return Object.assign(router, { details });
};
