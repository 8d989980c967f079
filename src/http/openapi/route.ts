import { readFileSync } from 'node:fs';
import { Router } from 'express';

/** src/http/openapi and dist/http/openapi are both three levels under the package root. */
const packageVersion = (): string => {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0';
};

/**
 * `GET /openapi.json`, built once at its first request (the routes do not change while the process
 * runs): a server nobody reads the contract of never holds it (~0.6 MiB of heap, 80 kB of JSON), nor
 * loads the module that builds it (~90 ms of every start, on a restore's path).
 */
export const createOpenApiRouter = (deps: { docsPublic: boolean }): Router => {
  let body: Promise<string> | undefined;
  const build = async (): Promise<string> => {
    const { buildOpenApiDocument } = await import('./document.js');
    return JSON.stringify(buildOpenApiDocument({ version: packageVersion(), docsPublic: deps.docsPublic }));
  };
  const router = Router();
  router.get('/openapi.json', async (_req, res) => {
    body ??= build().catch((err: unknown) => {
      // A failed build is tried again by the next request; this one gets the error handler's 500.
      body = undefined;
      throw err;
    });
    res.type('application/json').send(await body);
  });
  return router;
};
