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

/**
 * `GET /openapi.json`, built once at its first request (the routes do not change while the process
 * runs): a server nobody reads the contract of never holds it (~0.6 MiB of heap, 80 kB of JSON).
 */
export const createOpenApiRouter = (deps: { docsPublic: boolean }): Router => {
  let body: string | undefined;
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    body ??= JSON.stringify(buildOpenApiDocument({ version: packageVersion(), docsPublic: deps.docsPublic }));
    res.type('application/json').send(body);
  });
  return router;
};
