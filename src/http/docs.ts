import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';
import { appError } from '../error-catalog.js';
import { DOCS_PATH } from './security.js';

/** Swagger UI ships as static files in the npm package: served from there, no CDN, works offline. */
const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Only these files, so the parameter can never name anything else in the folder (or outside it). */
const assets = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
]);

const INITIALIZER = 'initializer.js';

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>wa-sessions API</title>
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/swagger-ui-standalone-preset.js"></script>
  <script src="${DOCS_PATH}/${INITIALIZER}"></script>
</body>
</html>
`;

// An external script, not an inline one: the docs CSP allows scripts from this origin only.
// validatorUrl null: Swagger UI would otherwise send the document to an online validator.
const initializer = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

/** `GET /docs`: Swagger UI over /openapi.json; `GET /docs/{asset}`: its files. */
export const createDocsRouter = (): Router => {
  const router = Router();
  router.get(DOCS_PATH, (_req, res) => {
    res.type('html').send(page);
  });
  router.get(`${DOCS_PATH}/:asset`, (req, res, next) => {
    const { asset } = req.params;
    if (asset === INITIALIZER) {
      res.type('text/javascript').send(initializer);
      return;
    }
    if (!assets.has(asset)) throw appError('not_found', `No documentation file ${asset}`);
    res.sendFile(asset, { root: swaggerUiDir, maxAge: '1h' }, (err) => {
      if (err) next(err);
    });
  });
  return router;
};
