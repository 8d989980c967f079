import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { buildOpenApiDocument } from './document.js';

/** src/http/openapi and dist/http/openapi are both three levels under the package root. */
const packageVersion = (): string => {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0';
};

/** `GET /openapi.json`, built once: the routes do not change while the process runs. */
export const createOpenApiRouter = (deps: { docsPublic: boolean }): Router => {
  const body = JSON.stringify(
    buildOpenApiDocument({ version: packageVersion(), docsPublic: deps.docsPublic }),
  );
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
};
