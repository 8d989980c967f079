import { Router } from 'express';
import type { Registry } from 'prom-client';

/** `GET /metrics`: the Prometheus text exposition, behind the API key like every route but health. */
export const createMetricsRouter = (deps: { registry: Registry }): Router => {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const body = await deps.registry.metrics();
    res.set('Cache-Control', 'no-store').type(deps.registry.contentType).send(body);
  });
  return router;
};
