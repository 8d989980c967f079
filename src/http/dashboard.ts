import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';
import { appError } from '../error-catalog.js';

/** Where the dashboard lives; every URL inside it is relative, so a proxy may mount it under a prefix. */
export const DASHBOARD_PATH = '/dashboard';

/**
 * The browser modules compiled by `npm run build` (tsconfig.dashboard.json). The same folder whether
 * the server runs from dist/ or from src/ (tsx, in tests): both sit two levels below the project root.
 */
export const DEFAULT_DASHBOARD_DIR = path.resolve(import.meta.dirname, '..', '..', 'dist', 'dashboard');

const require = createRequire(import.meta.url);
const preactDir = path.dirname(require.resolve('preact/package.json'));
// htm exports no package.json: its main file is dist/htm.js.
const htmDir = path.dirname(path.dirname(require.resolve('htm')));

/** preact and htm as ES modules, straight from node_modules: no CDN, no bundler, works offline. */
const vendor = new Map<string, string>([
  ['preact.mjs', path.join(preactDir, 'dist', 'preact.module.js')],
  ['preact-hooks.mjs', path.join(preactDir, 'hooks', 'dist', 'hooks.module.js')],
  ['htm.mjs', path.join(htmDir, 'dist', 'htm.module.js')],
  ['htm-preact.mjs', path.join(htmDir, 'preact', 'index.module.js')],
]);

/** Bare specifiers the modules import, mapped to the files above; relative, so a path prefix holds. */
const importMap = JSON.stringify({
  imports: {
    preact: './preact.mjs',
    'preact/hooks': './preact-hooks.mjs',
    htm: './htm.mjs',
    'htm/preact': './htm-preact.mjs',
  },
});

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>wa-sessions dashboard</title>
  <link rel="stylesheet" href="dashboard.css">
  <script type="importmap">${importMap}</script>
  <script type="module" src="app.js"></script>
</head>
<body>
  <div id="app"><noscript>The dashboard needs JavaScript.</noscript></div>
</body>
</html>
`;

/**
 * The page's own policy (helmet's API policy allows nothing): scripts from this origin plus the one
 * inline import map, by its hash; the API through fetch on this origin; QR codes as data: images.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  `script-src 'self' 'sha256-${createHash('sha256').update(importMap).digest('base64')}'`,
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The compiled modules and the stylesheet, listed once: a request can name nothing else. */
const builtFiles = (dir: string): Set<string> => {
  try {
    return new Set(readdirSync(dir).filter((name) => /^[a-z0-9-]+\.(js|css)$/.test(name)));
  } catch {
    return new Set();
  }
};

/**
 * `GET /dashboard/`: the page; `GET /dashboard/{file}`: its modules, stylesheet and preact/htm.
 * Mounted before authentication: nothing here is secret, the page asks for the key and sends it
 * with each API call itself.
 */
export const createDashboardRouter = (deps: { dir?: string } = {}): Router => {
  const dir = deps.dir ?? DEFAULT_DASHBOARD_DIR;
  const files = builtFiles(dir);
  const router = Router();

  router.get(DASHBOARD_PATH, (req, res) => {
    // Relative URLs resolve against the page's own URL, so it must end with a slash. The redirect is
    // relative too: behind a proxy that adds a prefix, `dashboard/` keeps it.
    if (!req.originalUrl.split('?')[0]?.endsWith('/')) {
      res
        .status(301)
        .location(`${DASHBOARD_PATH.slice(1)}/`)
        .end();
      return;
    }
    if (!files.has('app.js')) {
      throw appError('dashboard_not_built', 'The dashboard is not built: run npm run build');
    }
    res.set({ 'Content-Security-Policy': contentSecurityPolicy, 'Cache-Control': 'no-cache' });
    res.type('html').send(page);
  });

  router.get(`${DASHBOARD_PATH}/:file`, (req, res, next) => {
    const { file } = req.params;
    const vendored = vendor.get(file);
    if (vendored === undefined && !files.has(file)) {
      throw appError('not_found', `No dashboard file ${file}`);
    }
    // no-cache, not max-age: after an upgrade the browser revalidates (ETag) instead of mixing versions.
    const options = { headers: { 'Cache-Control': 'no-cache' } };
    const done = (err?: Error) => {
      if (err) next(err);
    };
    if (vendored !== undefined) res.type('text/javascript').sendFile(vendored, options, done);
    else res.sendFile(file, { ...options, root: dir }, done);
  });

  return router;
};
